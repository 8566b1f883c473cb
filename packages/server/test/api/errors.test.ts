// Bad input gets a clear error and loses nothing: table-driven over every route in the route table.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backends, Client, makeUser, STAFF_SCOPES, startApp, type TestApp, type User } from '@firebreak/testkit/app.js';
import type {} from '@firebreak/server/app.js'; // the routeTable decoration

/** Routes anyone may call without a token. Everything else must declare an auth rule. */
const PUBLIC = new Set([
  'GET /healthz', 'GET /readyz', 'GET /readyz/primary', 'GET /metrics', 'GET /oauth/authorize', 'POST /oauth/authorize', 'POST /oauth/token', 'POST /oauth/revoke',
  'GET /.well-known/oauth-authorization-server', 'GET /.well-known/nodeinfo', 'GET /nodeinfo/2.0', 'POST /api/v1/apps',
  'GET /api/v1/instance', 'GET /api/v2/instance', 'GET /api/v1/custom_emojis', 'GET /api/v1/accounts/lookup',
  'GET /avatars/original/missing.png', 'GET /headers/original/missing.png', 'GET /api/v1/streaming/health',
  // The WebSocket handshake and the Server-Sent Events streams authenticate in their handlers (token
  // in the header, the query or the protocol header), before a stream opens (test/web/streams.test.ts).
  'GET /api/v1/streaming', 'GET /api/v1/streaming/user', 'GET /api/v1/streaming/user/notification', 'GET /api/v1/streaming/public',
  'GET /api/v1/streaming/public/local', 'GET /api/v1/streaming/public/remote', 'GET /api/v1/streaming/hashtag', 'GET /api/v1/streaming/hashtag/local',
  'GET /api/v1/streaming/list', 'GET /api/v1/streaming/direct',
  // Public on Mastodon too: trends and what an instance says about itself, an account's featured
  // hashtags and endorsements (empty here).
  'GET /api/v1/trends', 'GET /api/v1/trends/tags', 'GET /api/v1/trends/statuses', 'GET /api/v1/trends/links',
  'GET /api/v1/instance/peers', 'GET /api/v1/instance/rules', 'GET /api/v1/instance/extended_description',
  'GET /api/v1/instance/activity', 'GET /api/v1/instance/languages', 'GET /api/v1/instance/translation_languages',
  'GET /api/v1/accounts/:id/featured_tags', 'GET /api/v1/accounts/:id/endorsements',
]);
/** The web UI's pages and its first-party sign-in forms are public by nature; they are tested in test/web. */
const isWebPage = (url: string) => !url.startsWith('/api/') && !url.startsWith('/oauth/') && !url.startsWith('/.well-known/') && !url.startsWith('/nodeinfo/') && !url.startsWith('/healthz') && !url.startsWith('/readyz') && !url.startsWith('/metrics');

const isError = (body: any) => body && typeof body.error === 'string' && body.error.length > 0;

