// OAuth 2.0 flows as real clients run them.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { backends, Client, startApp, type TestApp } from '@firebreak/testkit/app.js';

const form = (app: TestApp['app'], url: string, fields: Record<string, string>) =>
  app.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString() });

for (const backend of backends()) {
  describe(`OAuth 2.0 on ${backend}`, () => {
    let t: TestApp;
    let c: Client;

    before(async () => {
      t = await startApp(backend, { loginAttemptsPerWindow: 3 });
      c = new Client(t.app);
      await c.register('olivia', 'olivia password 1');
    });
    after(() => t.close());

    it('authorization code with PKCE S256 and a real redirect URI, then refresh and revoke', async () => {
      const reg = await c.request('POST', '/api/v1/apps', { form: { client_name: 'Phone app', redirect_uris: 'https://app.example/callback', scopes: 'read write' } });
      const { client_id, client_secret } = reg.body;
      const verifier = randomBytes(32).toString('base64url');
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      const query = new URLSearchParams({ response_type: 'code', client_id, redirect_uri: 'https://app.example/callback', scope: 'read write', state: 'xyz', code_challenge: challenge, code_challenge_method: 'S256' });
      const page = await t.app.inject({ method: 'GET', url: `/oauth/authorize?${query}` });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /Authorize Phone app/);
      assert.match(String(page.headers['content-security-policy']), /frame-ancestors 'none'/);
      const wrong = await form(t.app, '/oauth/authorize', { ...Object.fromEntries(query), username: 'olivia', password: 'nope nope nope' });
      assert.equal(wrong.statusCode, 401);
      const ok = await form(t.app, '/oauth/authorize', { ...Object.fromEntries(query), username: 'olivia', password: 'olivia password 1' });
      assert.equal(ok.statusCode, 302);
      const location = new URL(String(ok.headers.location));
      assert.equal(location.origin + location.pathname, 'https://app.example/callback');
      assert.equal(location.searchParams.get('state'), 'xyz');
      const code = location.searchParams.get('code')!;
      const badVerifier = await c.request('POST', '/oauth/token', { body: { grant_type: 'authorization_code', code, client_id, redirect_uri: 'https://app.example/callback', code_verifier: 'wrong' } });
      assert.equal(badVerifier.status, 400);
      assert.equal(badVerifier.body.error, 'invalid_grant');
      // The code was consumed by the failed attempt: a stolen code cannot be replayed.
      const replay = await c.request('POST', '/oauth/token', { body: { grant_type: 'authorization_code', code, client_id, code_verifier: verifier } });
      assert.equal(replay.status, 400);

      const again = await form(t.app, '/oauth/authorize', { ...Object.fromEntries(query), username: 'olivia', password: 'olivia password 1' });
      const code2 = new URL(String(again.headers.location)).searchParams.get('code')!;
      const token = await c.request('POST', '/oauth/token', { body: { grant_type: 'authorization_code', code: code2, client_id, redirect_uri: 'https://app.example/callback', code_verifier: verifier } });
      assert.equal(token.status, 200);
      assert.equal(token.body.token_type, 'Bearer');
      assert.equal(token.body.scope, 'read write');
      const me = await c.request('GET', '/api/v1/accounts/verify_credentials', { token: token.body.access_token });
      assert.equal(me.body.username, 'olivia');

      const refreshed = await c.request('POST', '/oauth/token', { body: { grant_type: 'refresh_token', refresh_token: token.body.refresh_token, client_id, client_secret } });
      assert.equal(refreshed.status, 200);
      assert.equal((await c.request('GET', '/api/v1/accounts/verify_credentials', { token: token.body.access_token })).status, 401, 'refresh rotates the old token out');
      assert.equal((await c.request('GET', '/api/v1/accounts/verify_credentials', { token: refreshed.body.access_token })).status, 200);
      const revoked = await c.request('POST', '/oauth/revoke', { body: { client_id, client_secret, token: refreshed.body.access_token } });
      assert.equal(revoked.status, 200);
      assert.equal((await c.request('GET', '/api/v1/accounts/verify_credentials', { token: refreshed.body.access_token })).status, 401);
    });

    it('out-of-band codes are shown on a page, and confidential clients need their secret', async () => {
      const reg = await c.registerApp('read');
      const query = { response_type: 'code', client_id: reg.client_id, redirect_uri: 'urn:ietf:wg:oauth:2.0:oob', scope: 'read' };
      const res = await form(t.app, '/oauth/authorize', { ...query, username: 'olivia@example.test', password: 'olivia password 1' });
      assert.equal(res.statusCode, 200);
      const code = /<code id="code">([^<]+)<\/code>/.exec(res.body)![1]!;
      const noSecret = await c.request('POST', '/oauth/token', { body: { grant_type: 'authorization_code', code, client_id: reg.client_id } });
      assert.equal(noSecret.status, 401);
      assert.equal(noSecret.body.error, 'invalid_client');
    });

    it('refuses unregistered redirect URIs, unknown scopes, scopes beyond the app, and unknown grants', async () => {
      const reg = await c.registerApp('read');
      const bad = await t.app.inject({ method: 'GET', url: `/oauth/authorize?response_type=code&client_id=${reg.client_id}&redirect_uri=https://evil.example/` });
      assert.equal(bad.statusCode, 400);
      const beyond = await c.request('POST', '/oauth/token', { body: { grant_type: 'client_credentials', ...reg, scope: 'write' } });
      assert.equal(beyond.body.error, 'invalid_scope');
      const unknown = await c.request('POST', '/api/v1/apps', { body: { client_name: 'x', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes: 'read admin:everything' } });
      assert.equal(unknown.status, 400);
      const js = await c.request('POST', '/api/v1/apps', { body: { client_name: 'x', redirect_uris: 'javascript:alert(1)' } });
      assert.equal(js.status, 422);
      const grant = await c.request('POST', '/oauth/token', { body: { grant_type: 'magic', ...reg } });
      assert.equal(grant.body.error, 'unsupported_grant_type');
    });

    it('granular and legacy scopes: read:statuses reads, cannot write; follow covers follows', async () => {
      const reg = await c.registerApp('read write follow');
      const narrow = await c.request('POST', '/oauth/token', { body: { grant_type: 'password', ...reg, username: 'olivia', password: 'olivia password 1', scope: 'read:statuses follow' } });
      const token = narrow.body.access_token;
      assert.equal((await c.request('GET', '/api/v1/timelines/home', { token })).status, 200);
      assert.equal((await c.request('POST', '/api/v1/statuses', { token, body: { status: 'x' } })).status, 403);
      assert.equal((await c.request('GET', '/api/v1/notifications', { token })).status, 403);
      const other = await c.register('other');
      assert.equal((await c.request('POST', `/api/v1/accounts/${other.id}/follow`, { token })).status, 200);
      assert.equal((await c.request('GET', '/api/v1/blocks', { token })).status, 200);
    });

    it('stops password brute force per account after a handful of tries', async () => {
      const reg = await c.registerApp('read');
      const attempt = (password: string) => c.request('POST', '/oauth/token', { body: { grant_type: 'password', ...reg, username: 'olivia', password, scope: 'read' } });
      for (let i = 0; i < 3; i++) assert.equal((await attempt(`guess ${i}`)).status, 400);
      const blocked = await attempt('olivia password 1');
      assert.equal(blocked.status, 429, 'even the right password waits while the account is under attack');
      assert.ok(Number(blocked.headers['retry-after']) > 0);
    });
  });
}
