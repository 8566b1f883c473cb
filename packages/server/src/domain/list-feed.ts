// List feeds: fan-out on write, as home feeds (home-feed.ts explains the scheme, BENCHMARKS.md the
// measurements). Reading a list by fan-in costs an index descent per member: a few milliseconds for
// ten members, a hundred for a thousand; a feed read costs what a home feed read does, whatever the
// list's size. So a list that is read gets a feed: list_feed holds (list, status) for every status by
// a member with an id at or above lists.feed_floor. Like a home feed it is an index, not the
// definition: reads apply listConditions() to each row (membership, what the owner may see, mutes,
// blocks, hidden reblogs, the replies policy), so changes to any of those are seen at once.
// - a new status or reblog is inserted for each list holding its author whose feed exists when the
//   feed outbox is drained (listFanOutSql, feed-outbox.ts); until then reads take the outbox's rows
//   as feed rows;
// - a feed is built on first read (buildListFeed): its members' newest LIST_FEED_CAP statuses, the
//   floor at the oldest of them (0 when there are fewer); until then the list is read by fan-in;
// - adding members copies their statuses above the floor (copyIntoListFeed); removed members' rows
//   stay until trimmed, and reads skip them;
// - trimListFeeds() cuts each feed back to LIST_FEED_CAP rows with the home feeds' trim;
// - pages below the floor are read by fan-in.
// Fills and drains exclude each other, as for home feeds (holdOffFanOut).
import type { Db, Queryable } from '../db/index.js';
import { holdOffFanOut, trimFeeds, type FeedTable } from './home-feed.js';

export const LIST_FEED_CAP = 800;

/** Inserts the statuses of `source` (a relation with columns id, account_id) into the feeds of the lists holding their authors. */
export function listFanOutSql(source: string): string {
  return `insert into list_feed (list_id, status_id)
    select la.list_id, src.id from ${source} src join list_accounts la on la.account_id = src.account_id
    where exists (select 1 from lists l where l.id = la.list_id and l.feed_floor is not null)
    on conflict do nothing`;
}

/** The newest LIST_FEED_CAP statuses of the list's members, into its feed. */
export function buildListFeed(db: Db, listId: string): Promise<void> {
  return db.transaction(async (tx) => {
    await holdOffFanOut(tx);
    await tx.query(
    `with newest as (
       select newest.id from list_accounts la cross join lateral (
         select s.id from statuses s where s.account_id = la.account_id order by s.id desc limit $2) newest
       where la.list_id = $1
       order by newest.id desc limit $2),
     inserted as (insert into list_feed (list_id, status_id) select $1, id from newest on conflict do nothing)
     update lists set feed_floor = case when (select count(*) from newest) >= $2 then (select min(id) from newest) else 0 end
     where id = $1 and feed_floor is null`, [listId, LIST_FEED_CAP]);
  });
}

/** After members are added: their statuses above the list's floor join its feed. */
export async function copyIntoListFeed(tx: Queryable, listId: string, memberIds: string[]): Promise<void> {
  await holdOffFanOut(tx);
  await tx.query(
    `with list as (select feed_floor as floor from lists where id = $1 and feed_floor is not null),
     newest as (
       select newest.id from unnest($2::bigint[]) m(id) cross join list cross join lateral (
         select s.id from statuses s where s.account_id = m.id and s.id >= list.floor order by s.id desc limit $3) newest
       order by newest.id desc limit $3),
     inserted as (insert into list_feed (list_id, status_id) select $1, id from newest on conflict do nothing)
     update lists set feed_floor = (select min(id) from newest)
     where id = $1 and (select count(*) from newest) >= $3`, [listId, memberIds, LIST_FEED_CAP]);
}

/** Cuts every list feed back to `cap` rows, raising floors to match (with the home feeds' trim). */
export const LIST_FEED: FeedTable = { feed: 'list_feed', owner: 'list_id', owners: 'lists', floor: 'feed_floor' };

export const trimListFeeds = (db: Queryable, cap = LIST_FEED_CAP) => trimFeeds(db, LIST_FEED, cap);
