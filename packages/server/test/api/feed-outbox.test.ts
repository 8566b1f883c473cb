// Fan-out goes through the feed outbox (domain/feed-outbox.ts): a post must be in its followers' home
// and list timelines as soon as it is acknowledged (read from the outbox until it is drained), be
// fanned out exactly once however many servers drain, never show anyone a status they may not see
// while it waits, and be fanned out even when the server that queued it never drains it. On PGlite
// and on real PostgreSQL, and across two app servers sharing one PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createStatus } from '@firebreak/server/domain/statuses.js';
import { AppEvents } from '@firebreak/server/domain/events.js';
import type { AppContext } from '@firebreak/server/context.js';
import { eventually } from '../eventually.js';
import { backends, Client, startApp, type TestApp, type User } from '@firebreak/testkit/app.js';

const queued = async (t: TestApp) => Number((await t.ctx.db.query<{ n: string }>('select count(*) as n from feed_outbox'))[0]!.n);
const inHomeFeed = async (t: TestApp, accountId: string, statusId: string) =>
  (await t.ctx.db.query('select 1 from home_feed where account_id = $1 and status_id = $2', [accountId, statusId])).length === 1;
const drainedCount = async (t: TestApp) => (await t.ctx.metrics.feedOutboxWait.get()).values.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0;

/** A reader of `author` with a home feed and a list holding `author`, whose feed is built too. */
async function readerOf(t: TestApp, c: Client, name: string, author: User): Promise<{ user: User; listId: string }> {
  const user = await c.register(name);
  assert.equal((await c.request('POST', `/api/v1/accounts/${author.id}/follow`, { token: user.token, body: {} })).status, 200);
  const list = await c.request('POST', '/api/v1/lists', { token: user.token, body: { title: `${name}'s list` } });
  assert.equal((await c.request('POST', `/api/v1/lists/${list.body.id}/accounts`, { token: user.token, body: { account_ids: [author.id] } })).status, 200);
  // The first reads build the feeds (in the background).
  await c.request('GET', '/api/v1/timelines/home', { token: user.token });
  await c.request('GET', `/api/v1/timelines/list/${list.body.id}`, { token: user.token });
  await eventually(async () => (await t.ctx.db.query<{ built: boolean }>(
    'select a.home_feed_floor is not null and l.feed_floor is not null as built from accounts a, lists l where a.id = $1 and l.id = $2', [user.id, list.body.id]))[0]?.built, true, 'feeds built');
  return { user, listId: list.body.id };
}

const ids = (r: { body: Array<{ id: string }> }) => r.body.map((s) => s.id);

