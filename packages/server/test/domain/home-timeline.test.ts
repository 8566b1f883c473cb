// The home timeline must return exactly what the plain definition returns: every status by a followed
// account or oneself, newest first, minus direct messages one is not part of, reblogs from follows
// with reblogs hidden, and muted or blocked accounts. The reference below is that definition written
// as one straightforward query. It is compared, for every account and several pages, on PGlite and on
// PostgreSQL, against each way the timeline is read: fan-in, feeds built from existing statuses, feeds
// kept up through posts, reblogs and relationship changes (read from the feed outbox before it is
// drained, and from the feeds after), and trimmed feeds whose pages continue below the floor by fan-in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '@firebreak/server/config.js';
import { openDb, type Db } from '@firebreak/server/db/index.js';
import { migrate } from '@firebreak/server/db/migrate.js';
import { freshPostgresUrl } from '@firebreak/testkit/app.js';
import { generateDataset, type Scale } from '@firebreak/testkit/dataset.js';
import { keyset, type PageParams } from '@firebreak/server/domain/pagination.js';
import { fanInHomeTimeline, homeTimeline } from '@firebreak/server/domain/timelines.js';
import { buildHomeFeed, trimHomeFeeds } from '@firebreak/server/domain/home-feed.js';
import { drainFeedOutbox } from '@firebreak/server/domain/feed-outbox.js';
import { createStatus, reblog } from '@firebreak/server/domain/statuses.js';
import { block, follow, mute, unfollow } from '@firebreak/server/domain/relationships.js';
import type { AppContext } from '@firebreak/server/context.js';
import { AppEvents } from '@firebreak/server/domain/events.js';
import { EntityCache } from '@firebreak/server/domain/entity-cache.js';
import { newFilterCache } from '@firebreak/server/domain/filters.js';

const tiny: Scale = { name: 'tiny', accounts: 60, statuses: 4000, meanFollows: 12, tags: 10, favouritesPerStatus: 0.2 };

async function referenceHome(db: Db, viewerId: string, p: PageParams): Promise<string[]> {
  const params: unknown[] = [viewerId];
  const k = keyset(p, 's.id', params);
  const rows = await db.query<{ id: string }>(
    `select s.id from statuses s
     where s.account_id in (select target_account_id from follows where account_id = $1 union all select $1::bigint)
       and (s.visibility <> 'direct' or s.account_id = $1 or exists (select 1 from mentions m where m.status_id = s.id and m.account_id = $1))
       and (s.reblog_of_id is null or not exists (select 1 from follows fr where fr.account_id = $1 and fr.target_account_id = s.account_id and not fr.show_reblogs))
       and not exists (select 1 from mutes mu where mu.account_id = $1 and mu.target_account_id = s.account_id)
       and not exists (select 1 from statuses o join mutes mo on mo.target_account_id = o.account_id where o.id = s.reblog_of_id and mo.account_id = $1)
       and not exists (select 1 from blocks b where b.account_id = $1 and b.target_account_id = s.account_id)
       and not exists (select 1 from blocks b where b.account_id = s.account_id and b.target_account_id = $1)
       and ${k.where} order by ${k.order} limit ${k.limit}`, params);
  const ids = rows.map((r) => r.id);
  return k.ascending ? ids.reverse() : ids;
}

/** Every viewer's first page and four pages around its middle, against the reference. */
async function compareAll(db: Db, read: (viewer: string, p: PageParams) => Promise<Array<{ id: string }>>, stage: string): Promise<number> {
  const viewers = await db.query<{ id: string }>('select id from accounts order by id');
  let compared = 0;
  for (const { id: viewer } of viewers) {
    const first = await referenceHome(db, viewer, { limit: 20 });
    assert.deepEqual((await read(viewer, { limit: 20 })).map((s) => s.id), first, `${stage}: first page of ${viewer}`);
    const pivot = first[Math.floor(first.length / 2)];
    if (!pivot) continue;
    for (const page of [{ limit: 7, maxId: pivot }, { limit: 7, sinceId: pivot }, { limit: 7, minId: pivot }, { limit: 40, maxId: pivot, sinceId: first[first.length - 1] }]) {
      assert.deepEqual((await read(viewer, page)).map((s) => s.id), await referenceHome(db, viewer, page), `${stage}: ${JSON.stringify(page)} for ${viewer}`);
    }
    compared++;
  }
  return compared;
}

const builtFeeds = async (db: Db) => Number((await db.query<{ n: string }>('select count(*) as n from accounts where home_feed_floor is not null'))[0]!.n);

