// The home feed: fan-out on write.
// Reading a home timeline by fan-in costs an index descent per followed account (BENCHMARKS.md has the
// side-by-side figures), so each account that reads its home timeline gets a feed: home_feed holds
// (viewer, status) for every status by an account the viewer follows, or by the viewer, with ids at
// or above accounts.home_feed_floor. It is an index, not the definition: reads still apply
// homeConditions() to each row, so mutes, blocks, hidden reblogs and direct messages are decided when
// reading, exactly as the fan-in query and the streaming API decide them. The feed, together with the
// feed outbox, only has to hold every candidate above the floor:
// - a new status or reblog is queued in feed_outbox by the statement that creates it; app servers
//   fan the outbox out in batches (feed-outbox.ts, with fanOutSql) to its author, to each follower
//   whose feed exists and, for a public post, to the followers of its hashtags. Until then reads take
//   the outbox's rows as feed rows, so a post is in its followers' home timelines once acknowledged;
// - a feed is built on first use (buildHomeFeed): the newest HOME_FEED_CAP candidates, the floor at
//   the oldest of them (0 when there are fewer: the feed is complete). Until then, and for accounts
//   that never read their home timeline, nothing is fanned out to them (as Mastodon does);
// - a follow copies the target's statuses above the floor (raising the floor if it has too many), and
//   following a hashtag its public posts (copyTagIntoHomeFeed);
//   an unfollow removes them (only to keep the feed small: reads filter them anyway);
// - trimHomeFeeds() cuts each feed back to HOME_FEED_CAP rows and raises the floor to match;
// - pages below the floor are read by fan-in.
// A feed fill (a build or a follow's copy) and a drain of the outbox exclude each other
// (holdOffFanOut): otherwise a status drained while a feed is filled, after the fill read the
// statuses but before its floor or follow committed, would be missed by that feed. Deleted statuses
// leave rows that reads join away.
import type { Db, Queryable } from '../db/index.js';
import { trimListFeeds } from './list-feed.js';

export const HOME_FEED_CAP = 800;

/**
 * Inserts into home feeds the statuses of `source` (a relation with columns id, account_id,
 * visibility, reblog_of_id): for the author's followers and the author, and, given the status's
 * hashtag ids (`tagIds`, an SQL array expression), for the followers of those hashtags when it is public.
 */
export function fanOutSql(source: string, tagIds?: string): string {
  const tagFollowers = tagIds
    ? ` union all select tf.account_id from tag_follows tf where tf.tag_id = any(${tagIds}) and src.visibility = 'public' and src.reblog_of_id is null`
    : '';
  return `insert into home_feed (account_id, status_id)
    select r.account_id, src.id from ${source} src
    cross join lateral (select f.account_id from follows f where f.target_account_id = src.account_id union all select src.account_id${tagFollowers}) r
    where exists (select 1 from accounts a where a.id = r.account_id and a.home_feed_floor is not null)
    on conflict do nothing`;
}

/** The advisory lock a drain of the feed outbox takes alone (feed-outbox.ts) and feed fills share. */
export const FEED_FILL_LOCK = 727276;

/**
 * Waits for a drain of the feed outbox in progress, and keeps the next one out until `tx` ends; a
 * feed fill calls it before the statement that reads the statuses, so that statement sees whatever
 * was drained before it, and what is drained after it sees this fill's floor and follows.
 */
export async function holdOffFanOut(tx: Queryable): Promise<void> {
  await tx.query('select pg_advisory_xact_lock_shared($1)', [FEED_FILL_LOCK]);
}

/** The newest public posts with a hashtag the viewer ($1) follows, at most $2 per hashtag. */
const TAGGED_NEWEST = `
  select tagged.id from tag_follows tf cross join lateral (
    select st.status_id as id from status_tags st join statuses s on s.id = st.status_id
    where st.tag_id = tf.tag_id and s.visibility = 'public' and s.reblog_of_id is null
    order by st.status_id desc limit $2) tagged
  where tf.account_id = $1`;

/** The newest HOME_FEED_CAP statuses by the viewer and those they follow, unfiltered, into their feed. */
export function buildHomeFeed(db: Db, viewerId: string): Promise<void> {
  return db.transaction(async (tx) => {
    await holdOffFanOut(tx);
    await tx.query(
    `with sources as (select target_account_id as account_id from follows where account_id = $1 union all select $1::bigint),
     newest as (
       select candidates.id from (
         select newest.id from sources cross join lateral (
           select s.id from statuses s where s.account_id = sources.account_id order by s.id desc limit $2) newest
         union ${TAGGED_NEWEST}) candidates
       order by candidates.id desc limit $2),
     inserted as (insert into home_feed (account_id, status_id) select $1, id from newest on conflict do nothing)
     update accounts set home_feed_floor = case when (select count(*) from newest) >= $2 then (select min(id) from newest) else 0 end
     where id = $1 and home_feed_floor is null`, [viewerId, HOME_FEED_CAP]);
  });
}

