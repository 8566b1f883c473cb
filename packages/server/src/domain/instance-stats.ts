// The instance's counts, as discovery endpoints show them. Activity is read from what the database
// already holds: an account is active in a period when it posted (accounts.last_status_at) or signed
// in (a token was issued to it: a sign-in, an app authorization or a refresh) within it. Ids are
// time-sortable (migration 0001), so "created this week" is a range scan of a primary key.
import type { Queryable } from '../db/index.js';
import { firstIdAt } from './pagination.js';

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

export interface Usage { users: number; statuses: number; activeMonth: number; activeHalfyear: number }

export interface WeekActivity { week: string; statuses: string; logins: string; registrations: string }

/** How long counts are reused. Every client asks for them first, and anonymously. */
const USAGE_TTL_MS = 60_000;

/** Accounts that posted in the last `days` days or were issued a token with an id from `sinceId` (the same moment) on. */
const activeSince = (days: number, sinceId: string) => `(select count(*) from (
  select id from accounts where last_status_at > now() - interval '${days} days'
  union select account_id from tokens where id >= ${sinceId} and account_id is not null) active)`;

/** A value computed at most once per `ttl` and by one query at a time; a failed computation is not kept. */
function cached<T>(ttl: number, compute: () => Promise<T>): () => Promise<T> {
  let entry: { at: number; value: Promise<T> } | null = null;
  return () => {
    if (!entry || Date.now() - entry.at > ttl) {
      const value = compute();
      entry = { at: Date.now(), value };
      value.catch(() => { if (entry?.value === value) entry = null; });
    }
    return entry.value;
  };
}

/**
 * The counts, counted at most once a minute and by one query at a time: two count(*) scans per call
 * made the cheapest-looking anonymous route a database flood (issue 5's drill).
 */
export function usageCounter(db: Queryable): () => Promise<Usage> {
  return cached(USAGE_TTL_MS, async () => {
    const [row] = await db.query<{ users: string; statuses: string; month: string; halfyear: string }>(
      `select (select count(*) from accounts) as users, (select count(*) from statuses where reblog_of_id is null) as statuses,
         ${activeSince(30, '$1')} as month, ${activeSince(180, '$2')} as halfyear`,
      [firstIdAt(Date.now() - 30 * DAY_MS), firstIdAt(Date.now() - 180 * DAY_MS)]);
    return { users: Number(row?.users ?? 0), statuses: Number(row?.statuses ?? 0), activeMonth: Number(row?.month ?? 0), activeHalfyear: Number(row?.halfyear ?? 0) };
  });
}

/** Monday 00:00 UTC of the week holding `ms`. */
const weekStart = (ms: number) => { const day = Math.floor(ms / DAY_MS); return (day - ((day + 3) % 7)) * DAY_MS; };

/**
 * Mastodon's GET /api/v1/instance/activity: the last 12 weeks, this one first: posts written,
 * accounts that signed in, accounts that signed up. Counted at most once a minute.
 */
export function weeklyActivity(db: Queryable): () => Promise<WeekActivity[]> {
  return cached(USAGE_TTL_MS, async () => {
    const starts = Array.from({ length: 12 }, (_, i) => weekStart(Date.now()) - i * WEEK_MS);
    const bounds = starts.map((start) => [firstIdAt(start), firstIdAt(start + WEEK_MS)]);
    const rows = await db.query<{ i: number; statuses: string; logins: string; registrations: string }>(
      `select b.i,
         (select count(*) from statuses s where s.id >= b.lo and s.id < b.hi and s.reblog_of_id is null) as statuses,
         (select count(distinct t.account_id) from tokens t where t.id >= b.lo and t.id < b.hi and t.account_id is not null) as logins,
         (select count(*) from accounts a where a.id >= b.lo and a.id < b.hi) as registrations
       from unnest($1::bigint[], $2::bigint[]) with ordinality as b(lo, hi, i)`,
      [bounds.map((b) => b[0]), bounds.map((b) => b[1])]);
    return starts.map((start, i) => {
      const r = rows.find((x) => Number(x.i) === i + 1);
      return { week: String(start / 1000), statuses: String(r?.statuses ?? 0), logins: String(r?.logins ?? 0), registrations: String(r?.registrations ?? 0) };
    });
  });
}
