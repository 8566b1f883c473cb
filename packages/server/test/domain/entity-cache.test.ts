// The entity cache (domain/entity-cache.ts) may only ever cost a miss, never show something stale:
// with every page's statuses and authors cached beforehand, the next read shows an edit, a deletion,
// a block, a mute, an unfollow and a follow, a profile change and a moderator's action at once; on
// one app server, and across two app servers sharing one PostgreSQL (warm one, change through the
// other), where nothing but the versions the database reports tells the warm server. Plus its byte
// bound, and that it is used at all (a second read of a page is answered from it). On PGlite and on
// real PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { renderStatuses } from '@firebreak/server/api/render.js';
import type { AppContext } from '@firebreak/server/context.js';
import type { Queryable } from '@firebreak/server/db/index.js';
import { EntityCache } from '@firebreak/server/domain/entity-cache.js';
import { getStatuses } from '@firebreak/server/domain/statuses.js';
import {
  backends, Client, freshPostgresUrl, makeUser, STAFF_SCOPES, startApp, startListeningApp, type RunningApp, type TestApp, type User,
} from '@firebreak/testkit/app.js';

/** Hits and misses so far, summed over kinds, as /metrics reports them. */
async function lookups(ctx: AppContext): Promise<{ hit: number; miss: number }> {
  const counts = { hit: 0, miss: 0 };
  const metric = await ctx.metrics.registry.getSingleMetric('firebreak_entity_cache_lookups')!.get();
  for (const v of metric.values) counts[v.labels.outcome as 'hit' | 'miss'] += v.value;
  return counts;
}

/**
 * The reads and writes of the scenarios, through any app server (`reader` and `writer` may be two
 * servers on one database). Each scenario reads once to warm the reader's cache, changes something
 * through the writer, and reads again through the reader.
 */
