// An existing Mastodon client library (masto.js) works against Firebreak unchanged, over real HTTP.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createOAuthAPIClient, createRestAPIClient } from 'masto';
import { Client, startApp, type TestApp } from '../support/app.js';

let t: TestApp;
let url: string;

before(async () => {
  t = await startApp('pglite');
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
after(() => t.close());

it('registers an app, signs up, posts, reads timelines, interacts and searches with masto.js', async () => {
  const anonymous = createRestAPIClient({ url });
  const app = await anonymous.v1.apps.create({ clientName: 'masto test', redirectUris: 'urn:ietf:wg:oauth:2.0:oob', scopes: 'read write follow' });
  assert.ok(app.clientId && app.clientSecret);
  const oauth = createOAuthAPIClient({ url });
  const appToken = await oauth.token.create({ grantType: 'client_credentials', redirectUri: 'urn:ietf:wg:oauth:2.0:oob', clientId: app.clientId!, clientSecret: app.clientSecret!, scope: 'read write follow' });
  const signup = createRestAPIClient({ url, accessToken: appToken.accessToken });
  const token = await signup.v1.accounts.create({ username: 'masto', email: 'masto@example.test', password: 'a good password', agreement: true, locale: 'en' });
  const masto = createRestAPIClient({ url, accessToken: token.accessToken });

  const me = await masto.v1.accounts.verifyCredentials();
  assert.equal(me.username, 'masto');
  const instance = await masto.v2.instance.fetch();
  assert.equal(instance.configuration.statuses.maxCharacters, 500);

  const status = await masto.v1.statuses.create({ status: 'Hello from masto.js #interop', visibility: 'public' });
  assert.equal(status.account.id, me.id);
  const reply = await masto.v1.statuses.create({ status: 'and a reply', inReplyToId: status.id });
  const context = await masto.v1.statuses.$select(status.id).context.fetch();
  assert.deepEqual(context.descendants.map((s) => s.id), [reply.id]);
  const faved = await masto.v1.statuses.$select(status.id).favourite();
  assert.equal(faved.favourited, true);

  const home = await masto.v1.timelines.home.list({ limit: 10 });
  assert.deepEqual(home.map((s) => s.id), [reply.id, status.id]);
  const tagged = await masto.v1.timelines.tag.$select('interop').list();
  assert.deepEqual(tagged.map((s) => s.id), [status.id]);
  const found = await masto.v2.search.list({ q: 'masto', type: 'accounts' });
  assert.equal(found.accounts[0]?.username, 'masto');

  // masto.js follows the Link header to page through results.
  for (let i = 0; i < 4; i++) await masto.v1.statuses.create({ status: `page ${i}` });
  const pages: string[][] = [];
  for await (const page of masto.v1.accounts.$select(me.id).statuses.list({ limit: 2 })) {
    pages.push(page.map((s) => s.id));
    if (pages.length > 5) break;
  }
  assert.equal(pages.flat().length, 6);
  assert.equal(new Set(pages.flat()).size, 6);

  const client = new Client(t.app);
  const missing = await client.request('GET', '/api/v1/statuses/1');
  assert.equal(missing.status, 404);
  await assert.rejects(masto.v1.statuses.$select('1').fetch(), (e: Error & { statusCode?: number }) => e.statusCode === 404);
});
