// Lists in the bench (issue 17): every sampled user gets a list of everyone they follow (the
// `list timeline` endpoint reads those), and a measurement of what a list timeline read costs by the
// number of members: by fan-in over the members, and from the list's feed (list-feed.ts).
import type { Db } from '@firebreak/server/db/index.js';
import { buildListFeed } from '@firebreak/server/domain/list-feed.js';
import { fanInListTimeline, listTimelineRows, type ListRow } from '@firebreak/server/domain/lists.js';
import { homeTimelineRows } from '@firebreak/server/domain/timelines.js';
import { percentile } from '../drill/audit.js';
import type { BenchUser } from './workloads.js';

const BENCH_LIST = 'bench: everyone I follow';

/** A list of everyone they follow for each user who has none yet; returns each user's list id. */
export async function ensureBenchLists(db: Db, users: BenchUser[]): Promise<Map<string, string>> {
  await db.query(
    `with made as (
       insert into lists (account_id, title) select u.id, $2 from unnest($1::bigint[]) u(id)
       where not exists (select 1 from lists l where l.account_id = u.id and l.title = $2) returning id, account_id)
     insert into list_accounts (list_id, account_id) select m.id, f.target_account_id from made m join follows f on f.account_id = m.account_id`,
    [users.map((u) => u.accountId), BENCH_LIST]);
  const rows = await db.query<{ id: string; account_id: string; feed_floor: string | null }>(
    'select id, account_id, feed_floor from lists where title = $1 and account_id = any($2::bigint[])', [BENCH_LIST, users.map((u) => u.accountId)]);
  // As home feeds: the lists of active users have feeds (built on a first read in production), so
  // the figures are of the steady state; and statistics, as autovacuum would have gathered.
  for (const r of rows) if (r.feed_floor === null) await buildListFeed(db, r.id);
  await db.query('analyze lists, list_accounts, list_feed');
  return new Map(rows.map((r) => [r.account_id, r.id]));
}

export interface ListSizeResult { members: number; fanIn: { p50Ms: number; p99Ms: number }; feed: { p50Ms: number; p99Ms: number }; reads: number }

async function timeReads(reads: number, read: () => Promise<unknown>): Promise<{ p50Ms: number; p99Ms: number }> {
  await read(); // warm
  const times: number[] = [];
  for (let i = 0; i < reads; i++) {
    const t = performance.now();
    await read();
    times.push(performance.now() - t);
  }
  return { p50Ms: percentile(times, 50), p99Ms: percentile(times, 99) };
}

/**
 * One request at a time, the SQL of a first page (limit 20) of lists of 10 to 5,000 members (the
 * accounts with the most posts: the dearest case), read by fan-in and from the list's feed; and home
 * timelines read from their feeds, for comparison.
 */
export async function measureListSizes(db: Db, users: BenchUser[], reads = 40): Promise<{ lists: ListSizeResult[]; homeFeed: { p50Ms: number; p99Ms: number } }> {
  const owner = users[0]!.accountId;
  const [{ n }] = await db.query<{ n: string }>('select count(*) as n from accounts') as [{ n: string }];
  const sizes = [10, 100, 1000, 5000].filter((s) => s <= Number(n));
  const ctx = { db, homeFeedsBuilding: new Set<string>() };
  const lists: ListSizeResult[] = [];
  for (const size of sizes) {
    const [list] = await db.query<ListRow>(`insert into lists (account_id, title) values ($1, $2) returning id, account_id, title, replies_policy, exclusive`, [owner, `bench size ${size}`]);
    await db.query(`insert into list_accounts (list_id, account_id) select $1, id from accounts order by statuses_count desc limit $2`, [list!.id, size]);
    const fanIn = await timeReads(reads, () => fanInListTimeline(db, list!, { limit: 20 }));
    await buildListFeed(db, list!.id);
    await db.query('analyze list_feed');
    const feed = await timeReads(reads, () => listTimelineRows(ctx, list!, { limit: 20 }));
    lists.push({ members: size, reads, fanIn, feed });
    await db.query('delete from lists where id = $1', [list!.id]);
  }
  let next = 0;
  const homeFeed = await timeReads(reads, () => homeTimelineRows(ctx, users[next++ % users.length]!.accountId, { limit: 20 }));
  return { lists, homeFeed };
}
