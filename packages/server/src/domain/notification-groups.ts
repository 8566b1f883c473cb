// Grouped notifications (Mastodon 4.3's GET /api/v2/notifications), with Mastodon's grouping rule:
// favourites of one status, reblogs of one status, and follows, each form a group while they keep
// arriving. A notification's group key is `<type>-<status id>-<hour>` (`follow-<hour>` for follows),
// where <hour> is the hour the group began: a new notification joins a group of the same kind that
// began less than 12 hours ago (Mastodon keeps that hour in Redis; here it is found in the table, the
// 12 candidate keys probed through an index). Other types, and filtered notifications, have no key
// and stand alone as `ungrouped-<id>`.
//
// A page holds the newest notification of each of the first `limit` groups, newest first (a
// recursive query that skips groups it has already seen, as Mastodon's does); each group then
// reports its size, its most recent actors and its place in the page (aggregates()).
import type { AppContext } from '../context.js';
import type { Queryable } from '../db/index.js';
import { notFound } from '../errors.js';
import { NOTIFICATION_COLUMNS, notificationConditions, notificationAllowed, notificationsReadUpTo, type NotificationFilters, type NotificationRow } from './notifications.js';
import type { PageParams } from './pagination.js';

export const GROUPABLE_TYPES = ['favourite', 'reblog', 'follow'] as const;
const HOUR_MS = 3_600_000;
const MAXIMUM_GROUP_SPAN_HOURS = 12;
/** How many of a group's most recent actors it names (Mastodon's SAMPLE_ACCOUNTS_SIZE). */
export const SAMPLE_ACCOUNTS = 8;
/** The longest group key there is (`favourite-<19 digits>-<hour>`); anything longer names no group. */
const MAX_GROUP_KEY = 60;

/** The keys a new notification may join, newest first; null for a type that is not grouped. */
export function groupKeyCandidates(type: string, statusId: string | null, now: number): string[] | null {
  if (!(GROUPABLE_TYPES as readonly string[]).includes(type)) return null;
  const prefix = type === 'follow' ? 'follow' : `${type}-${statusId}`;
  const hour = Math.floor(now / HOUR_MS);
  return Array.from({ length: MAXIMUM_GROUP_SPAN_HOURS }, (_, i) => `${prefix}-${hour - i}`);
}

/** `grouped_types[]`: only Mastodon's groupable types count; absent or empty means all of them. */
export function groupedTypesParam(value: unknown): string[] {
  const given = value === undefined ? [] : (Array.isArray(value) ? value : [value]).map(String);
  const known = given.filter((t) => (GROUPABLE_TYPES as readonly string[]).includes(t));
  return given.length && known.length ? known : given.length ? [] : [...GROUPABLE_TYPES];
}

/** The key a notification is listed under, given the types the client groups ($n). */
const listedKey = (types: string) => `coalesce(case when n.type = any(${types}::text[]) then n.group_key end, 'ungrouped-' || n.id)`;

export type GroupRow = NotificationRow & { key: string };

/**
 * The first `limit` groups of the recipient's notifications in the page, each by its newest
 * notification in the page, newest first (oldest first from min_id, then reversed, as Mastodon does).
 */
export async function listNotificationGroups(db: Queryable, accountId: string, page: PageParams, filters: NotificationFilters, groupedTypes: string[]): Promise<GroupRow[]> {
  const params: unknown[] = [accountId];
  const conditions = notificationConditions(params, filters);
  if (page.maxId) { params.push(page.maxId); conditions.push(`n.id < $${params.length}`); }
  if (page.sinceId) { params.push(page.sinceId); conditions.push(`n.id > $${params.length}`); }
  if (page.minId) { params.push(page.minId); conditions.push(`n.id > $${params.length}`); }
  params.push(groupedTypes);
  const key = listedKey(`$${params.length}`);
  params.push(page.limit);
  const limit = `$${params.length}`;
  const ascending = Boolean(page.minId);
  const [order, next] = ascending ? ['asc', '>'] : ['desc', '<'];
  const where = conditions.join(' and ');
  const rows = await db.query<GroupRow>(
    `with recursive grouped(id, groups) as (
       (select n.id, array[${key}] from notifications n where ${where} order by n.id ${order} limit 1)
       union all
       (select n.id, wt.groups || ${key}
        from (select g.id, g.groups from grouped g where cardinality(g.groups) < ${limit}) wt
        cross join lateral (
          select n.id, n.type, n.group_key from notifications n
          where ${where} and n.id ${next} wt.id and not (${key} = any(wt.groups))
          order by n.id ${order} limit 1) n))
     select ${NOTIFICATION_COLUMNS}, ${key} as key from grouped g join notifications n on n.id = g.id order by n.id ${order}`, params);
  return ascending ? rows.reverse() : rows;
}

export interface GroupData {
  mostRecentId: string; sampleAccountIds: string[]; count: number;
  /** Within a page: its oldest notification in the page, and when its newest arrived. */
  pageMinId?: string; latestAt?: Date;
}

/** Bounds of the page the aggregates describe: notifications of a group at or below `end` count, `begin` bounds page_min_id. */
export interface PageRange { begin: string | null; end: string | null }

/**
 * Size, newest notification and most recent actors of each grouped key (not `ungrouped-`), counting
 * what the recipient would be shown (not filtered, not from someone they block or mute), at or below
 * the page's top when a range is given.
 */
