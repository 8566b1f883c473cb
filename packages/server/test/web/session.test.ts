// The web session: an HttpOnly cookie that counts only with the matching CSRF token, sign-in only
// from our own origin, and sign-out revoking the token.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startListeningApp, type RunningApp } from '@firebreak/testkit/app.js';

let server: RunningApp;
before(async () => { server = await startListeningApp(); });
after(async () => { await server.close(); });

function cookiesOf(setCookie: string | string[] | undefined): Record<string, string> {
  const list = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  return Object.fromEntries(list.map((c) => c.split(';')[0]!.split('=') as [string, string]));
}

test('sign up sets an HttpOnly SameSite=Strict session cookie and a readable CSRF cookie', async () => {
  const host = new URL(server.url).host;
  const res = await server.app.inject({ method: 'POST', url: '/auth/sign_up', headers: { host, origin: server.url }, payload: { username: 'sessiontest', email: 'sessiontest@example.com', password: 'long enough password', agreement: 'true' } });
  assert.equal(res.statusCode, 200, res.body);
  const raw = res.headers['set-cookie'] as string[];
  assert.match(raw.find((c) => c.startsWith('fb_session='))!, /HttpOnly; ?|HttpOnly$/);
  assert.match(raw.find((c) => c.startsWith('fb_session='))!, /SameSite=Strict/);
  assert.doesNotMatch(raw.find((c) => c.startsWith('fb_csrf='))!, /HttpOnly/);
  const { fb_session: session, fb_csrf: csrf } = cookiesOf(raw);
  const cookie = `fb_session=${session}; fb_csrf=${csrf}`;

  const withCsrf = await server.app.inject({ url: '/api/v1/accounts/verify_credentials', headers: { cookie, 'x-csrf-token': csrf! } });
  assert.equal(withCsrf.statusCode, 200);
  assert.equal(withCsrf.json().username, 'sessiontest');
  // The cookie alone (what a cross-site request would carry) is not enough, for reads and writes.
  const withoutCsrf = await server.app.inject({ url: '/api/v1/accounts/verify_credentials', headers: { cookie } });
  assert.equal(withoutCsrf.statusCode, 401);
  const forgedCsrf = await server.app.inject({ method: 'POST', url: '/api/v1/statuses', headers: { cookie, 'x-csrf-token': 'guess' }, payload: { status: 'csrf' } });
  assert.equal(forgedCsrf.statusCode, 401);

  // Sign-in from another origin is refused (login CSRF).
  const crossSite = await server.app.inject({ method: 'POST', url: '/auth/sign_in', headers: { host, origin: 'https://evil.example' }, payload: { login: 'sessiontest', password: 'long enough password' } });
  assert.equal(crossSite.statusCode, 403);
  const wrong = await server.app.inject({ method: 'POST', url: '/auth/sign_in', headers: { host, origin: server.url }, payload: { login: 'sessiontest', password: 'wrong password' } });
  assert.equal(wrong.statusCode, 401);

  const out = await server.app.inject({ method: 'POST', url: '/auth/sign_out', headers: { host, origin: server.url, cookie, 'x-csrf-token': csrf! } });
  assert.equal(out.statusCode, 200);
  const after = await server.app.inject({ url: '/api/v1/accounts/verify_credentials', headers: { cookie, 'x-csrf-token': csrf! } });
  assert.equal(after.statusCode, 401, 'the session survived sign-out');
});

test('the page is served with a strict CSP and compressed assets', async () => {
  const page = await server.app.inject({ url: '/', headers: { 'accept-encoding': 'gzip' } });
  assert.equal(page.statusCode, 200);
  assert.match(page.headers['content-security-policy'] as string, /default-src 'self'; script-src 'self'/);
  assert.equal(page.headers['content-encoding'], 'gzip');
  for (const path of ['/@someone', '/@someone/123', '/tags/x', '/notifications']) assert.equal((await server.app.inject({ url: path })).statusCode, 200, path);
  const js = await server.app.inject({ url: '/web/client/app.js' });
  assert.match(js.headers['content-type'] as string, /javascript/);
  const again = await server.app.inject({ url: '/web/client/app.js', headers: { 'if-none-match': js.headers.etag as string } });
  assert.equal(again.statusCode, 304);
});

test('a sign-up retried with its Idempotency-Key (the answer was lost) signs in to the account it made', async () => {
  const host = new URL(server.url).host;
  const payload = { username: 'retrier', email: 'retrier@example.com', password: 'long enough password', agreement: 'true' };
  const send = (body: Record<string, string>, key = 'signup-retry') => server.app.inject({ method: 'POST', url: '/auth/sign_up', headers: { host, origin: server.url, 'idempotency-key': key }, payload: body });
  const first = await send(payload);
  const retry = await send(payload);
  assert.equal(first.statusCode, 200);
  assert.equal(retry.statusCode, 200, retry.body);
  assert.ok(cookiesOf(retry.headers['set-cookie']).fb_session, 'the retry starts a session');
  const other = await send(payload, 'another-key');
  assert.equal(other.statusCode, 422, 'another key is another sign-up, even with the right password: the name is taken');
});