function scenarios(name: string, setup: () => Promise<{ reader: Client; writer: Client; readerCtx: AppContext; writerCtx: AppContext }>, skip: string | false = false) {
  describe(name, { skip }, () => {
    let reader: Client, writer: Client, readerCtx: AppContext, writerCtx: AppContext;
    let moderator: User;
    before(async () => {
      ({ reader, writer, readerCtx, writerCtx } = await setup());
      moderator = await makeUser(writerCtx, STAFF_SCOPES, 'moderator');
    });

    const user = () => makeUser(writerCtx);
    const as = async (client: Client, u: User, method: string, url: string, body?: unknown) => {
      const res = await client.request(method, url, { token: u.token, body });
      assert.ok(res.status < 300, `${method} ${url}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    };
    const write = (u: User, method: string, url: string, body?: unknown) => as(writer, u, method, url, body);
    const home = async (u: User): Promise<any[]> => as(reader, u, 'GET', '/api/v1/timelines/home?limit=40');
    const find = (page: any[], id: string) => page.find((s) => s.id === id);
    /** A reader who follows an author and a booster who reblogs (and quotes) the author's post, so the post is on the page as itself, as a reblog's original and as a quote. */
    async function cast() {
      const [author, booster, viewer] = [await user(), await user(), await user()];
      await write(viewer, 'POST', `/api/v1/accounts/${author.id}/follow`);
      await write(viewer, 'POST', `/api/v1/accounts/${booster.id}/follow`);
      const post = await write(author, 'POST', '/api/v1/statuses', { status: 'first words' });
      const boost = await write(booster, 'POST', `/api/v1/statuses/${post.id}/reblog`);
      const quote = await write(booster, 'POST', '/api/v1/statuses', { status: 'look at this', quoted_status_id: post.id });
      const warm = await home(viewer);
      assert.equal(find(warm, post.id)?.content, '<p>first words</p>');
      assert.equal(find(warm, boost.id)?.reblog.id, post.id);
      assert.equal(find(warm, quote.id)?.quote.quoted_status.id, post.id);
      return { author, booster, viewer, post, boost, quote };
    }

    it('is used: a second read of the same page is answered from the cache', async () => {
      const { viewer } = await cast();
      const before = await lookups(readerCtx);
      await home(viewer);
      const after = await lookups(readerCtx);
      assert.equal(after.miss, before.miss, 'nothing missed on the second read');
      assert.ok(after.hit > before.hit);
    });

    it('an edit: new text, mentions and hashtags everywhere the post appears', async () => {
      const { author, viewer, post, boost, quote, booster } = await cast();
      const edited = await write(author, 'PUT', `/api/v1/statuses/${post.id}`, { status: `second words #fresh @${booster.username}` });
      assert.ok(edited.edited_at);
      const page = await home(viewer);
      for (const shown of [find(page, post.id), find(page, boost.id).reblog, find(page, quote.id).quote.quoted_status]) {
        assert.match(shown.content, /second words/);
        assert.equal(shown.edited_at, edited.edited_at);
        assert.deepEqual(shown.tags.map((t: any) => t.name), ['fresh']);
        assert.deepEqual(shown.mentions.map((m: any) => m.id), [booster.id]);
      }
    });

    it('a rejected sign-up: its mention leaves the post everywhere the post appears', async () => {
      const { author, viewer, post, boost, quote } = await cast();
      const pending = await user();
      await writerCtx.db.query('update accounts set approved = false where id = $1', [pending.id]);
      const edited = await write(author, 'PUT', `/api/v1/statuses/${post.id}`, { status: `words for @${pending.username}` });
      const warm = await home(viewer);
      assert.deepEqual(find(warm, post.id).mentions.map((m: any) => m.id), [pending.id]);
      await write(moderator, 'POST', `/api/v1/admin/accounts/${pending.id}/reject`);
      const page = await home(viewer);
      for (const shown of [find(page, post.id), find(page, boost.id).reblog, find(page, quote.id).quote.quoted_status]) {
        assert.deepEqual(shown.mentions, []);
        assert.equal(shown.edited_at, edited.edited_at, 'not shown as edited again');
      }
    });

    it('a deletion: the post, its reblog and the quote\'s copy of it are gone', async () => {
      const { author, viewer, post, boost, quote } = await cast();
      await write(author, 'DELETE', `/api/v1/statuses/${post.id}`);
      const page = await home(viewer);
      assert.equal(find(page, post.id), undefined);
      assert.equal(find(page, boost.id), undefined);
      assert.deepEqual(find(page, quote.id).quote, { state: 'deleted', quoted_status: null });
    });

    it('a block by the author: the reblog and the quote\'s copy of the post disappear for the blocked viewer', async () => {
      const { author, viewer, boost, quote } = await cast();
      await write(author, 'POST', `/api/v1/accounts/${viewer.id}/block`);
      const page = await home(viewer);
      assert.equal(find(page, boost.id), undefined);
      assert.equal(find(page, quote.id).quote.quoted_status, null);
    });

    it('a mute of the account, and of a thread', async () => {
      const { author, viewer, post } = await cast();
      const other = await write(author, 'POST', '/api/v1/statuses', { status: 'a thread' });
      await write(viewer, 'POST', `/api/v1/statuses/${other.id}/mute`);
      assert.equal(find(await home(viewer), other.id).muted, true);
      await write(viewer, 'POST', `/api/v1/accounts/${author.id}/mute`);
      assert.equal(find(await home(viewer), post.id), undefined);
    });

    it('an unfollow hides a followers-only post; following again shows it', async () => {
      const { author, viewer } = await cast();
      const secret = await write(author, 'POST', '/api/v1/statuses', { status: 'for followers', visibility: 'private' });
      assert.ok(find(await home(viewer), secret.id));
      assert.equal((await reader.request('GET', `/api/v1/statuses/${secret.id}`, { token: viewer.token })).status, 200);
      await write(viewer, 'POST', `/api/v1/accounts/${author.id}/unfollow`);
      assert.equal(find(await home(viewer), secret.id), undefined);
      assert.equal((await reader.request('GET', `/api/v1/statuses/${secret.id}`, { token: viewer.token })).status, 404);
      await write(viewer, 'POST', `/api/v1/accounts/${author.id}/follow`);
      assert.equal(find(await home(viewer), secret.id)?.content, '<p>for followers</p>');
    });

    it('a profile change, and counters, on the author of a post, a reblog\'s original and a quote', async () => {
      const { author, viewer, post, boost, quote } = await cast();
      await write(author, 'PATCH', '/api/v1/accounts/update_credentials', { display_name: 'New Name' });
      await write(author, 'POST', '/api/v1/statuses', { status: 'one more' });
      await write(viewer, 'POST', `/api/v1/statuses/${post.id}/favourite`);
      const page = await home(viewer);
      for (const shown of [find(page, post.id), find(page, boost.id).reblog, find(page, quote.id).quote.quoted_status]) {
        assert.equal(shown.account.display_name, 'New Name');
        assert.equal(shown.account.statuses_count, 2);
        assert.equal(shown.favourites_count, 1);
        assert.equal(shown.favourited, true);
      }
    });

    it('moderation: a sensitized account\'s posts are sensitive, a silenced one is limited, a suspended one is gone', async () => {
      const { author, viewer, post, boost } = await cast();
      const act = (type: string) => write(moderator, 'POST', `/api/v1/admin/accounts/${author.id}/action`, { type });
      await act('sensitive');
      let page = await home(viewer);
      assert.equal(find(page, post.id).sensitive, true);
      assert.equal(find(page, boost.id).reblog.sensitive, true);
      await act('silence');
      page = await home(viewer);
      assert.equal(find(page, post.id).account.limited, true);
      assert.equal(find(page, boost.id).reblog.account.limited, true);
      await act('suspend');
      page = await home(viewer);
      assert.equal(find(page, post.id), undefined);
      assert.equal(find(page, boost.id), undefined);
    });
  });
}

