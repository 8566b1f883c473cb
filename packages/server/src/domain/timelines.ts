// Timelines as keyset-paginated queries. Home is read from a per-viewer feed filled on write (fan-out),
// with fan-in over the follow graph below the feed's floor; see BENCHMARKS.md for the measurements.
import type { AppContext } from '../context.js';
import { opaque, probe, type Queryable } from '../db/index.js';
import { keyset, keysetPage, type PageParams } from './pagination.js';
import { STATUS_COLUMNS, type StatusRow } from './statuses.js';
import { buildHomeFeed, HOME_FEED } from './home-feed.js';
import { feedPageSql } from './feed-outbox.js';
import { notInExclusiveList } from './lists.js';
import { reachesBelowFloor, wholeFeedPage, type TimelinePage } from './feed-page.js';
import { findAndHydrate, PAGE_STATUS_COLUMNS, type HydrationCaches } from './hydration.js';
import { activeMute, authorInGoodStanding, authorNotSuspended, notMutedBy, reblogNotMutedBy, reblogShownBy, visibleTo } from './visibility.js';

function page(db: Queryable, from: string, conditions: string[], params: unknown[], p: PageParams, column = 's.id'): Promise<StatusRow[]> {
  return keysetPage<StatusRow & { cursor?: string }>(db, p, column, params, (k) =>
    `select ${STATUS_COLUMNS}${column === 's.id' ? '' : `, ${column} as cursor`} from ${from}
     where ${[...conditions, k.where].join(' and ')} order by ${k.order} limit ${k.limit}`);
}

/** What a viewer's home timeline holds, as predicates over `s`; the streaming API applies the same ones. */
export function homeConditions(v: string): string[] {
  return [
    // An OR of per-row probes rather than `in (select ...)`, which the planner turns into a hash join
    // that reads a whole home feed before sorting it; this way a feed is read newest first until the page is full.
    `(s.account_id = ${v} or ${probe(`select 1 from follows fm where fm.account_id = ${v} and fm.target_account_id = s.account_id`)}
      or (s.visibility = 'public' and s.reblog_of_id is null
        and ${probe(`select 1 from status_tags ft join tag_follows tf on tf.tag_id = ft.tag_id where ft.status_id = s.id and tf.account_id = ${v}`)}))`,
    `(s.visibility <> 'direct' or s.account_id = ${v} or ${probe(`select 1 from mentions m where m.status_id = s.id and m.account_id = ${v}`)})`,
    reblogShownBy(v),
    notMutedBy(v),
    reblogNotMutedBy(v),
    `not exists (select 1 from blocks b where b.account_id = ${v} and b.target_account_id = s.account_id)`,
    // Hydration hides them too (visibleTo); left in, they would leave holes in full pages.
    `not exists (select 1 from blocks bb where bb.account_id = s.account_id and bb.target_account_id = ${v})`,
    notInExclusiveList(v),
    authorNotSuspended(),
  ];
}

/** Statuses with media attachments (the `:media` streams, `only_media`). */
export const withMedia = (alias = 's') => `${alias}.media_ids <> '{}'`;

/** The public timeline's predicates. */
export function publicConditions(v: string): string[] {
  // All accounts are local, so local=true and remote=false select the same statuses.
  return [`s.visibility = 'public'`, `s.reblog_of_id is null`, visibleTo(v), notMutedBy(v), authorInGoodStanding()];
}

/**
 * Fan-in: for each followed account (and oneself) take its newest matching statuses from the
 * (account_id, id desc) index, and for each followed hashtag its newest public posts, then keep the
 * newest `limit` of those. Each account contributes at most
 * `limit` rows and the filters read only indexed columns, so the cost grows with the number of
 * follows, not with how far back their statuses go. Mutes, blocks and exclusive lists drop whole accounts up front.
 * Matches homeConditions() (the streaming filter). Used where the home feed (below) does not reach.
 */
