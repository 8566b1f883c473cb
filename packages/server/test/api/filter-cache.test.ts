// Loading statuses applies the reader's filters, remembered in memory (domain/filters.ts
// viewerFilters): a filter created, changed, deleted or expired applies to the very next read, on
// this server and on the others. On PGlite and on real PostgreSQL, and across two app servers
// sharing one PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../eventually.js';
import { backends, Client, freshPostgresUrl, startApp, startListeningApp, type TestApp, type User } from '@firebreak/testkit/app.js';

const homeIds = async (c: Client, user: User) => (await c.expect(user, 'GET', '/api/v1/timelines/home?limit=40', undefined, 200)).body.map((s: { id: string }) => s.id) as string[];

for (const backend of backends()) {
  describe(`filter cache on ${backend}`, () => {
    let t: TestApp;
    let c: Client;
    let n = 0;
    before(async () => {
      t = await startApp(backend);
      c = new Client(t.app);
    });
    after(() => t.close());

    it('a filter created, changed and deleted applies to the next read, warm cache or not', async () => {
      const reader = await c.register(`reader${++n}`);
      const author = await c.register(`author${n}`);
      await c.expect(reader, 'POST', `/api/v1/accounts/${author.id}/follow`, undefined, 200);
      const post = await c.post(author, 'all about kittens today');
      assert.ok((await homeIds(c, reader)).includes(post.id));
      const hits = t.ctx.filterCache.hits;
      assert.ok((await homeIds(c, reader)).includes(post.id));
      assert.ok(t.ctx.filterCache.hits > hits, 'the second read took the filters from memory');

      const filter = (await c.expect(reader, 'POST', '/api/v2/filters', { title: 'Cats', context: ['home'], filter_action: 'hide', keywords_attributes: [{ keyword: 'kittens' }] }, 200)).body;
      assert.ok(!(await homeIds(c, reader)).includes(post.id), 'created: hidden at once');
      await c.expect(reader, 'PUT', `/api/v2/filters/${filter.id}`, { filter_action: 'warn' }, 200);
      assert.ok((await homeIds(c, reader)).includes(post.id), 'changed to warn: shown at once');
      await c.expect(reader, 'PUT', `/api/v2/filters/${filter.id}`, { filter_action: 'hide' }, 200);
      assert.ok(!(await homeIds(c, reader)).includes(post.id));
      await c.expect(reader, 'DELETE', `/api/v2/filters/${filter.id}`, undefined, 200);
      assert.ok((await homeIds(c, reader)).includes(post.id), 'deleted: shown at once');
    });

    it('a filter stops applying when it expires, though memory still holds it', async () => {
      const reader = await c.register(`expiring${++n}`);
      const author = await c.register(`writer${n}`);
      await c.expect(reader, 'POST', `/api/v1/accounts/${author.id}/follow`, undefined, 200);
      const post = await c.post(author, 'puppies everywhere');
      await c.expect(reader, 'POST', '/api/v2/filters', { title: 'Dogs', context: ['home'], filter_action: 'hide', expires_in: 1, keywords_attributes: [{ keyword: 'puppies' }] }, 200);
      assert.ok(!(await homeIds(c, reader)).includes(post.id));
      await new Promise((r) => setTimeout(r, 1100));
      assert.ok((await homeIds(c, reader)).includes(post.id));
    });
  });
}

describe('filter cache across two app servers on one PostgreSQL', { skip: !process.env.FIREBREAK_TEST_DATABASE_URL && 'FIREBREAK_TEST_DATABASE_URL is not set' }, () => {
  it('a filter created through one server hides statuses on the other at once, even if the first relays nothing after its commit', async () => {
    const databaseUrl = await freshPostgresUrl();
    const a = await startListeningApp({ databaseUrl });
    const b = await startListeningApp({ databaseUrl });
    try {
      const ca = new Client(a.app);
      const cb = new Client(b.app);
      const reader = await ca.register('reader');
      const author = await ca.register('author');
      await ca.expect(reader, 'POST', `/api/v1/accounts/${author.id}/follow`, undefined, 200);
      const post = await ca.post(author, 'a spoiler for the finale');
      assert.ok((await homeIds(cb, reader)).includes(post.id));
      assert.ok((await homeIds(cb, reader)).includes(post.id));
      assert.ok(b.ctx.filterCache.size > 0, 'B remembers the reader\'s filters');
      // As if A died the moment it committed: the change must reach B with the commit.
      await a.ctx.relay.stop();
      await ca.expect(reader, 'POST', '/api/v2/filters', { title: 'Spoilers', context: ['home'], filter_action: 'hide', keywords_attributes: [{ keyword: 'spoiler' }] }, 200);
      await eventually(async () => (await homeIds(cb, reader)).includes(post.id), false, 'B hides the post', 2000);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