export async function aggregates(db: Queryable, accountId: string, keys: string[], range?: PageRange): Promise<Map<string, GroupData>> {
  const grouped = [...new Set(keys.filter((k) => !k.startsWith('ungrouped-')))];
  if (grouped.length === 0) return new Map();
  const member = `n.account_id = $1 and n.group_key = g.key and not n.filtered and ${notificationAllowed('$1', 'n.from_account_id', 'n.type')}`;
  const upTo = range ? `${member} and ($3::bigint is null or n.id <= $3)` : member;
  const rows = await db.query<{ key: string; most_recent_id: string | null; sample_ids: string[]; count: string; page_min_id: string | null; latest_at: Date | null }>(
    `select g.key,
       (select n.id from notifications n where ${upTo} order by n.id desc limit 1) as most_recent_id,
       array(select n.from_account_id::text from notifications n where ${upTo} order by n.id desc limit ${SAMPLE_ACCOUNTS}) as sample_ids,
       (select count(*) from notifications n where ${upTo}) as count
       ${range ? `, (select n.id from notifications n where ${member} and ($4::bigint is null or n.id >= $4) order by n.id asc limit 1) as page_min_id,
       (select n.created_at from notifications n where ${upTo} order by n.id desc limit 1) as latest_at` : ''}
     from unnest($2::text[]) g(key)`, range ? [accountId, grouped, range.end, range.begin] : [accountId, grouped]);
  const out = new Map<string, GroupData>();
  for (const r of rows) {
    if (!r.most_recent_id) continue;
    out.set(r.key, {
      mostRecentId: r.most_recent_id, sampleAccountIds: [...new Set(r.sample_ids)], count: Number(r.count),
      ...(range ? { pageMinId: r.page_min_id ?? r.most_recent_id, latestAt: r.latest_at ?? undefined } : {}),
    });
  }
  return out;
}

/** `ungrouped-<id>` names one notification; anything else is a group key (or nothing). */
function byKey(params: unknown[], key: string): string {
  const single = /^ungrouped-(\d{1,19})$/.exec(key);
  params.push(single ? single[1] : key);
  return single ? `n.id = $${params.length}` : `n.group_key = $${params.length}`;
}

const isKey = (key: string) => key.length <= MAX_GROUP_KEY && /^[a-z_.]+-[\d-]+$/.test(key);

/** The newest notification of a group the recipient may see; 404 for a group they have none of. */
export async function getNotificationGroup(db: Queryable, accountId: string, key: string): Promise<GroupRow> {
  if (!isKey(key)) throw notFound();
  const params: unknown[] = [accountId];
  const conditions = [...notificationConditions(params, {}), byKey(params, key)];
  const [row] = await db.query<NotificationRow>(`select ${NOTIFICATION_COLUMNS} from notifications n where ${conditions.join(' and ')} order by n.id desc limit 1`, params);
  if (!row) throw notFound();
  return { ...row, key: row.group_key ?? `ungrouped-${row.id}` };
}

/** The accounts behind a group's notifications, newest first, paginated by notification id. */
export async function groupAccounts(db: Queryable, accountId: string, key: string, page: PageParams): Promise<Array<{ cursor: string; accountId: string }>> {
  if (!isKey(key)) throw notFound();
  const params: unknown[] = [accountId];
  const conditions = [...notificationConditions(params, {}), byKey(params, key)];
  if (page.maxId) { params.push(page.maxId); conditions.push(`n.id < $${params.length}`); }
  if (page.sinceId) { params.push(page.sinceId); conditions.push(`n.id > $${params.length}`); }
  if (page.minId) { params.push(page.minId); conditions.push(`n.id > $${params.length}`); }
  params.push(page.limit);
  const ascending = Boolean(page.minId);
  const rows = await db.query<{ id: string; from_account_id: string }>(
    `select n.id, n.from_account_id from notifications n where ${conditions.join(' and ')} order by n.id ${ascending ? 'asc' : 'desc'} limit $${params.length}`, params);
  const ordered = ascending ? rows.reverse() : rows;
  return ordered.map((r) => ({ cursor: r.id, accountId: r.from_account_id }));
}

/** Dismisses every notification of a group; dismissing one that is gone changes nothing (as on Mastodon). */
export async function dismissNotificationGroup(ctx: AppContext, accountId: string, key: string): Promise<void> {
  if (!isKey(key)) return;
  const params: unknown[] = [accountId];
  const condition = byKey(params, key);
  await ctx.db.transaction((tx) => tx.query(`delete from notifications n where n.account_id = $1 and ${condition}`, params));
}

/** How many groups hold notifications newer than the notifications marker, up to `limit`. */
export async function unreadGroupCount(db: Queryable, accountId: string, limit: number, filters: NotificationFilters, groupedTypes: string[]): Promise<number> {
  const params: unknown[] = [accountId];
  const conditions = notificationConditions(params, filters);
  params.push(groupedTypes);
  const key = listedKey(`$${params.length}`);
  params.push(limit);
  const [row] = await db.query<{ n: string }>(
    `select count(*) as n from (
       select ${key} from notifications n where ${conditions.join(' and ')} and n.id > ${notificationsReadUpTo('$1')}
       group by 1 limit $${params.length}) unread`, params);
  return Number(row?.n ?? 0);
}