/** After a follow: the target's statuses above the viewer's floor join the viewer's feed. */
export async function copyIntoHomeFeed(tx: Queryable, viewerId: string, targetId: string): Promise<void> {
  await holdOffFanOut(tx);
  await tx.query(
    `with viewer as (select home_feed_floor as floor from accounts where id = $1 and home_feed_floor is not null),
     newest as (select s.id from statuses s, viewer where s.account_id = $2 and s.id >= viewer.floor order by s.id desc limit $3),
     inserted as (insert into home_feed (account_id, status_id) select $1, id from newest on conflict do nothing)
     update accounts set home_feed_floor = (select min(id) from newest)
     where id = $1 and (select count(*) from newest) >= $3`, [viewerId, targetId, HOME_FEED_CAP]);
}

/** After following a hashtag: its public posts above the viewer's floor join the viewer's feed. */
export async function copyTagIntoHomeFeed(tx: Queryable, viewerId: string, tagId: string): Promise<void> {
  await holdOffFanOut(tx);
  await tx.query(
    `with viewer as (select home_feed_floor as floor from accounts where id = $1 and home_feed_floor is not null),
     newest as (
       select st.status_id as id from status_tags st join statuses s on s.id = st.status_id, viewer
       where st.tag_id = $2 and st.status_id >= viewer.floor and s.visibility = 'public' and s.reblog_of_id is null
       order by st.status_id desc limit $3),
     inserted as (insert into home_feed (account_id, status_id) select $1, id from newest on conflict do nothing)
     update accounts set home_feed_floor = (select min(id) from newest)
     where id = $1 and (select count(*) from newest) >= $3`, [viewerId, tagId, HOME_FEED_CAP]);
}

/** After an unfollow (or a block, which severs follows): the target's statuses leave the viewer's feed. */
export async function removeFromHomeFeed(tx: Queryable, viewerId: string, targetId: string): Promise<void> {
  await tx.query(
    'delete from home_feed h using statuses s where h.account_id = $1 and s.id = h.status_id and s.account_id = $2', [viewerId, targetId]);
}

/** A kind of feed: its table, the column naming whose feed a row is in, and where that owner's floor is kept. */
export interface FeedTable { feed: string; owner: string; owners: string; floor: string }

export const HOME_FEED: FeedTable = { feed: 'home_feed', owner: 'account_id', owners: 'accounts', floor: 'home_feed_floor' };

/** Cuts every feed of a kind back to `cap` rows, raising floors to match. Run periodically; safe to run anywhere. */
export async function trimFeeds(db: Queryable, t: FeedTable, cap: number): Promise<number> {
  const [row] = await db.query<{ removed: string }>(
    `with excess as (
       select ${t.owner}, status_id from (
         select ${t.owner}, status_id, row_number() over (partition by ${t.owner} order by status_id desc) as n from ${t.feed}) ranked
       where n > $1),
     removed as (
       delete from ${t.feed} f using excess e where f.${t.owner} = e.${t.owner} and f.status_id = e.status_id
       returning f.${t.owner} as owner, f.status_id),
     floors as (
       update ${t.owners} o set ${t.floor} = greatest(o.${t.floor}, r.newest_removed + 1)
       from (select owner, max(status_id) as newest_removed from removed group by owner) r where o.id = r.owner)
     select count(*) as removed from removed`, [cap]);
  return Number(row!.removed);
}

export const trimHomeFeeds = (db: Queryable, cap = HOME_FEED_CAP) => trimFeeds(db, HOME_FEED, cap);

const TRIM_LOCK = 727275;

/**
 * The periodic trim of home and list feeds (list-feed.ts), from any number of app servers: every
 * server runs the timer, and an advisory lock lets one trim at a time while the others skip that
 * round. Returns the rows removed, or null when another server held the lock.
 */
export function trimHomeFeedsOnce(db: Db): Promise<number | null> {
  return db.transaction(async (tx) => {
    const [lock] = await tx.query<{ got: boolean }>('select pg_try_advisory_xact_lock($1) as got', [TRIM_LOCK]);
    return lock?.got ? (await trimHomeFeeds(tx)) + (await trimListFeeds(tx)) : null;
  });
}
