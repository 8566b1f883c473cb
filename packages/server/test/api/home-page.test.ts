// A home page the viewer's feed holds whole is found and hydrated by one statement (domain/hydration.ts
// findAndHydrate); any other page is read, then hydrated, by two. Both must answer the same entities:
// here every page of a feed with the things hydration decides (reblogs, one of an account the reader
// blocks, a quote, mentions, hashtags, a followers-only post, a favourite, a bookmark, a thread mute,
// filters that warn and that hide, counters changed after the post) is read through the API and
// compared with the same page read apart and hydrated in the process; a list's pages too. A warm read
// of such a page runs one statement, and the plan of that statement reads no viewer's history whole
// (db/probe.ts: no hashed subplan). On PGlite and on real PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { renderStatuses } from '@firebreak/server/api/render.js';
import type { PageParams } from '@firebreak/server/domain/pagination.js';
import { getList, listTimelineRows, type ListRow } from '@firebreak/server/domain/lists.js';
import { homeTimelineRows } from '@firebreak/server/domain/timelines.js';
import { eventually } from '../eventually.js';
import { backends, Client, homeFeedBuilt, startApp, type TestApp, type User } from '@firebreak/testkit/app.js';
import { statementsOf } from '@firebreak/testkit/statements.js';

for (const backend of backends()) {
  describe(`a home page in one statement on ${backend}`, () => {
    let t: TestApp;
    let c: Client;
    let reader: User;
    let ids: string[];
    let list: ListRow;

    /** The page through the API, the statements it ran and their parameters. */
    async function read(query: string, path = '/api/v1/timelines/home') {
      const { result, statements, parameters } = await statementsOf(t.ctx.db, () => c.expect(reader, 'GET', `${path}?${query}`));
      return { body: result.body, statements, parameters };
    }

    /** The same page read apart and hydrated, as a page the feed does not hold whole is. */
    async function apart(p: PageParams) {
      const rows = await homeTimelineRows(t.ctx, reader.id, p);
      return JSON.parse(JSON.stringify(await renderStatuses(t.ctx, reader.id, rows, 'home')));
    }

    before(async () => {
      t = await startApp(backend);
      c = new Client(t.app);
      reader = await c.register('reader');
      const [ann, bob, cyd] = [await c.register('ann'), await c.register('bob'), await c.register('cyd')];
      for (const u of [ann, bob]) await c.expect(reader, 'POST', `/api/v1/accounts/${u.id}/follow`);
      await c.expect(reader, 'POST', `/api/v1/accounts/${cyd.id}/block`);
      const post = async (u: User, body: Record<string, unknown>) => (await c.expect(u, 'POST', '/api/v1/statuses', body)).body.id as string;
      const byCyd = await post(cyd, { status: 'cyd speaks' });
      const byBob = await post(bob, { status: 'bob on #Drills with @ann' });
      await post(ann, { status: 'for followers', visibility: 'private' });
      await c.expect(ann, 'POST', `/api/v1/statuses/${byBob}/reblog`);
      await c.expect(ann, 'POST', `/api/v1/statuses/${byCyd}/reblog`);
      await post(ann, { status: 'quoting bob', quoted_status_id: byBob });
      const spoiled = await post(bob, { status: 'the spoiler is here' });
      await post(ann, { status: 'something to hide' });
      const muted = await post(bob, { status: 'a thread' });
      await post(bob, { status: 'in the thread', in_reply_to_id: muted });
      for (let i = 0; i < 6; i++) await post(i % 2 ? ann : bob, { status: `plain ${i}` });
      await c.expect(reader, 'POST', `/api/v1/statuses/${byBob}/favourite`);
      await c.expect(reader, 'POST', `/api/v1/statuses/${spoiled}/bookmark`);
      await c.expect(cyd, 'POST', `/api/v1/statuses/${byBob}/favourite`);
      await c.expect(reader, 'POST', `/api/v1/statuses/${muted}/mute`);
      await c.expect(reader, 'POST', '/api/v2/filters', { title: 'spoilers', context: ['home'], filter_action: 'warn', keywords_attributes: [{ keyword: 'spoiler' }] });
      await c.expect(reader, 'POST', '/api/v2/filters', { title: 'hidden', context: ['home'], filter_action: 'hide', keywords_attributes: [{ keyword: 'hide' }] });
      // The first read builds the feed in the background; the pages below come from it.
      await c.expect(reader, 'GET', '/api/v1/timelines/home');
      await eventually(() => homeFeedBuilt(t.ctx, reader.id), true, 'the home feed is built', 5000);
      ids = (await read('limit=40')).body.map((s: { id: string }) => s.id);
      const listId = (await c.expect(reader, 'POST', '/api/v1/lists', { title: 'both' })).body.id;
      await c.expect(reader, 'POST', `/api/v1/lists/${listId}/accounts`, { account_ids: [ann.id, bob.id] });
      await c.expect(reader, 'GET', `/api/v1/timelines/list/${listId}`);
      for (let i = 0; i < 100 && (await t.ctx.db.query('select feed_floor from lists where id = $1', [listId]))[0]?.feed_floor == null; i++) await new Promise((r) => setTimeout(r, 20));
      list = await getList(t.ctx.db, reader.id, listId);
    });
    after(() => t.close());

    it('answers every page as the page read apart and hydrated does', async () => {
      // cyd's post is not there (blocked), the reblog of it shows nothing, the hidden post is left out.
      assert.equal(ids.length, 13, JSON.stringify(ids));
      const pages: Array<[string, PageParams]> = [
        ['', { limit: 20 }], ['limit=5', { limit: 5 }], [`limit=4&max_id=${ids[5]}`, { limit: 4, maxId: ids[5] }],
        [`since_id=${ids[10]}`, { limit: 20, sinceId: ids[10] }], [`limit=3&min_id=${ids[8]}`, { limit: 3, minId: ids[8] }],
        [`max_id=${ids[2]}&since_id=${ids[12]}`, { limit: 20, maxId: ids[2], sinceId: ids[12] }],
      ];
      for (const [query, p] of pages) {
        const { body, statements } = await read(query);
        assert.ok(statements.some((sql) => sql.includes('feed_page as (')), `${query}: found in one statement`);
        assert.deepEqual(body, await apart(p), query);
      }
      const all = (await read('limit=40')).body;
      const status = (text: string) => all.find((s: { content: string }) => s.content.includes(text));
      const reblog = all.find((s: { reblog: { content: string } | null }) => s.reblog?.content.includes('bob on'));
      assert.equal(reblog.reblog.favourites_count, 2);
      assert.equal(reblog.reblog.favourited, true);
      assert.equal(status('bob on').favourited, true);
      assert.equal(status('bob on').favourites_count, 2);
      assert.equal(status('the spoiler').bookmarked, true);
      assert.equal(status('the spoiler').filtered[0].filter.title, 'spoilers');
      assert.equal(status('a thread').muted, true);
      assert.equal(status('quoting').quote.quoted_status.content, '<p>bob on <a href="https://firebreak.test/tags/drills" class="mention hashtag" rel="tag">#<span>Drills</span></a> with <span class="h-card" translate="no"><a href="https://firebreak.test/@ann" class="u-url mention">@<span>ann</span></a></span></p>');
      assert.equal(status('something to hide'), undefined);
      assert.equal(status('cyd speaks'), undefined);
    });

    it('answers every page of a list as the page read apart and hydrated does', async () => {
      const path = `/api/v1/timelines/list/${list.id}`;
      // A list shows its members' posts: all of the home timeline but the reader's own (none here).
      assert.deepEqual((await read('limit=40', path)).body.map((s: { id: string }) => s.id), ids);
      for (const [query, p] of [['', { limit: 20 }], [`limit=4&max_id=${ids[5]}`, { limit: 4, maxId: ids[5] }], [`limit=3&min_id=${ids[8]}`, { limit: 3, minId: ids[8] }]] as Array<[string, PageParams]>) {
        const { body, statements } = await read(query, path);
        assert.ok(statements.some((sql) => sql.includes('feed_page as (')), `${query}: found in one statement`);
        const rows = await listTimelineRows(t.ctx, list, p);
        assert.deepEqual(body, JSON.parse(JSON.stringify(await renderStatuses(t.ctx, reader.id, rows, 'home'))), query);
      }
    });

    it("never reads the viewer's whole history: the flags and visibility are probes, not hashed subplans", async () => {
      // A viewer with some history of each kind the page checks.
      const author = await c.register('prolific');
      await c.expect(reader, 'POST', `/api/v1/accounts/${author.id}/follow`);
      for (let i = 0; i < 30; i++) {
        const id = (await c.expect(author, 'POST', '/api/v1/statuses', { status: `history ${i} @reader`, visibility: i % 3 ? 'public' : 'private' })).body.id;
        await c.expect(reader, 'POST', `/api/v1/statuses/${id}/${['favourite', 'reblog', 'bookmark'][i % 3]}`).catch(() => {});
      }
      await c.expect(reader, 'POST', `/api/v1/lists/${list.id}/accounts`, { account_ids: [author.id] });
      const reply = (await c.expect(author, 'POST', '/api/v1/statuses', { status: 'a reply to ann', in_reply_to_id: ids[0] })).body.id;
      assert.ok(reply);
      await t.ctx.db.query('analyze');
      for (const path of ['/api/v1/timelines/home', `/api/v1/timelines/list/${list.id}`]) {
        const { statements, parameters } = await read('limit=40', path);
        const at = statements.findIndex((sql) => sql.includes('feed_page as ('));
        assert.ok(at >= 0, path);
        const plan = (await t.ctx.db.query<Record<string, string>>(`explain ${statements[at]}`, parameters[at])).map((r) => Object.values(r)[0]).join('\n');
        assert.ok(plan.includes('SubPlan'), plan);
        assert.doesNotMatch(plan, /hashed SubPlan/, `${path}: ${plan}`);
      }
    });

    it('runs one statement for a warm page without media', async () => {
      await read('limit=20');
      const { body, statements } = await read('limit=20');
      assert.equal(body.length, 20);
      assert.equal(statements.length, 1, statements.join('\n---\n'));
      assert.ok(statements[0]!.includes('feed_page as ('));
    });
  });
}