export async function fanInHomeTimeline(db: Queryable, viewerId: string, p: PageParams): Promise<StatusRow[]> {
  const params: unknown[] = [viewerId];
  const k = keyset(p, 's.id', params);
  // Posts with a followed hashtag, read from the hashtag's (tag_id, status_id) index.
  const tk = keyset(p, 'st.status_id', params);
  const direction = k.ascending ? 'asc' : 'desc';
  const rows = await db.query<StatusRow>(
    `with sources as (
       select f.target_account_id as account_id, f.show_reblogs from follows f
       where f.account_id = $1
         and not exists (select 1 from mutes mu where mu.account_id = $1 and mu.target_account_id = f.target_account_id and ${activeMute('mu')})
         and not exists (select 1 from blocks b where b.account_id = $1 and b.target_account_id = f.target_account_id)
         and not exists (select 1 from blocks bb where bb.account_id = f.target_account_id and bb.target_account_id = $1)
         and not exists (select 1 from lists xl join list_accounts xa on xa.list_id = xl.id and xa.account_id = f.target_account_id where xl.account_id = $1 and xl.exclusive)
         and not exists (select 1 from accounts sa where sa.id = f.target_account_id and sa.suspended_at is not null)
       union all select $1::bigint, true)
     select ${STATUS_COLUMNS} from statuses s where s.id in (
       select candidates.id from (
         select newest.id from sources cross join lateral (
           select s.id from statuses s
           where s.account_id = sources.account_id and ${k.where}
             and (s.visibility <> 'direct' or s.account_id = $1 or exists (select 1 from mentions m where m.status_id = s.id and m.account_id = $1))
             and (s.reblog_of_id is null or sources.show_reblogs) and ${reblogNotMutedBy('$1')}
           order by ${k.order} limit ${k.limit}) newest
         union
         select tagged.id from tag_follows tf cross join lateral (
           select s.id from status_tags st join statuses s on s.id = st.status_id
           where st.tag_id = tf.tag_id and ${tk.where} and s.visibility = 'public' and s.reblog_of_id is null and ${homeConditions('$1').join(' and ')}
           order by ${tk.order} limit ${tk.limit}) tagged
         where tf.account_id = $1) candidates
       order by candidates.id ${direction} limit ${k.limit})
     order by ${k.order}`, params);
  return k.ascending ? rows.reverse() : rows;
}

/**
 * The home timeline: from the viewer's feed where it reaches, by fan-in below its floor or while it
 * does not exist yet (the first read starts building it, in the background). A page the feed holds
 * whole, the usual case, is found and hydrated in one statement (feed-page.ts).
 */
export async function homeTimeline(ctx: Pick<AppContext, 'db' | 'homeFeedsBuilding'> & HydrationCaches, viewerId: string, p: PageParams): Promise<TimelinePage> {
  const query = { feed: HOME_FEED, alias: 'a', owner: '$1', viewer: '$1', conditions: homeConditions('$1'), params: [viewerId] };
  return (await wholeFeedPage(ctx, viewerId, query, p, 'home')) ?? { rows: await homeTimelineRows(ctx, viewerId, p), batch: null };
}

/** The home timeline's rows, read apart from their hydration: from the feed, by fan-in where it does not reach. */
export async function homeTimelineRows(ctx: Pick<AppContext, 'db' | 'homeFeedsBuilding'>, viewerId: string, p: PageParams): Promise<StatusRow[]> {
  const { db, homeFeedsBuilding: building } = ctx;
  const params: unknown[] = [viewerId];
  const page = feedPageSql(HOME_FEED, 'a', STATUS_COLUMNS, homeConditions('$1'), p, params);
  const rows = await db.query<StatusRow & { feed_floor: string | null }>(
    `select a.home_feed_floor as feed_floor, page.* from accounts a left join lateral (${page.sql}) page on true where a.id = $1`, params);
  const floor = rows[0]?.feed_floor ?? null;
  if (floor === null) {
    if (!building.has(viewerId)) {
      building.add(viewerId);
      // Not awaited: this read is answered by fan-in; a failure only means the next read tries again.
      buildHomeFeed(db, viewerId).catch(() => {}).finally(() => building.delete(viewerId));
    }
    return fanInHomeTimeline(db, viewerId, p);
  }
  // The rows keep their feed_floor column: copying 20 rows without it cost more than the query's parsing.
  const feed: StatusRow[] = rows[0]!.id === null ? [] : rows;
  if (page.ascending) {
    // The oldest statuses above min_id: the feed has them only if min_id is at or above its floor.
    return BigInt(p.minId!) >= BigInt(floor) ? feed.reverse() : fanInHomeTimeline(db, viewerId, p);
  }
  if (feed.length === p.limit || !reachesBelowFloor(p, floor)) return feed;
  // The feed ran out above its floor: the rest of the page comes from below it.
  const below = await fanInHomeTimeline(db, viewerId, { ...p, maxId: lowerId(p.maxId, floor), limit: p.limit - feed.length });
  return [...feed, ...below];
}

const lowerId = (a: string | undefined, b: string) => (a === undefined || BigInt(b) < BigInt(a) ? b : a);

export function publicTimeline(db: Queryable, viewerId: string | null, p: PageParams, onlyMedia = false): Promise<StatusRow[]> {
  return page(db, 'statuses s', [...publicConditions('$1'), ...(onlyMedia ? [withMedia()] : [])], [viewerId], p);
}

