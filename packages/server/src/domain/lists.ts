// Lists: an account's own selections of the accounts it follows, each with a timeline.
//
// Members are accounts the owner follows or asked to follow, or the owner (as on Mastodon); an
// unfollow, a withdrawn or rejected request, or a block takes the account out of the owner's lists.
// A list's timeline shows its members' posts and reblogs with the home timeline's rules (what the
// owner may see, mutes, blocks, hidden reblogs) plus the list's replies policy: replies to the owner
// and threads of one's own always; replies to anyone the owner follows (`followed`), to members
// (`list`), or to no one else (`none`). Members of an `exclusive` list leave the home timeline.
//
// A list's timeline is read from its feed, kept on write as home feeds are (list-feed.ts), and by
// fan-in over its members below the feed's floor or until the feed is built (listTimeline).
// BENCHMARKS.md has the measurements behind that.
import type { AppContext } from '../context.js';
import { probe, type Db, type Queryable } from '../db/index.js';
import { notFound, unprocessable } from '../errors.js';
import { idempotentWrite } from './idempotency.js';
import { requiredText } from './text.js';
import { buildListFeed, copyIntoListFeed, LIST_FEED } from './list-feed.js';
import { feedPageSql } from './feed-outbox.js';
import { reachesBelowFloor, wholeFeedPage, type TimelinePage } from './feed-page.js';
import type { HydrationCaches } from './hydration.js';
import { keyset, keysetPage, type PageParams } from './pagination.js';
import { STATUS_COLUMNS, type StatusRow } from './statuses.js';
import { sha256 } from './tokens.js';
import { activeMute, notMutedBy, reblogNotMutedBy, reblogShownBy, visibleTo } from './visibility.js';

/** Mastodon's limits (List::PER_ACCOUNT_LIMIT, the title's length); the member limit is Firebreak's. */
export const MAX_LISTS = 50;
export const MAX_TITLE = 30;
export const MAX_MEMBERS = 5000;
export const REPLIES_POLICIES = ['followed', 'list', 'none'] as const;
export type RepliesPolicy = (typeof REPLIES_POLICIES)[number];

export interface ListRow { id: string; account_id: string; title: string; replies_policy: RepliesPolicy; exclusive: boolean }

const LIST_COLUMNS = 'l.id, l.account_id, l.title, l.replies_policy, l.exclusive';

export interface ListInput { title?: string; repliesPolicy?: RepliesPolicy; exclusive?: boolean }

const validTitle = (title: string | undefined) => (title === undefined ? undefined : requiredText('Title', title, MAX_TITLE));

export function listsOf(db: Queryable, accountId: string): Promise<ListRow[]> {
  return db.query<ListRow>(`select ${LIST_COLUMNS} from lists l where l.account_id = $1 order by l.id`, [accountId]);
}

/** One of the account's lists; 404 for anyone else's, as on Mastodon. */
export async function getList(db: Queryable, accountId: string, id: string): Promise<ListRow> {
  const [row] = await db.query<ListRow>(`select ${LIST_COLUMNS} from lists l where l.id = $1 and l.account_id = $2`, [id, accountId]);
  if (!row) throw notFound();
  return row;
}

/** A new list; a retry with the same Idempotency-Key gets the list it made, never a second one. */
export async function createList(ctx: AppContext, accountId: string, input: ListInput, key: string | null): Promise<ListRow> {
  const title = validTitle(input.title ?? '');
  const { response } = await idempotentWrite(ctx, accountId, key, 'POST /api/v1/lists', async (tx) => {
    // The owner's row, locked: two concurrent creations cannot both pass the count.
    await tx.query('select 1 from accounts where id = $1 for update', [accountId]);
    const [count] = await tx.query<{ n: string }>('select count(*) as n from lists where account_id = $1', [accountId]);
    if (Number(count?.n ?? 0) >= MAX_LISTS) throw unprocessable('Validation failed: You have reached the maximum number of lists');
    const [row] = await tx.query<ListRow>(
      `insert into lists as l (account_id, title, replies_policy, exclusive) values ($1, $2, $3, $4) returning ${LIST_COLUMNS}`,
      [accountId, title, input.repliesPolicy ?? 'list', input.exclusive ?? false]);
    return row!;
  });
  return response;
}

