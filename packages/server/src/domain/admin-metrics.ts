// The admin dashboard's numbers (methods/admin/measures.md, dimensions.md, retention.md), counted from
// the data itself: accounts, statuses, favourites (whose ids carry their time: 0001-initial.ts),
// reports, and account_activity, which records each day an account used the API (ActivityTracker).
// There are no remote servers, so every measure and dimension about them is zero or empty: true here.
import type { Db, Queryable } from '../db/index.js';

/**
 * The days from `from` to `to` (excluded), ISO strings at midnight UTC, as rows d(day) of timestamptz.
 * Counted in UTC whatever the session's time zone: the series runs on timestamps without one.
 */
const utcDays = (from: string, to: string) =>
  `generate_series(${from}::timestamp, ${to}::timestamp - interval '1 day', interval '1 day') as g(t) cross join lateral (select g.t at time zone 'UTC' as day) d`;

/** A day as the time-sortable ids count it: milliseconds in the high bits (0001-initial.ts). */
const idAt = (column: string) => `((extract(epoch from ${column}) * 1000)::bigint << 16)`;

export const MEASURES = ['active_users', 'new_users', 'interactions', 'opened_reports', 'resolved_reports', 'tag_accounts', 'tag_uses', 'tag_servers',
  'instance_accounts', 'instance_media_attachments', 'instance_reports', 'instance_statuses', 'instance_follows', 'instance_followers'] as const;
export type MeasureKey = (typeof MEASURES)[number];

/** Per day d (a timestamp at midnight UTC, `$3` a tag id where needed): the count for that day. */
const PER_DAY: Partial<Record<MeasureKey, (d: string) => string>> = {
  active_users: (d) => `(select count(*) from account_activity where day = (${d} at time zone 'UTC')::date)`,
  new_users: (d) => `(select count(*) from accounts where created_at >= ${d} and created_at < ${d} + interval '1 day')`,
  interactions: (d) => `((select count(*) from favourites where id >= ${idAt(d)} and id < ${idAt(`(${d} + interval '1 day')`)})
    + (select count(*) from statuses where (reblog_of_id is not null or in_reply_to_id is not null) and created_at >= ${d} and created_at < ${d} + interval '1 day'))`,
  opened_reports: (d) => `(select count(*) from reports where created_at >= ${d} and created_at < ${d} + interval '1 day')`,
  resolved_reports: (d) => `(select count(*) from reports where action_taken_at >= ${d} and action_taken_at < ${d} + interval '1 day')`,
  tag_accounts: (d) => `(select count(distinct s.account_id) from status_tags st join statuses s on s.id = st.status_id
    where st.tag_id = $3 and s.created_at >= ${d} and s.created_at < ${d} + interval '1 day')`,
  tag_uses: (d) => `(select count(*) from status_tags st join statuses s on s.id = st.status_id
    where st.tag_id = $3 and s.created_at >= ${d} and s.created_at < ${d} + interval '1 day')`,
};

/** Over the whole range [$1, $2): distinct where a sum of days would count one twice. */
const OVER_RANGE: Partial<Record<MeasureKey, string>> = {
  active_users: `(select count(distinct account_id) from account_activity where day >= $1::timestamp::date and day < $2::timestamp::date)`,
  tag_accounts: `(select count(distinct s.account_id) from status_tags st join statuses s on s.id = st.status_id where st.tag_id = $3 and s.created_at >= $1 and s.created_at < $2)`,
};

export interface Measure { key: MeasureKey; unit: string | null; total: string; previous_total?: string; data: Array<{ date: string; value: string }> }

/** Days from `start` to `end`, both included (dates at midnight UTC). */
export async function measure(db: Queryable, key: MeasureKey, start: Date, end: Date, tagId: string | null): Promise<Measure> {
  const days = Math.round((end.getTime() - start.getTime()) / 86_400_000) + 1;
  const perDay = PER_DAY[key];
  const unit = key === 'instance_media_attachments' ? 'bytes' : null;
  if (!perDay) {
    // About remote servers: there are none.
    const data = Array.from({ length: days }, (_, i) => ({ date: new Date(start.getTime() + i * 86_400_000).toISOString(), value: '0' }));
    return { key, unit, total: '0', ...(key === 'tag_servers' ? { previous_total: '0' } : {}), data };
  }
  const params: unknown[] = [start.toISOString(), new Date(end.getTime() + 86_400_000).toISOString(), ...(key.startsWith('tag_') ? [tagId] : [])];
  const rows = await db.query<{ day: Date; value: string }>(`select d.day, ${perDay('d.day')}::text as value from ${utcDays('$1', '$2')} order by d.day`, params);
  const sumOr = async (from: string, to: string) => {
    const over = OVER_RANGE[key];
    if (!over) return null;
    const [row] = await db.query<{ n: string }>(`select ${over}::text as n`, [from, to, ...params.slice(2)]);
    return row!.n;
  };
  const previousStart = new Date(start.getTime() - days * 86_400_000).toISOString();
  const total = (await sumOr(params[0] as string, params[1] as string)) ?? String(rows.reduce((n, r) => n + Number(r.value), 0));
  const previousRows = OVER_RANGE[key] ? null : await db.query<{ value: string }>(
    `select ${perDay('d.day')}::text as value from ${utcDays('$1', '$2')}`, [previousStart, params[0], ...params.slice(2)]);
  const previous = previousRows ? String(previousRows.reduce((n, r) => n + Number(r.value), 0)) : (await sumOr(previousStart, params[0] as string))!;
  return { key, unit, total, previous_total: previous, data: rows.map((r) => ({ date: r.day.toISOString(), value: r.value })) };
}