/** A hashtag timeline's predicates, besides the tag itself. */
export function tagConditions(v: string): string[] {
  return [`s.visibility = 'public'`, visibleTo(v), notMutedBy(v), authorInGoodStanding()];
}

/**
 * Newest first along the hashtag's own (tag_id, status_id) index. Joined to `tags` by name, the page
 * walked every hashtag's uses newest first until 21 matched (16 to 20 ms for a hashtag of the bench's
 * dataset, against 0.15 ms). The hashtag, the viewer and the page's size are out of the planner's
 * sight (db/opaque.ts), so one generic plan serves every hashtag, viewer and size: a custom plan per
 * call (what PostgreSQL kept making while any of them showed) cost 1 to 4 ms of planning.
 */
export function tagTimeline(db: Queryable, viewerId: string | null, tag: string, p: PageParams, onlyMedia = false): Promise<StatusRow[]> {
  const conditions = ['st.tag_id = (select t.id from tags t where lower(t.name) = lower($2))', ...tagConditions(opaque('$1', 'bigint')), ...(onlyMedia ? [withMedia()] : [])];
  return keysetPage<StatusRow>(db, p, 'st.status_id', [viewerId, tag], (k) =>
    `select ${STATUS_COLUMNS} from statuses s join status_tags st on st.status_id = s.id
     where ${[...conditions, k.where].join(' and ')} order by ${k.order} limit ${opaque(k.limit, 'int')}`);
}

export interface AccountStatusFilters { excludeReplies: boolean; excludeReblogs: boolean; pinned: boolean; onlyMedia: boolean; tagged?: string }

/**
 * An account's statuses, found and hydrated by one statement (hydration.ts findAndHydrate). The viewer,
 * the account and the page's size are out of the planner's sight (db/opaque.ts): one generic plan
 * serves every account, anonymous and signed-in viewers and every size.
 */
export async function accountStatuses(ctx: { db: Queryable } & HydrationCaches, viewerId: string | null, accountId: string, filters: AccountStatusFilters, p: PageParams): Promise<TimelinePage> {
  const [viewer, account] = [opaque('$1', 'bigint'), opaque('$2', 'bigint')];
  const conditions = [`s.account_id = ${account}`, visibleTo(viewer)];
  const params: unknown[] = [viewerId, accountId];
  // Replies to oneself (threads) stay, as on Mastodon.
  if (filters.excludeReplies) conditions.push('(s.in_reply_to_id is null or s.in_reply_to_account_id = s.account_id)');
  if (filters.excludeReblogs) conditions.push('s.reblog_of_id is null');
  if (filters.onlyMedia) conditions.push(withMedia());
  if (filters.pinned) conditions.push(`exists (select 1 from status_pins sp where sp.status_id = s.id and sp.account_id = ${account})`);
  if (filters.tagged) {
    params.push(filters.tagged);
    conditions.push(`exists (select 1 from status_tags st join tags t on t.id = st.tag_id where st.status_id = s.id and lower(t.name) = lower($${params.length}))`);
  }
  const k = keyset(p, 's.id', params);
  const found = await findAndHydrate(ctx.db, ctx, viewerId, {
    ctes: '', params, viewer, columns: [],
    rows: `select ${PAGE_STATUS_COLUMNS} from statuses s
      where ${[...conditions, k.where].join(' and ')} order by ${k.order} limit ${opaque(k.limit, 'int')}`,
  }, 'account');
  return found ?? { rows: [], batch: null };
}

/** Favourites and bookmarks paginate by their own row id (the time of the favourite), as Mastodon does. */
export function markedStatuses(db: Queryable, table: 'favourites' | 'bookmarks', viewerId: string, p: PageParams): Promise<Array<StatusRow & { cursor: string }>> {
  return page(db, `${table} x join statuses s on s.id = x.status_id`, ['x.account_id = $1', visibleTo('$1')], [viewerId], p, 'x.id') as Promise<Array<StatusRow & { cursor: string }>>;
}

/** Accounts that favourited or reblogged a status, newest first. */
export async function interactingAccounts(db: Queryable, kind: 'favourited_by' | 'reblogged_by', statusId: string, p: PageParams): Promise<Array<{ cursor: string; accountId: string }>> {
  const params: unknown[] = [statusId];
  const source = kind === 'favourited_by' ? 'favourites x where x.status_id = $1' : 'statuses x where x.reblog_of_id = $1';
  const rows = await keysetPage<{ cursor: string; account_id: string }>(db, p, 'x.id', params, (k) =>
    `select x.id as cursor, x.account_id from ${source} and ${k.where} order by ${k.order} limit ${k.limit}`);
  return rows.map((r) => ({ cursor: r.cursor, accountId: r.account_id }));
}
