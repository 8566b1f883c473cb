// Request-schema fuzzing: arbitrary bodies and query strings on every route never produce a 500 or
// a non-JSON error; they are answered with a 2xx or a clear 4xx.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { backends, Client, startApp, type TestApp, type User } from '@firebreak/testkit/app.js';
import type {} from '@firebreak/server/app.js'; // the routeTable decoration

const keys = ['status', 'visibility', 'in_reply_to_id', 'quoted_status_id', 'spoiler_text', 'sensitive', 'language', 'media_ids', 'poll',
  'display_name', 'note', 'locked', 'reblogs', 'notify', 'notifications', 'client_name', 'redirect_uris', 'scopes', 'grant_type',
  'username', 'email', 'password', 'agreement', 'code', 'client_id', 'client_secret', 'token', 'limit', 'max_id', 'q', 'type', 'offset',
  'quote_approval_policy', 'scheduled_at', 'current_password', 'new_password', 'timeline', 'home', 'notifications', 'types', 'exclude_types', 'id', 'account_id'];

const value = fc.oneof(
  fc.string({ maxLength: 40 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null),
  fc.constantFrom('', '0', '-1', '99999999999999999999', '1e400', 'public', 'direct', 'true', 'read write', '\u0000', '../../etc/passwd'),
  fc.array(fc.oneof(fc.string({ maxLength: 10 }), fc.integer()), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);
const body = fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 6 });

for (const backend of backends()) {
  describe(`request fuzzing on ${backend}`, () => {
    let t: TestApp;
    let c: Client;
    let user: User;
    let statusId: string;

    before(async () => {
      t = await startApp(backend);
      c = new Client(t.app);
      user = await c.register('fuzzer');
      statusId = (await c.post(user, 'target')).id;
    });
    after(() => t.close());

    it('never answers 5xx to arbitrary JSON bodies or query strings', async () => {
      // Server-Sent Events streams stay open by design; their refusals are tested in test/web/streams.test.ts.
      const routes = t.app.routeTable.filter((r) => r.method !== 'OPTIONS' && !(r.url.startsWith('/api/v1/streaming/') && r.url !== '/api/v1/streaming/health'));
      await fc.assert(fc.asyncProperty(fc.constantFrom(...routes), body, async (route, payload) => {
        const url = route.url.replace(':id', statusId).replace(':hashtag', 'tag').replace(':name', 'tag');
        const query = new URLSearchParams(Object.entries(payload).map(([k, v]) => [k, typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)])).toString();
        const res = route.method === 'GET'
          ? await c.request('GET', `${url}?${query}`, { token: user.token })
          : await c.request(route.method, url, { token: user.token, body: payload });
        assert.ok(res.status < 500, `${route.method} ${url} ${JSON.stringify(payload)} → ${res.status} ${JSON.stringify(res.body)}`);
        if (res.status >= 400 && !url.startsWith('/oauth/authorize')) assert.equal(typeof res.body?.error, 'string', `${route.method} ${url} error body`);
      }), { numRuns: backend === 'pglite' ? 600 : 300 });
    });
  });
}