for (const backend of backends()) {
  describe(`feed outbox on ${backend}`, () => {
    let t: TestApp;
    let c: Client;
    before(async () => {
      t = await startApp(backend);
      c = new Client(t.app);
    });
    after(() => t.close());

    it('a post is in home and list timelines once acknowledged, and in the feeds once drained', async () => {
      const author = await c.register('outboxauthor');
      const { user: reader, listId } = await readerOf(t, c, 'outboxreader', author);
      const post = await c.request('POST', '/api/v1/statuses', { token: author.token, body: { status: 'straight to my followers' } });
      assert.equal(post.status, 200);
      // No wait: whether still queued or already drained, the next reads have it.
      assert.ok(ids(await c.request('GET', '/api/v1/timelines/home', { token: reader.token })).includes(post.body.id), 'home');
      assert.ok(ids(await c.request('GET', `/api/v1/timelines/list/${listId}`, { token: reader.token })).includes(post.body.id), 'list');
      await eventually(() => queued(t), 0, 'the outbox drained');
      assert.ok(await inHomeFeed(t, reader.id, post.body.id));
      assert.equal((await t.ctx.db.query('select 1 from list_feed where list_id = $1 and status_id = $2', [listId, post.body.id])).length, 1);
      assert.ok(ids(await c.request('GET', '/api/v1/timelines/home', { token: reader.token })).includes(post.body.id), 'home, from the feed');
    });

    it('a queued status shows no one what they may not see', async () => {
      const author = await c.register('dmauthor');
      const { user: follower, listId } = await readerOf(t, c, 'dmfollower', author);
      const addressee = await c.register('dmaddressee');
      const dm = await c.request('POST', '/api/v1/statuses', { token: author.token, body: { status: '@dmaddressee just us', visibility: 'direct' } });
      const muted = await c.register('mutedauthor');
      await c.request('POST', `/api/v1/accounts/${muted.id}/follow`, { token: follower.token, body: {} });
      await c.request('POST', `/api/v1/accounts/${muted.id}/mute`, { token: follower.token, body: {} });
      const mutedPost = await c.request('POST', '/api/v1/statuses', { token: muted.token, body: { status: 'you muted me' } });
      for (const timeline of ['/api/v1/timelines/home', `/api/v1/timelines/list/${listId}`]) {
        const seen = ids(await c.request('GET', timeline, { token: follower.token }));
        assert.ok(!seen.includes(dm.body.id), `${timeline}: a private mention of someone else`);
        assert.ok(!seen.includes(mutedPost.body.id), `${timeline}: a muted account's post`);
      }
      assert.equal((await c.request('GET', `/api/v1/statuses/${dm.body.id}`, { token: addressee.token })).status, 200);
    });

    it('a status queued by a server that never drains it is fanned out by the others', async () => {
      const author = await c.register('orphanauthor');
      const { user: reader } = await readerOf(t, c, 'orphanreader', author);
      // As if its server died after the commit: created with events nobody listens to, so no drain is started for it.
      const silent = { ...t.ctx, events: new AppEvents() } as AppContext;
      const created = await createStatus(silent, author.id, {
        text: 'queued, then my server died', spoilerText: '', sensitive: false, visibility: 'public', language: 'en',
        inReplyToId: null, quotedStatusId: null, idempotencyKey: null, appId: null,
      });
      assert.ok(ids(await c.request('GET', '/api/v1/timelines/home', { token: reader.token })).includes(created.statusId));
      await eventually(() => inHomeFeed(t, reader.id, created.statusId), true, 'fanned out by the poll');
    });
  });
}

describe('feed outbox across two app servers on one PostgreSQL', { skip: !backends().includes('postgres') && 'no PostgreSQL' }, () => {
  let a: TestApp;
  let b: TestApp;
  before(async () => {
    a = await startApp('postgres');
    b = await startApp('postgres', { databaseUrl: a.ctx.config.databaseUrl });
  });
  after(async () => { await b.close(); await a.close(); });

  it('posts on either server are read on the other at once and fanned out exactly once', async () => {
    const [ca, cb] = [new Client(a.app), new Client(b.app)];
    const author = await ca.register('twoserverauthor');
    const { user: reader } = await readerOf(a, ca, 'twoserverreader', author);
    const before = (await drainedCount(a)) + (await drainedCount(b));
    const post = async (i: number) => {
      const [client, other] = i % 2 ? [cb, ca] : [ca, cb];
      const res = await client.request('POST', '/api/v1/statuses', { token: author.token, body: { status: `post ${i} on server ${i % 2 ? 'b' : 'a'}` } });
      assert.equal(res.status, 200);
      assert.ok(ids(await other.request('GET', '/api/v1/timelines/home?limit=40', { token: reader.token })).includes(res.body.id), `post ${i} read on the other server`);
      return res.body.id as string;
    };
    // Four at a time (both servers drain while posts keep coming), within the servers' admission limits.
    const posts: string[] = [];
    for (let i = 0; i < 40; i += 4) posts.push(...await Promise.all([i, i + 1, i + 2, i + 3].map(post)));
    await eventually(() => queued(a), 0, 'the outbox drained');
    const rows = await a.ctx.db.query('select status_id from home_feed where account_id = $1 and status_id = any($2::bigint[])', [reader.id, posts]);
    assert.equal(rows.length, 40);
    assert.equal((await drainedCount(a)) + (await drainedCount(b)) - before, 40, 'each status drained once, by one server or the other');
  });
});
