// Mastodon parameters Firebreak does not implement are refused with 422 when they ask for anything
// but what Firebreak does anyway, never silently dropped; the empty values clients send with every
// request still pass. On PGlite and PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backends, Client, startApp, type TestApp, type User } from '@firebreak/testkit/app.js';

for (const backend of backends()) {
  describe(`unsupported parameters on ${backend}`, () => {
    let t: TestApp;
    let c: Client;
    let ann: User;
    let bob: User;

    before(async () => {
      t = await startApp(backend);
      c = new Client(t.app);
      ann = await c.register('ann');
      bob = await c.register('bob');
    });
    after(() => t.close());

    const expect = async (method: string, url: string, body: unknown, status: number, form?: Record<string, string>) => {
      const res = await c.request(method, url, { token: ann.token, body: form ? undefined : body, form });
      assert.equal(res.status, status, `${method} ${url} ${JSON.stringify(form ?? body)}: ${JSON.stringify(res.body)}`);
      if (status === 422) assert.match(res.body.error, /not supported/);
      return res.body;
    };

    it('profile: fields, default post settings, hidden collections, indexing apart from discoverability', async () => {
      const url = '/api/v1/accounts/update_credentials';
      for (const body of [
        { fields_attributes: [{ name: 'Site', value: 'https://example.com' }] }, { fields_attributes: { 0: { name: 'a', value: 'b' } } },
        { source: { privacy: 'private' } }, { source: { sensitive: true } }, { source: { language: 'de' } }, { source: { quote_policy: 'followers' } },
        { hide_collections: true }, { attribution_domains: ['example.com'] }, { indexable: false },
      ]) await expect('PATCH', url, body, 422);
      await expect('PATCH', url, null, 422, { 'fields_attributes[0][name]': 'Site', 'fields_attributes[0][value]': 'x', display_name: 'Ann' });
      await expect('PATCH', url, null, 422, { 'source[privacy]': 'unlisted' });
      assert.notEqual((await c.request('GET', '/api/v1/accounts/verify_credentials', { token: ann.token })).body.display_name, 'Ann', 'nothing changed');
      // What clients send with every profile edit passes.
      const ok = await expect('PATCH', url, {
        display_name: 'Ann', fields_attributes: [{ name: '', value: '' }], source: { privacy: 'public', sensitive: false, language: '' },
        hide_collections: false, indexable: true, discoverable: true, attribution_domains: [],
      }, 200);
      assert.equal(ok.display_name, 'Ann');
      await expect('PATCH', url, null, 200, { 'fields_attributes[0][name]': '', 'fields_attributes[0][value]': '', 'source[privacy]': 'public' });
      await expect('PATCH', url, { discoverable: false, indexable: false }, 200);
    });

    it('posts, follows, hashtag timelines and search', async () => {
      const post = await c.post(ann, 'a post #plain');
      await expect('PUT', `/api/v1/statuses/${post.id}`, { status: 'edited', poll: { options: ['a', 'b'], expires_in: 600 } }, 422);
      await expect('POST', `/api/v1/accounts/${bob.id}/follow`, { languages: ['de'] }, 422);
      await expect('POST', `/api/v1/accounts/${bob.id}/follow`, { languages: [] }, 200);
      await expect('GET', '/api/v1/timelines/tag/plain?any[]=other', undefined, 422);
      assert.deepEqual(await expect('GET', '/api/v1/timelines/tag/plain?only_media=true', undefined, 200), [], 'nothing with that tag has media');
      assert.equal((await expect('GET', '/api/v1/timelines/tag/plain', undefined, 200)).length, 1);
      await expect('GET', '/api/v2/search?q=ann&following=true', undefined, 422);
      await expect('GET', `/api/v2/search?q=ann&account_id=${bob.id}`, undefined, 422);
      await expect('GET', '/api/v2/search?q=ann&following=false&resolve=true', undefined, 200);
    });
  });
}