describe('the entity cache\'s bound', () => {
  const value = { text: 'x'.repeat(100) };

  it('holds at most maxBytes; what is read stays, the oldest entry not read goes first', () => {
    const cache = new EntityCache(10_000);
    cache.set('status', 'kept', '1', value);
    for (let i = 0; i < 1000; i++) {
      assert.ok(cache.get('status', 'kept', '1'), `the entry read after each insert stays (${i})`);
      cache.set('status', String(i), '1', value);
      assert.ok(cache.bytes <= 10_000, `${cache.bytes} bytes after ${i + 1} inserts`);
    }
    assert.ok(cache.size > 10 && cache.size < 1000);
    assert.equal(cache.get('status', '0', '1'), undefined, 'the oldest went first');
    assert.ok(cache.get('status', '999', '1'));
  });

  it('answers only for the version asked; a new version replaces the old; an entry larger than the bound is not kept', () => {
    const cache = new EntityCache(1000);
    cache.set('account', '1', '5', { name: 'old' });
    assert.equal(cache.get('account', '1', '6'), undefined);
    assert.equal(cache.get('status', '1', '5'), undefined, 'kinds do not share ids');
    cache.set('account', '1', '6', { name: 'new' });
    assert.deepEqual(cache.get('account', '1', '6'), { name: 'new' });
    assert.equal(cache.get('account', '1', '5'), undefined);
    assert.equal(cache.size, 1);
    cache.set('account', '2', '1', { name: 'y'.repeat(2000) });
    assert.equal(cache.get('account', '2', '1'), undefined);
    assert.ok(cache.bytes <= 1000);
  });
});