export const DIMENSIONS = ['languages', 'sources', 'servers', 'space_usage', 'software_versions', 'tag_servers', 'tag_languages', 'instance_accounts', 'instance_languages'] as const;
export type DimensionKey = (typeof DIMENSIONS)[number];

export interface DimensionDatum { key: string; value: string; unit?: string }

/** The dimension's data, most first, at most `limit` (the human keys are the API's to add). */
export async function dimension(db: Queryable, key: DimensionKey, start: Date, end: Date, limit: number, tagId: string | null): Promise<DimensionDatum[]> {
  const range = [start, new Date(end.getTime() + 86_400_000)];
  switch (key) {
    case 'languages':
      return db.query<DimensionDatum>(
        `select coalesce(language, 'und') as key, count(*)::text as value from statuses
         where created_at >= $1 and created_at < $2 and reblog_of_id is null group by 1 order by count(*) desc, 1 limit $3`, [...range, limit]);
    case 'sources':
      return db.query<DimensionDatum>(
        `select coalesce(a.name, 'unknown') as key, count(*)::text as value from statuses s left join apps a on a.id = s.app_id
         where s.created_at >= $1 and s.created_at < $2 and s.reblog_of_id is null group by 1 order by count(*) desc, 1 limit $3`, [...range, limit]);
    case 'tag_languages':
      return db.query<DimensionDatum>(
        `select coalesce(s.language, 'und') as key, count(*)::text as value from status_tags st join statuses s on s.id = st.status_id
         where st.tag_id = $3 and s.created_at >= $1 and s.created_at < $2 group by 1 order by count(*) desc, 1 limit $4`, [...range, tagId, limit]);
    case 'space_usage': {
      const [row] = await db.query<{ bytes: string }>('select pg_database_size(current_database())::text as bytes');
      return [{ key: 'postgresql', value: row!.bytes, unit: 'bytes' }];
    }
    case 'software_versions': {
      const [row] = await db.query<{ version: string }>(`select current_setting('server_version') as version`);
      return [{ key: 'firebreak', value: FIREBREAK_VERSION }, { key: 'nodejs', value: process.versions.node }, { key: 'postgresql', value: row!.version }];
    }
    default:
      return []; // about remote servers: there are none
  }
}

export const FIREBREAK_VERSION = '0.1.0';

export interface Cohort { period: string; frequency: 'day' | 'month'; data: Array<{ date: string; rate: number; value: string }> }

/**
 * Cohorts of accounts by when they signed up, and which share of each used the API in each later
 * period (the first period is the cohort itself, rate 1).
 */
export async function retention(db: Queryable, start: Date, end: Date, frequency: 'day' | 'month'): Promise<Cohort[]> {
  const step = frequency === 'day' ? '1 day' : '1 month';
  const rows = await db.query<{ period: Date; date: Date; size: string; active: string }>(
    `with periods as (
       select g.t at time zone 'UTC' as p from generate_series(date_trunc('${frequency}', $1::timestamp), $2::timestamp, interval '${step}') as g(t)),
     cohorts as (
       select p.p as period, array(select id from accounts where created_at >= p.p and created_at < p.p + interval '${step}') as ids from periods p)
     select c.period, q.p as date, cardinality(c.ids)::text as size,
       (case when q.p = c.period then cardinality(c.ids)
        else (select count(distinct aa.account_id) from account_activity aa
              where aa.account_id = any(c.ids) and aa.day >= (q.p at time zone 'UTC')::date and aa.day < (q.p at time zone 'UTC' + interval '${step}')::date) end)::text as active
     from cohorts c join periods q on q.p >= c.period order by c.period, q.p`, [start.toISOString(), end.toISOString()]);
  const cohorts = new Map<number, Cohort>();
  for (const r of rows) {
    let cohort = cohorts.get(r.period.getTime());
    if (!cohort) cohorts.set(r.period.getTime(), cohort = { period: r.period.toISOString(), frequency, data: [] });
    const size = Number(r.size);
    cohort.data.push({ date: r.date.toISOString(), rate: size ? Number(r.active) / size : 0, value: r.active });
  }
  return [...cohorts.values()];
}

/**
 * Records that accounts used the API today: one row per account and day (account_activity), written
 * once per day per app server (this remembers what it wrote), off the request's path: a failure
 * (a failover) costs a day's mark, never a request.
 */
export class ActivityTracker {
  private day = '';
  private readonly seen = new Set<string>();

  constructor(private readonly db: Db, private readonly onError: (err: unknown) => void) {}

  record(accountId: string): void {
    const day = new Date().toISOString().slice(0, 10);
    if (day !== this.day || this.seen.size > 500_000) { this.day = day; this.seen.clear(); }
    if (this.seen.has(accountId)) return;
    this.seen.add(accountId);
    this.db.transaction((tx) => tx.query('insert into account_activity (account_id, day) values ($1, $2::date) on conflict do nothing', [accountId, day]))
      .catch((err) => { this.seen.delete(accountId); this.onError(err); });
  }
}