/** Changes what is given; the same change again changes nothing (idempotent by nature). */
export async function updateList(db: Queryable, accountId: string, id: string, input: ListInput): Promise<ListRow> {
  const title = validTitle(input.title);
  const [row] = await db.query<ListRow>(
    `update lists l set title = coalesce($3, l.title), replies_policy = coalesce($4, l.replies_policy), exclusive = coalesce($5, l.exclusive)
     where l.id = $1 and l.account_id = $2 returning ${LIST_COLUMNS}`, [id, accountId, title ?? null, input.repliesPolicy ?? null, input.exclusive ?? null]);
  if (!row) throw notFound();
  return row;
}

/** Deletes a list and its members; a retry with the same Idempotency-Key succeeds again instead of 404. */
export async function deleteList(ctx: AppContext, accountId: string, id: string, key: string | null): Promise<void> {
  await idempotentWrite(ctx, accountId, key, `DELETE /api/v1/lists/${id}`, async (tx) => {
    const deleted = await tx.query('delete from lists where id = $1 and account_id = $2 returning id', [id, accountId]);
    if (deleted.length === 0) throw notFound();
    return {};
  });
}

/** Members in the order they were added (newest first), paginated by that order; `page` null: all of them. */
export async function listMembers(db: Queryable, list: ListRow, page: PageParams | null): Promise<Array<{ cursor: string; accountId: string }>> {
  const rows = page
    ? await keysetPage<{ cursor: string; account_id: string }>(db, page, 'la.id', [list.id], (k) =>
      `select la.id as cursor, la.account_id from list_accounts la where la.list_id = $1 and ${k.where} order by ${k.order} limit ${k.limit}`)
    : await db.query<{ cursor: string; account_id: string }>('select la.id as cursor, la.account_id from list_accounts la where la.list_id = $1 order by la.id desc limit $2', [list.id, MAX_MEMBERS]);
  return rows.map((r) => ({ cursor: r.cursor, accountId: r.account_id }));
}

/**
 * Adds accounts to one of the owner's lists, all or none: an account that does not exist, or that
 * the owner neither follows nor asked to follow, is 404 (as on Mastodon); one already in the list is
 * 422; past MAX_MEMBERS, 422. A retry with the same Idempotency-Key succeeds as the first call did.
 */
export async function addMembers(ctx: AppContext, ownerId: string, listId: string, accountIds: string[], key: string | null): Promise<void> {
  const ids = [...new Set(accountIds)];
  await idempotentWrite(ctx, ownerId, key, `POST /api/v1/lists/${listId}/accounts ${sha256(ids.join(','))}`, async (tx) => {
    // The list's row, locked: concurrent additions are counted one after the other.
    const [list] = await tx.query<{ members: string }>(
      'select (select count(*) from list_accounts where list_id = l.id) as members from lists l where l.id = $1 and l.account_id = $2 for update', [listId, ownerId]);
    if (!list) throw notFound();
    if (ids.length === 0) return {};
    const allowed = await tx.query<{ id: string; member: boolean }>(
      `select a.id, exists (select 1 from list_accounts la where la.list_id = $1 and la.account_id = a.id) as member
       from accounts a where a.id = any($3::bigint[])
         and (a.id = $2 or exists (select 1 from follows f where f.account_id = $2 and f.target_account_id = a.id)
           or exists (select 1 from follow_requests fr where fr.account_id = $2 and fr.target_account_id = a.id))`, [listId, ownerId, ids]);
    if (allowed.length < ids.length) throw notFound();
    if (allowed.some((a) => a.member)) throw unprocessable('Validation failed: Account has already been taken');
    if (Number(list.members) + ids.length > MAX_MEMBERS) throw unprocessable(`Validation failed: A list holds at most ${MAX_MEMBERS} accounts`);
    await tx.query('insert into list_accounts (list_id, account_id) select $1, unnest($2::bigint[])', [listId, ids]);
    await copyIntoListFeed(tx, listId, ids);
    return {};
  });
}

/** Removes accounts from one of the owner's lists; removing one that is not there changes nothing. */
export async function removeMembers(db: Db, ownerId: string, listId: string, accountIds: string[]): Promise<void> {
  await db.transaction(async (tx) => {
    await getList(tx, ownerId, listId);
    await tx.query('delete from list_accounts where list_id = $1 and account_id = any($2::bigint[])', [listId, accountIds]);
  });
}