for (const backend of backends()) {
  describe(`entity cache on ${backend}`, () => {
    let t: TestApp;
    let small: TestApp;
    before(async () => {
      t = await startApp(backend);
      small = await startApp(backend, { entityCacheBytes: 4000 });
    });
    after(async () => { await t.close(); await small.close(); });

    it('accounts.version changes with what an account shows, not with its counters', async () => {
      const u = await makeUser(t.ctx);
      const version = async () => (await t.ctx.db.query<{ version: string }>('select version::text from accounts where id = $1', [u.id]))[0]!.version;
      const start = await version();
      await t.ctx.db.query('update accounts set followers_count = followers_count + 1, statuses_count = 3, last_status_at = now(), home_feed_floor = 0 where id = $1', [u.id]);
      assert.equal(await version(), start);
      await t.ctx.db.query('update accounts set display_name = display_name where id = $1', [u.id]);
      assert.equal(await version(), start, 'an update that changes nothing shown');
      for (const change of [`display_name = 'x'`, `note = 'y'`, 'locked = true', 'bot = true', 'discoverable = false', `avatar_key = 'k'`, `header_key = 'h'`,
        'role_id = 1', 'suspended_at = now()', 'silenced_at = now()', 'sensitized_at = now()', 'disabled = true', 'approved = false', 'version = 0']) {
        const before = await version();
        await t.ctx.db.query(`update accounts set ${change} where id = $1`, [u.id]);
        assert.notEqual(await version(), before, change);
      }
    });

    it('what a rolled-back transaction read never enters the cache', async () => {
      const [author, viewer] = [await makeUser(t.ctx), await makeUser(t.ctx)];
      const c = new Client(t.app);
      const post = (await c.request('POST', '/api/v1/statuses', { token: author.token, body: { status: 'committed' } })).body;
      const rows = [...(await getStatuses(t.ctx.db, [post.id])).values()];
      const at = new Date(Date.now() + 60_000);
      const rewrite = (db: Queryable, text: string) =>
        db.query('update statuses set text = $2, content_html = $3, edited_at = $4 where id = $1', [post.id, text, `<p>${text}</p>`, at]);
      await assert.rejects(t.ctx.db.transaction(async (tx) => {
        await rewrite(tx, 'never committed');
        const [inside] = await renderStatuses(t.ctx, viewer.id, rows, null, tx);
        assert.ok(inside);
        throw new Error('rolled back');
      }), /rolled back/);
      // The same version (edited_at) as the rolled-back read, with other content, committed.
      await rewrite(t.ctx.db, 'committed later');
      const page = await renderStatuses(t.ctx, viewer.id, [...(await getStatuses(t.ctx.db, [post.id])).values()]);
      const boost = (await c.request('POST', `/api/v1/statuses/${post.id}/reblog`, { token: viewer.token })).body;
      assert.equal(page[0]!.content, '<p>committed later</p>');
      const [reblog] = await renderStatuses(t.ctx, viewer.id, [...(await getStatuses(t.ctx.db, [boost.id])).values()]);
      assert.equal((reblog!.reblog as any).content, '<p>committed later</p>', 'a reblog\'s original comes from the cache');
    });

    it('a cache far smaller than a page stays under its bound and answers correctly', async () => {
      const c = new Client(small.app);
      const [author, viewer] = [await makeUser(small.ctx), await makeUser(small.ctx)];
      await c.request('POST', `/api/v1/accounts/${author.id}/follow`, { token: viewer.token });
      for (let i = 0; i < 30; i++) await c.request('POST', '/api/v1/statuses', { token: author.token, body: { status: `post ${i} #tag${i}` } });
      for (let round = 0; round < 2; round++) {
        const page = (await c.request('GET', '/api/v1/timelines/home?limit=40', { token: viewer.token })).body as any[];
        assert.deepEqual(page.map((s) => s.content), Array.from({ length: 30 }, (_, i) => `<p>post ${29 - i} <a href="https://firebreak.test/tags/tag${29 - i}" class="mention hashtag" rel="tag">#<span>tag${29 - i}</span></a></p>`));
        assert.deepEqual(page.map((s) => s.tags[0].name), Array.from({ length: 30 }, (_, i) => `tag${29 - i}`));
        assert.ok(small.ctx.entityCache.bytes <= 4000, `${small.ctx.entityCache.bytes} bytes`);
      }
    });
  });

  let one: TestApp;
  scenarios(`entity cache, changes seen at once, on one server on ${backend}`, async () => {
    one = await startApp(backend);
    const client = new Client(one.app);
    return { reader: client, writer: client, readerCtx: one.ctx, writerCtx: one.ctx };
  });
  after(async () => { await one?.close(); });
}

let servers: RunningApp[] = [];
scenarios('entity cache across two app servers on one PostgreSQL: warm one, change through the other', async () => {
  const databaseUrl = await freshPostgresUrl();
  servers = [await startListeningApp({ databaseUrl }), await startListeningApp({ databaseUrl })];
  const [writer, reader] = servers as [RunningApp, RunningApp];
  return { reader: new Client(reader.app), writer: new Client(writer.app), readerCtx: reader.ctx, writerCtx: writer.ctx };
}, !process.env.FIREBREAK_TEST_DATABASE_URL && 'FIREBREAK_TEST_DATABASE_URL is not set');
after(async () => { for (const s of servers) await s.close(); });
