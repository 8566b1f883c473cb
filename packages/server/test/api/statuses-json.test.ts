// Timelines send their statuses as JSON text spliced from parts kept with each content
// (api/statuses-json.ts). That text must be exactly JSON.stringify of the entities every other route
// builds (serializers.ts), for every kind of status a page holds, whether the parts were just made or
// kept from an earlier page, and it must follow every change: an edit, a new profile, a moderator's
// action. Checked on the same batch, and through the API against a page hydrated apart. On PGlite and
// on real PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { renderStatuses } from '@firebreak/server/api/render.js';
import { serializeStatuses } from '@firebreak/server/api/serializers.js';
import { statusesJson } from '@firebreak/server/api/statuses-json.js';
import { hydrateStatuses } from '@firebreak/server/domain/hydration.js';
import { getStatuses } from '@firebreak/server/domain/statuses.js';
import { homeTimelineRows } from '@firebreak/server/domain/timelines.js';
import { pngWithAlpha } from '@firebreak/testkit/media-fixtures.js';
import { backends, Client, makeUser, STAFF_SCOPES, startApp, type TestApp, type User } from '@firebreak/testkit/app.js';

for (const backend of backends()) {
  describe(`timelines as JSON text on ${backend}`, () => {
    let t: TestApp;
    let c: Client;
    let reader: User;
    let ann: User;
    let bob: User;
    let edited: string;

    /** The reader's home page through the API, as text, and the same page hydrated apart and stringified. */
    async function both(query = 'limit=40') {
      const res = await c.expect(reader, 'GET', `/api/v1/timelines/home?${query}`);
      const rows = await homeTimelineRows(t.ctx, reader.id, { limit: 40 });
      return { res, text: res.raw.toString('utf8'), apart: JSON.stringify(await renderStatuses(t.ctx, reader.id, rows, 'home')) };
    }

    before(async () => {
      t = await startApp(backend);
      c = new Client(t.app);
      reader = await c.register('reader');
      ann = await c.register('ann');
      bob = await c.register('bob');
      const cyd = await c.register('cyd');
      const staff = await makeUser(t.ctx, STAFF_SCOPES, 'moderator');
      for (const u of [ann, bob, cyd, staff]) await c.expect(reader, 'POST', `/api/v1/accounts/${u.id}/follow`);
      await c.expect(ann, 'PATCH', '/api/v1/accounts/update_credentials', { display_name: 'Ann <b>A</b> "quoted"', note: 'Drills at https://example.com/drills with @bob #Fire' });
      await c.expect(staff, 'POST', `/api/v1/admin/accounts/${bob.id}/action`, { type: 'silence' });
      await c.expect(staff, 'POST', `/api/v1/admin/accounts/${cyd.id}/action`, { type: 'sensitive' });
      const post = async (u: User, body: Record<string, unknown>) => (await c.expect(u, 'POST', '/api/v1/statuses', body)).body.id as string;
      const upload = await c.request('POST', '/api/v2/media', { token: ann.token, multipart: { description: 'a square "with quotes"', file: { bytes: await pngWithAlpha(), filename: 'a.png', type: 'image/png' } } });
      assert.equal(upload.status, 202, JSON.stringify(upload.body));
      for (const until = Date.now() + 60_000; (await c.request('GET', `/api/v1/media/${upload.body.id}`, { token: ann.token })).status === 206;) {
        assert.ok(Date.now() < until, 'media still processing');
        await new Promise((r) => setTimeout(r, 50));
      }
      await post(ann, { status: 'pictured, with ünïcödé ✓ and "quotes" <tags> & \\ backslash', media_ids: [upload.body.id], sensitive: true, spoiler_text: 'a warning' });
      const byBob = await post(bob, { status: 'bob on #Drills and #Fire with @ann', language: 'en' });
      await post(bob, { status: 'for followers', visibility: 'private' });
      await post(cyd, { status: 'from a sensitized account' });
      await c.expect(ann, 'POST', `/api/v1/statuses/${byBob}/reblog`);
      const quote = await post(ann, { status: 'quoting bob', quoted_status_id: byBob });
      await post(staff, { status: 'a quote of a quote', quoted_status_id: quote });
      await c.expect(cyd, 'POST', `/api/v1/statuses/${quote}/reblog`);
      const gone = await post(cyd, { status: 'about to go' });
      await post(ann, { status: 'quoting what goes', quoted_status_id: gone });
      await c.expect(cyd, 'DELETE', `/api/v1/statuses/${gone}`);
      const thread = await post(ann, { status: 'a thread' });
      await post(bob, { status: 'a reply', in_reply_to_id: thread });
      edited = await post(ann, { status: 'before the edit' });
      await c.expect(ann, 'PUT', `/api/v1/statuses/${edited}`, { status: 'after the edit, spoiler' });
      const mine = await post(reader, { status: 'my own, pinned' });
      await c.expect(reader, 'POST', `/api/v1/statuses/${mine}/pin`);
      await c.expect(reader, 'POST', `/api/v1/statuses/${byBob}/favourite`);
      await c.expect(reader, 'POST', `/api/v1/statuses/${quote}/bookmark`);
      await c.expect(reader, 'POST', `/api/v1/statuses/${thread}/mute`);
      await c.expect(reader, 'POST', '/api/v2/filters', { title: 'spoilers', context: ['home'], filter_action: 'warn', keywords_attributes: [{ keyword: 'spoiler' }] });
    });
    after(() => t.close());

    it('is JSON.stringify of the entities, on the same batch, made and kept', async () => {
      const rows = await homeTimelineRows(t.ctx, reader.id, { limit: 40 });
      const batch = await hydrateStatuses(t.ctx.db, t.ctx, reader.id, rows, 'home');
      const entities = serializeStatuses(t.ctx.config, batch, rows);
      const expected = JSON.stringify(entities);
      assert.equal(statusesJson(t.ctx.config, batch, rows).toString(), expected, 'with its parts made now');
      assert.equal(statusesJson(t.ctx.config, batch, rows).toString(), expected, 'with its parts kept');
      // The page holds every kind of status the splice treats apart.
      const all = entities.flatMap((e: any) => [e, e.reblog, e.quote?.quoted_status].filter(Boolean));
      const some = (what: string, test: (e: any) => boolean) => assert.ok(all.some(test), `a status ${what}`);
      some('with a picture', (e) => e.media_attachments.length === 1 && e.sensitive && e.spoiler_text === 'a warning');
      some('reblogged', (e) => e.reblog?.id !== undefined && e.content === '' && e.url === null);
      some('quoting a quote', (e) => e.quote?.quoted_status?.quote?.quoted_status_id !== undefined);
      some('quoting a deleted status', (e) => e.quote?.state === 'deleted');
      some('by a limited account', (e) => e.account.limited === true);
      some('shown sensitive by a moderator', (e) => e.account.username === 'cyd' && e.sensitive === true);
      some('by staff, with a badge', (e) => e.account.roles.length === 1);
      some('with a rendered profile note', (e) => e.account.note.includes('href="https://example.com/drills"'));
      some('with tags and mentions', (e) => e.tags.length === 2 && e.mentions.length === 1);
      some('edited and filtered', (e) => e.edited_at !== null && e.filtered.length === 1);
      some('favourited', (e) => e.favourited === true);
      some('bookmarked', (e) => e.bookmarked === true);
      some('muted', (e) => e.muted === true);
      some('pinned', (e) => e.pinned === true);
      some('in reply', (e) => e.in_reply_to_id !== null);
    });

    it('answers the home timeline as the page hydrated apart, cold and warm', async () => {
      for (const round of ['cold', 'warm']) {
        const { res, text, apart } = await both();
        assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
        assert.equal(text, apart, round);
        assert.equal(JSON.parse(text).length, 13, round);
      }
    });

    it('follows an edit, a new profile and a moderator lifting a limit', async () => {
      await both(); // every part kept
      await c.expect(ann, 'PUT', `/api/v1/statuses/${edited}`, { status: 'edited once more' });
      await c.expect(ann, 'PATCH', '/api/v1/accounts/update_credentials', { display_name: 'Ann again', note: 'a new note' });
      const staff = await makeUser(t.ctx, STAFF_SCOPES, 'moderator');
      await c.expect(staff, 'POST', `/api/v1/admin/accounts/${bob.id}/unsilence`);
      const { text, apart } = await both();
      assert.equal(text, apart);
      const page = JSON.parse(text);
      const all = page.flatMap((e: any) => [e, e.reblog, e.quote?.quoted_status].filter(Boolean));
      assert.ok(all.some((e: any) => e.id === edited && e.content.includes('edited once more')));
      assert.ok(!text.includes('after the edit'));
      const anns = all.filter((e: any) => e.account.id === ann.id);
      assert.ok(anns.length > 3 && anns.every((e: any) => e.account.display_name === 'Ann again' && e.account.note === '<p>a new note</p>'), JSON.stringify(anns.map((e: any) => e.account.display_name)));
      assert.ok(all.filter((e: any) => e.account.id === bob.id).every((e: any) => e.account.limited === undefined));
    });

    it('sends the other timelines as their entities', async () => {
      for (const path of ['/api/v1/timelines/public', '/api/v1/timelines/tag/fire', `/api/v1/accounts/${ann.id}/statuses`, '/api/v1/favourites', '/api/v1/bookmarks', '/api/v1/timelines/tag/nothing']) {
        const res = await c.expect(reader, 'GET', path);
        assert.equal(res.headers['content-type'], 'application/json; charset=utf-8', path);
        const text = res.raw.toString('utf8');
        const ids = JSON.parse(text).map((e: { id: string }) => e.id);
        assert.equal(ids.length > 0, path !== '/api/v1/timelines/tag/nothing', path);
        // The same statuses, hydrated apart: the route's order and what it shows.
        const byId = await getStatuses(t.ctx.db, ids);
        const apart = JSON.stringify(await renderStatuses(t.ctx, reader.id, ids.map((id: string) => byId.get(id)!), path.includes('timelines/') ? 'public' : path.includes('accounts') ? 'account' : null));
        assert.equal(text, apart, path);
      }
    });
  });
}