/** The owner's lists that hold `targetId` (GET /api/v1/accounts/:id/lists). */
export function listsWithMember(db: Queryable, ownerId: string, targetId: string): Promise<ListRow[]> {
  return db.query<ListRow>(
    `select ${LIST_COLUMNS} from lists l join list_accounts la on la.list_id = l.id where l.account_id = $1 and la.account_id = $2 order by l.id`, [ownerId, targetId]);
}

/** After an unfollow, a withdrawn or rejected request, or a block: the target leaves the owner's lists unless still followed or requested. */
export async function leaveListsIfUnfollowed(tx: Queryable, ownerId: string, targetId: string): Promise<void> {
  await tx.query(
    `delete from list_accounts la using lists l where l.id = la.list_id and l.account_id = $1 and la.account_id = $2 and la.account_id <> $1
       and not exists (select 1 from follows where account_id = $1 and target_account_id = $2)
       and not exists (select 1 from follow_requests where account_id = $1 and target_account_id = $2)`, [ownerId, targetId]);
}

/** A list's replies policy as a predicate over `s` ($list: the list's id, $owner: its owner's). */
function repliesShown(owner: string, list: string): string {
  return `(s.in_reply_to_account_id is null or s.in_reply_to_account_id = s.account_id or s.in_reply_to_account_id = ${owner}
    or exists (select 1 from lists rl where rl.id = ${list} and (
      (rl.replies_policy = 'followed' and ${probe(`select 1 from follows rf where rf.account_id = ${owner} and rf.target_account_id = s.in_reply_to_account_id`)})
      or (rl.replies_policy = 'list' and ${probe(`select 1 from list_accounts rm where rm.list_id = ${list} and rm.account_id = s.in_reply_to_account_id`)}))))`;
}

/** What a list's timeline holds, besides membership, as predicates over `s`; the streaming API applies the same ones. */
function listRules(owner: string, list: string): string[] {
  return [
    visibleTo(owner),
    reblogShownBy(owner),
    notMutedBy(owner),
    reblogNotMutedBy(owner),
    repliesShown(owner, list),
  ];
}

/** A list's timeline predicates, membership included ($owner, $list as SQL expressions). */
export function listConditions(owner: string, list: string): string[] {
  return [`exists (select 1 from list_accounts lm where lm.list_id = ${list} and lm.account_id = s.account_id)`, ...listRules(owner, list)];
}

/** The replies policy of a list read by its owner ($1), its id $2, over `s` (the policy is known, so only its probe is written). */
function repliesFor(policy: RepliesPolicy): string {
  const always = 's.in_reply_to_account_id is null or s.in_reply_to_account_id = s.account_id or s.in_reply_to_account_id = $1';
  if (policy === 'followed') return `(${always} or exists (select 1 from follows rf where rf.account_id = $1 and rf.target_account_id = s.in_reply_to_account_id))`;
  if (policy === 'list') return `(${always} or exists (select 1 from list_accounts rm where rm.list_id = $2 and rm.account_id = s.in_reply_to_account_id))`;
  return `(${always})`;
}

/**
 * Fan-in, as the home timeline below its feed's floor (timelines.ts): for each member, its newest
 * matching statuses from the (account_id, id desc) index, then the newest `limit` of those. What
 * depends on the member alone is decided once per member, up front: members the owner mutes or
 * blocks, or who block the owner, are dropped, and whether the owner follows them (their followers-only
 * posts) and wants their reblogs is read with them. The predicates are listConditions() (which the
 * streaming API applies) with those facts substituted; hydration checks visibility again.
 */