async function checkAgainstReference(db: Db): Promise<void> {
  await migrate(db);
  await generateDataset(db, tiny, 'http://localhost', () => {});
  // Make the cases the filters exist for common: hidden reblogs, mutes of followed accounts, blocks.
  await db.exec(`
    update follows set show_reblogs = false where hashint8(id) % 4 = 0;
    insert into mutes (account_id, target_account_id) select account_id, target_account_id from follows where hashint8(id) % 9 = 0 on conflict do nothing;
    insert into blocks (account_id, target_account_id) select account_id, target_account_id from follows where hashint8(id) % 11 = 1 on conflict do nothing;`);
  // Those blocks leave the follows in place (a block through the API severs them): so some authors block followers.
  const config = loadConfig({});
  const ctx = { config, db, events: new AppEvents(), homeFeedsBuilding: new Set<string>(), entityCache: new EntityCache(config.entityCacheBytes), filterCache: newFilterCache() } as unknown as AppContext;
  const home = async (v: string, p: PageParams) => (await homeTimeline(ctx, v, p)).rows;
  const viewers = (await db.query<{ id: string }>('select id from accounts order by id')).map((r) => r.id);

  // 1. Fan-in (what serves a viewer without a feed, and pages below a feed's floor).
  assert.equal(await builtFeeds(db), 0);
  const compared = await compareAll(db, (v, p) => fanInHomeTimeline(db, v, p), 'fan-in');
  assert.ok(compared > 40, `only ${compared} accounts had a home timeline to compare`);

  // 2. Feeds built from the existing statuses (as a first home read does, in the background).
  for (const v of viewers) await buildHomeFeed(db, v);
  await compareAll(db, home, 'built feeds');

  // 3. Writes after the feeds exist: posts (direct ones too), reblogs, follows, unfollows, mutes,
  //    a block, and a hidden-reblogs follow; fan-out on write and the follow hooks must keep up.
  const pick = (i: number) => viewers[(i * 7919) % viewers.length]!;
  for (let i = 0; i < 60; i++) {
    const visibility = (['public', 'unlisted', 'private', 'direct'] as const)[i % 4];
    const text = `after the feeds ${i} @user${1 + (i % 60)}`;
    const created = await createStatus(ctx, pick(i), { text, spoilerText: '', sensitive: false, visibility, language: 'en', inReplyToId: null, quotedStatusId: null, idempotencyKey: null, appId: null });
    if (i % 5 === 0) await reblog(ctx, pick(i + 1), created.statusId).catch(() => {});
  }
  for (let i = 0; i < 30; i++) {
    const [a, b] = [pick(i + 100), pick(i + 200)];
    if (a === b) continue;
    if (i % 3 === 0) await unfollow(ctx, a, b);
    else await follow(ctx, a, b, { reblogs: i % 2 === 0 }).catch(() => {}); // blocked pairs refuse
    if (i % 7 === 0) await mute(ctx, a, pick(i + 300), true).catch(() => {});
    if (i % 10 === 0) await block(ctx, a, pick(i + 400)).catch(() => {});
  }
  // No worker drains the feed outbox here: the new statuses are read from it.
  const queued = async () => Number((await db.query<{ n: string }>('select count(*) as n from feed_outbox'))[0]!.n);
  assert.ok(await queued() >= 60, 'the posts and reblogs wait in the feed outbox');
  await compareAll(db, home, 'after writes, from the outbox');
  // Drained in small batches: the same pages, now from the feeds alone.
  let drains = 0;
  while ((await drainFeedOutbox(db, 16))!.length > 0) drains++;
  assert.ok(drains >= 4 && await queued() === 0, `${drains} drains left ${await queued()} queued`);
  await compareAll(db, home, 'after writes, fanned out');

  // 4. Feeds trimmed to a few rows: most pages now reach below the floor and continue by fan-in.
  assert.ok(await trimHomeFeeds(db, 12) > 0);
  await compareAll(db, home, 'trimmed feeds');
  const [{ max }] = await db.query<{ max: string }>('select max(n) as max from (select count(*) as n from home_feed group by account_id) c') as [{ max: string }];
  assert.ok(Number(max) <= 12);
}

test('home timeline equals the reference definition on PGlite', async () => {
  const db = await openDb(loadConfig({}), undefined, true);
  try { await checkAgainstReference(db); } finally { await db.close(); }
});

test('home timeline equals the reference definition on PostgreSQL', { skip: !process.env.FIREBREAK_TEST_DATABASE_URL && process.env.CI !== 'true' && 'no PostgreSQL' }, async () => {
  const db = await openDb(loadConfig({ DATABASE_URL: await freshPostgresUrl() }));
  try { await checkAgainstReference(db); } finally { await db.close(); }
});