for (const backend of backends()) {
  describe(`error handling on ${backend}`, () => {
    let t: TestApp;
    let c: Client;
    let alice: User, bob: User;
    let pushOnly: string, readOnly: string;
    /** An owner with every scope: what a route answers once scopes and permissions are no obstacle. */
    let owner: User;
    /** Every scope, no permission: what the admin API answers to an ordinary account. */
    let ordinary: User;
    let aliceStatus: any, privateStatus: any;
    const fill = (url: string, id: string) => url.replace(':id', id).replace(':hashtag', 'tag').replace(':name', 'tag');

    before(async () => {
      t = await startApp(backend, { bodyLimitBytes: 4096 });
      c = new Client(t.app);
      alice = await c.register('alice');
      bob = await c.register('bob');
      aliceStatus = await c.post(alice, 'hello');
      privateStatus = await c.post(alice, 'secret', { visibility: 'private' });
      const creds = await c.registerApp('read write follow push');
      const tok = await c.request('POST', '/oauth/token', { body: { grant_type: 'password', ...creds, username: 'bob', password: 'correct horse battery', scope: 'push' } });
      assert.equal(tok.status, 200, JSON.stringify(tok.body));
      pushOnly = tok.body.access_token;
      const readTok = await c.request('POST', '/oauth/token', { body: { grant_type: 'password', ...creds, username: 'bob', password: 'correct horse battery', scope: 'read' } });
      readOnly = readTok.body.access_token;
      owner = await makeUser(t.ctx, STAFF_SCOPES, 'owner');
      ordinary = await makeUser(t.ctx, STAFF_SCOPES);
    });
    after(() => t.close());

    it('every API route declares an auth rule unless it is deliberately public', () => {
      const undeclared = t.app.routeTable
        .filter((r) => r.method !== 'OPTIONS' && !r.auth && !PUBLIC.has(`${r.method} ${r.url}`) && !isWebPage(r.url) && !r.url.startsWith('/api/firebreak/'))
        .map((r) => `${r.method} ${r.url}`);
      assert.deepEqual(undeclared, []);
      assert.ok(t.app.routeTable.length > 50);
    });

    it('401 without a token or with a bad one, on every authenticated route', async () => {
      for (const r of t.app.routeTable.filter((r) => r.auth && r.auth.mode !== 'optional')) {
        const url = fill(r.url, aliceStatus.id);
        for (const token of [undefined, 'not-a-real-token']) {
          const res = await c.request(r.method, url, { token, body: r.method === 'GET' ? undefined : {} });
          assert.equal(res.status, 401, `${r.method} ${url} token=${token}`);
          assert.ok(isError(res.body), `${r.method} ${url} body`);
        }
      }
    });

    it('403 when the token lacks the route\'s scope, on every scoped route', async () => {
      for (const r of t.app.routeTable.filter((r) => r.auth?.scope && r.auth.mode !== 'app')) {
        const url = fill(r.url, aliceStatus.id);
        // A push-only token for every route but the push subscription's own, which a read-only one may not use.
        const token = [r.auth!.scope].flat().includes('push') ? readOnly : pushOnly;
        const res = await c.request(r.method, url, { token, body: r.method === 'GET' ? undefined : {} });
        assert.equal(res.status, 403, `${r.method} ${url}`);
        assert.ok(isError(res.body));
      }
    });

    it('403 when the role lacks the route\'s permission, on every route that needs one, whatever the token\'s scopes', async () => {
      const guarded = t.app.routeTable.filter((r) => r.auth?.permission);
      assert.ok(guarded.length >= 40, `found ${guarded.length} routes with a permission`);
      for (const r of guarded) {
        const url = fill(r.url, ordinary.id);
        const res = await c.request(r.method, url, { token: ordinary.token, body: r.method === 'GET' ? undefined : {} });
        assert.equal(res.status, 403, `${r.method} ${url}`);
        assert.equal(res.body.error, 'This action is not allowed', `${r.method} ${url}`);
      }
    });

    it('404 for unknown and non-numeric ids on every :id route', async () => {
      for (const r of t.app.routeTable.filter((r) => r.url.includes(':id'))) {
        for (const id of ['999999999999', 'abc', '1'.repeat(30)]) {
          const res = await c.request(r.method, fill(r.url, id), { token: owner.token, body: r.method === 'GET' ? undefined : {} });
          assert.equal(res.status, 404, `${r.method} ${fill(r.url, id)}`);
          assert.ok(isError(res.body));
        }
      }
    });

    it('another user\'s objects: 404 where Mastodon hides them, never a change', async () => {
      assert.equal((await c.request('DELETE', `/api/v1/statuses/${aliceStatus.id}`, { token: bob.token })).status, 404);
      assert.equal((await c.request('GET', `/api/v1/statuses/${privateStatus.id}`, { token: bob.token })).status, 404);
      assert.equal((await c.request('POST', `/api/v1/statuses/${privateStatus.id}/favourite`, { token: bob.token })).status, 404);
      assert.equal((await c.request('POST', `/api/v1/statuses/${aliceStatus.id}/pin`, { token: bob.token })).status, 422);
      assert.equal((await c.request('GET', `/api/v1/statuses/${aliceStatus.id}`)).status, 200, 'still there');
    });

    it('malformed JSON is 400, unsupported content type 415, oversize body 413, on every write route', async () => {
      for (const r of t.app.routeTable.filter((r) => ['POST', 'PUT', 'PATCH'].includes(r.method))) {
        const url = fill(r.url, aliceStatus.id);
        const malformed = await t.app.inject({ method: r.method as 'POST', url, headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' }, payload: '{"status": ' });
        assert.equal(malformed.statusCode, 400, `${r.method} ${url} malformed`);
        assert.ok(isError(malformed.json()));
        const big = await t.app.inject({ method: r.method as 'POST', url, headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' }, payload: JSON.stringify({ status: 'x'.repeat(5000) }) });
        assert.equal(big.statusCode, 413, `${r.method} ${url} oversize`);
        assert.ok(isError(big.json()));
        const xml = await t.app.inject({ method: r.method as 'POST', url, headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/xml' }, payload: '<a/>' });
        assert.equal(xml.statusCode, 415, `${r.method} ${url} xml`);
      }
    });

    it('invalid pagination parameters on every list route: a bad limit is 400, a malformed cursor id 404 (as any id that cannot exist)', async () => {
      // Every paginated list (GET /api/v1/statuses and /api/v1/accounts fetch by id[] and do not page).
      const lists = t.app.routeTable.filter((r) => r.method === 'GET' && r.url.startsWith('/api/') && !['/api/v1/statuses', '/api/v1/accounts'].includes(r.url)
        && /timelines|statuses$|followers|following|favourites|bookmarks|notifications$|blocks$|mutes|_by$|quotes$|follow_requests$|conversations$|lists$|filters$|tags$|suggestions$|endorsements$|trends|admin\/(accounts|reports|action_logs)$|invites$/.test(r.url));
      assert.ok(lists.length >= 25, `found ${lists.length} list routes`);
      for (const r of lists) {
        const cases: Array<[string, number]> = [['limit=abc', 400], ['limit=-1', 400], ['max_id=abc', 404], ['since_id=1.5', 404], ['min_id=%27or%201=1', 404], ['max_id=99999999999999999999', 404]];
        for (const [q, status] of cases) {
          const id = r.url.startsWith('/api/v1/accounts') ? alice.id : aliceStatus.id;
          const staffOnly = r.url.includes('/admin/') || r.url.includes('/invites');
          const res = await c.request('GET', `${fill(r.url, id)}?${q}`, { token: staffOnly ? owner.token : alice.token });
          assert.equal(res.status, status, `${r.url}?${q}`);
          assert.ok(isError(res.body));
        }
      }
    });

    it('statuses: empty, oversize, bad visibility or language are 422 and create nothing', async () => {
      const before = (await c.request('GET', '/api/v1/accounts/verify_credentials', { token: alice.token })).body.statuses_count;
      const cases: Array<[unknown, number]> = [
        [{ status: '' }, 422], [{ status: '   ' }, 422], [{ status: 'x'.repeat(501) }, 422], [{ status: 'ok', visibility: 'friends' }, 422],
        [{ status: 'ok', language: 'english!' }, 422], [{ status: 123 }, 422], [{ status: 'ok', in_reply_to_id: 'abc' }, 404], [{ status: 'ok', quoted_status_id: '1x' }, 404],
        [{ status: 'ok', media_ids: ['1'] }, 422], [[1, 2], 400],
      ];
      for (const [body, status] of cases) {
        const res = await c.request('POST', '/api/v1/statuses', { token: alice.token, body });
        assert.equal(res.status, status, JSON.stringify(body));
        assert.ok(isError(res.body));
      }
      const ok = await c.request('POST', '/api/v1/statuses', { token: alice.token, body: { status: `${'x'.repeat(470)} https://example.com/${'y'.repeat(200)}` } });
      assert.equal(ok.status, 200, 'a URL counts as 23 characters');
      const bad = await c.request('POST', '/api/v1/statuses', { token: alice.token, body: { status: 'ok' }, headers: { 'idempotency-key': 'x'.repeat(300) } });
      assert.equal(bad.status, 422);
      const afterCount = (await c.request('GET', '/api/v1/accounts/verify_credentials', { token: alice.token })).body.statuses_count;
      assert.equal(afterCount, before + 1);
    });

    it('NUL characters, which PostgreSQL text cannot hold, are 422 wherever text goes in, and change nothing', async () => {
      const nul = 'a\u0000b';
      const before = (await c.request('GET', '/api/v1/accounts/verify_credentials', { token: alice.token })).body;
      const writes: Array<[string, string, unknown]> = [
        ['PATCH', '/api/v1/accounts/update_credentials', { display_name: '\u0000' }],
        ['PATCH', '/api/v1/accounts/update_credentials', { note: nul }],
        ['POST', '/api/v1/statuses', { status: nul }],
        ['POST', '/api/v1/statuses', { status: 'ok', spoiler_text: nul }],
      ];
      for (const [method, url, body] of writes) {
        const res = await c.request(method, url, { token: alice.token, body });
        assert.equal(res.status, 422, `${method} ${url} ${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
        assert.match(res.body.error, /NUL/);
      }
      for (const url of [`/api/v2/search?q=${encodeURIComponent(nul)}`, `/api/v1/timelines/tag/${encodeURIComponent(nul)}`, `/api/v1/accounts/lookup?acct=${encodeURIComponent(nul)}`]) {
        const res = await c.request('GET', url, { token: alice.token });
        assert.ok(res.status < 500, `${url}: ${res.status} ${JSON.stringify(res.body)}`);
      }
      const afterwards = (await c.request('GET', '/api/v1/accounts/verify_credentials', { token: alice.token })).body;
      assert.equal(afterwards.display_name, before.display_name);
      assert.equal(afterwards.statuses_count, before.statuses_count);
    });

    it('unknown routes are 404 with an error body', async () => {
      const res = await c.request('GET', '/api/v1/nope');
      assert.equal(res.status, 404);
      assert.ok(isError(res.body));
    });
  });
}