export async function fanInListTimeline(db: Queryable, list: ListRow, p: PageParams): Promise<StatusRow[]> {
  const params: unknown[] = [list.account_id, list.id];
  const k = keyset(p, 's.id', params);
  const direction = k.ascending ? 'asc' : 'desc';
  const rows = await db.query<StatusRow>(
    `with members as (
       select la.account_id, f.id is not null as following, coalesce(f.show_reblogs, true) as show_reblogs
       from list_accounts la left join follows f on f.account_id = $1 and f.target_account_id = la.account_id
       where la.list_id = $2
         and not exists (select 1 from mutes mu where mu.account_id = $1 and mu.target_account_id = la.account_id and ${activeMute('mu')})
         and not exists (select 1 from blocks b where (b.account_id = $1 and b.target_account_id = la.account_id) or (b.account_id = la.account_id and b.target_account_id = $1)))
     select ${STATUS_COLUMNS} from statuses s where s.id in (
       select newest.id from members cross join lateral (
         select s.id from statuses s
         where s.account_id = members.account_id and ${k.where}
           and (s.visibility in ('public', 'unlisted') or s.account_id = $1 or (s.visibility = 'private' and members.following)
             or exists (select 1 from mentions m where m.status_id = s.id and m.account_id = $1))
           and (s.reblog_of_id is null or members.show_reblogs) and ${reblogNotMutedBy('$1')} and ${repliesFor(list.replies_policy)}
         order by ${k.order} limit ${k.limit}) newest
       order by newest.id ${direction} limit ${k.limit})
     order by ${k.order}`, params);
  return k.ascending ? rows.reverse() : rows;
}

/**
 * Home leaves out the posts of members of the viewer's exclusive lists (their own posts excepted).
 * Whether the viewer has an exclusive list at all is asked first, once per statement (it names no
 * status, so PostgreSQL runs it as an InitPlan, and an OR's arms run in order): most viewers have
 * none, and their pages skip the per-status look-up (3 buffer hits a status, BENCHMARKS.md).
 */
export function notInExclusiveList(viewer: string): string {
  return `(s.account_id = ${viewer}
    or not exists (select 1 from lists xe where xe.account_id = ${viewer} and xe.exclusive)
    or not exists (select 1 from lists xl join list_accounts xa on xa.list_id = xl.id and xa.account_id = s.account_id where xl.account_id = ${viewer} and xl.exclusive))`;
}

/**
 * A list's timeline: from its feed where it reaches, by fan-in below its floor or while it does not
 * exist yet (the first read starts building it, in the background), as the home timeline is read. A
 * page the feed holds whole is found and hydrated in one statement (feed-page.ts).
 */
export async function listTimeline(ctx: Pick<AppContext, 'db' | 'homeFeedsBuilding'> & HydrationCaches, list: ListRow, p: PageParams): Promise<TimelinePage> {
  const query = { feed: LIST_FEED, alias: 'l', owner: '$2', viewer: '$1', conditions: listConditions('$1', '$2'), params: [list.account_id, list.id] };
  return (await wholeFeedPage(ctx, list.account_id, query, p, 'home')) ?? { rows: await listTimelineRows(ctx, list, p), batch: null };
}

/** A list timeline's rows, read apart from their hydration: from the feed, by fan-in where it does not reach. */
export async function listTimelineRows(ctx: Pick<AppContext, 'db' | 'homeFeedsBuilding'>, list: ListRow, p: PageParams): Promise<StatusRow[]> {
  const { db, homeFeedsBuilding: building } = ctx;
  const params: unknown[] = [list.account_id, list.id];
  const page = feedPageSql(LIST_FEED, 'l', STATUS_COLUMNS, listConditions('$1', '$2'), p, params);
  const rows = await db.query<StatusRow & { feed_floor: string | null }>(
    `select l.feed_floor, page.* from lists l left join lateral (${page.sql}) page on true where l.id = $2`, params);
  const floor = rows[0]?.feed_floor ?? null;
  if (floor === null) {
    const key = `list:${list.id}`;
    if (!building.has(key)) {
      building.add(key);
      // Not awaited: this read is answered by fan-in; a failure only means the next read tries again.
      buildListFeed(db, list.id).catch(() => {}).finally(() => building.delete(key));
    }
    return fanInListTimeline(db, list, p);
  }
  const feed: StatusRow[] = rows[0]!.id === null ? [] : rows;
  if (page.ascending) return BigInt(p.minId!) >= BigInt(floor) ? feed.reverse() : fanInListTimeline(db, list, p);
  if (feed.length === p.limit || !reachesBelowFloor(p, floor)) return feed;
  const below = await fanInListTimeline(db, list, { ...p, maxId: p.maxId === undefined || BigInt(floor) < BigInt(p.maxId) ? floor : p.maxId, limit: p.limit - feed.length });
  return [...feed, ...below];
}
