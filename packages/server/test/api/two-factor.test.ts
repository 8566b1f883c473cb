// Two-factor sign-in (TOTP and recovery codes): set up and removed with the password, asked on the
// web sign-in and on /oauth/authorize's page, refused by the password grant as on Mastodon, and code
// guesses counted like password guesses; on PGlite and PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generate } from 'otplib';
import { backends, Client, startApp, type TestApp } from '@firebreak/testkit/app.js';

const ORIGIN = 'https://firebreak.test';
const PASSWORD = 'correct horse battery';

/** The code of the next 30-second step (accepted: clocks drift), since the current one was used to turn it on. */
const nextCode = (secret: string) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });

function cookiesOf(setCookie: string | string[] | undefined): Record<string, string> {
  const list = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  return Object.fromEntries(list.map((c) => c.split(';')[0]!.split('=') as [string, string]));
}

for (const backend of backends()) {
  describe(`two-factor sign-in on ${backend}`, () => {
    let t: TestApp;
    let c: Client;
    let n = 0;
    /** A web request from our own page. */
    const web = async (url: string, body: Record<string, unknown>, session?: { cookie: string; csrf: string }) => {
      const res = await t.app.inject({
        method: 'POST', url, payload: body,
        headers: { origin: ORIGIN, host: 'firebreak.test', ...(session ? { cookie: session.cookie, 'x-csrf-token': session.csrf } : {}) },
      });
      return { status: res.statusCode, body: res.json(), cookies: cookiesOf(res.headers['set-cookie']) };
    };
    const sessionFrom = (cookies: Record<string, string>) => ({ cookie: `fb_session=${cookies.fb_session}; fb_csrf=${cookies.fb_csrf}`, csrf: cookies.fb_csrf! });
    /** A new account, signed in on the web, with two-factor sign-in set up. */
    const withTwoFactor = async () => {
      const user = await c.register(`second${++n}`);
      const signedIn = await web('/auth/sign_in', { login: user.username, password: PASSWORD });
      const session = sessionFrom(signedIn.cookies);
      assert.equal((await web('/auth/two_factor/setup', { password: 'wrong password' }, session)).status, 422, 'the password first');
      const setup = await web('/auth/two_factor/setup', { password: PASSWORD }, session);
      assert.equal(setup.status, 200, JSON.stringify(setup.body));
      assert.match(setup.body.uri, /^otpauth:\/\/totp\/.*secret=/);
      assert.equal((await web('/auth/two_factor/enable', { code: '000000' }, session)).status, 422, 'a wrong code does not turn it on');
      const enabled = await web('/auth/two_factor/enable', { code: await generate({ secret: setup.body.secret }) }, session);
      assert.equal(enabled.status, 200, JSON.stringify(enabled.body));
      assert.equal(enabled.body.recovery_codes.length, 10);
      return { user, session, secret: setup.body.secret as string, recovery: enabled.body.recovery_codes as string[] };
    };

    before(async () => {
      t = await startApp(backend);
      c = new Client(t.app);
    });
    after(() => t.close());

    it('set up with the password and a code; the web sign-in then asks for a code, once per code', async () => {
      const { user, session, secret } = await withTwoFactor();
      const state = await t.app.inject({ url: '/auth/two_factor', headers: { cookie: session.cookie, 'x-csrf-token': session.csrf } });
      assert.deepEqual(state.json(), { enabled: true });
      assert.equal((await web('/auth/two_factor/setup', { password: PASSWORD }, session)).status, 422, 'already on');

      const first = await web('/auth/sign_in', { login: user.username, password: PASSWORD });
      assert.deepEqual([first.status, first.body.two_factor, first.cookies.fb_session], [200, true, undefined], 'no session before the code');
      const wrong = await web('/auth/sign_in', { challenge: first.body.challenge, code: '123456' });
      assert.equal(wrong.status, 401);
      const code = await nextCode(secret);
      const ok = await web('/auth/sign_in', { challenge: first.body.challenge, code });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.ok(ok.cookies.fb_session, 'the session');
      assert.equal((await web('/auth/sign_in', { challenge: first.body.challenge, code })).status, 401, 'a challenge is used once');
      const second = await web('/auth/sign_in', { login: user.username, password: PASSWORD });
      assert.equal((await web('/auth/sign_in', { challenge: second.body.challenge, code })).status, 401, 'a code is accepted once');
      assert.equal((await web('/auth/sign_in', { challenge: 'made-up', code })).status, 401);
    });

    it('recovery codes work once each; new ones replace the old; turning it off needs the password', async () => {
      const { user, session, recovery } = await withTwoFactor();
      const challenge = async () => (await web('/auth/sign_in', { login: user.username, password: PASSWORD })).body.challenge;
      assert.equal((await web('/auth/sign_in', { challenge: await challenge(), code: recovery[0] })).status, 200);
      assert.equal((await web('/auth/sign_in', { challenge: await challenge(), code: recovery[0] })).status, 401, 'used up');
      const fresh = await web('/auth/two_factor/recovery_codes', { password: PASSWORD }, session);
      assert.equal(fresh.body.recovery_codes.length, 10);
      assert.equal((await web('/auth/sign_in', { challenge: await challenge(), code: recovery[1] })).status, 401, 'the old ones are gone');
      assert.equal((await web('/auth/sign_in', { challenge: await challenge(), code: fresh.body.recovery_codes[0] })).status, 200);
      assert.equal((await web('/auth/two_factor/disable', { password: 'nope nope nope' }, session)).status, 422);
      assert.deepEqual((await web('/auth/two_factor/disable', { password: PASSWORD }, session)).body, { ok: true });
      const plain = await web('/auth/sign_in', { login: user.username, password: PASSWORD });
      assert.ok(plain.cookies.fb_session, 'a password alone signs in again');
      // Only the web UI's session may do any of this; an app's token may not.
      const res = await t.app.inject({ method: 'POST', url: '/auth/two_factor/setup', headers: { origin: ORIGIN, host: 'firebreak.test', authorization: `Bearer ${user.token}` }, payload: { password: PASSWORD } });
      assert.equal(res.statusCode, 401);
    });

    it('the OAuth password grant refuses an account with two-factor sign-in; /oauth/authorize asks for the code', async () => {
      const { user, secret } = await withTwoFactor();
      const creds = await c.registerApp('read write');
      const grant = await c.request('POST', '/oauth/token', { body: { grant_type: 'password', ...creds, username: user.username, password: PASSWORD } });
      assert.deepEqual([grant.status, grant.body.error], [400, 'invalid_grant'], 'as a wrong password, as on Mastodon');

      const form = (fields: Record<string, string>) => t.app.inject({
        method: 'POST', url: '/oauth/authorize', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ response_type: 'code', client_id: creds.client_id, redirect_uri: 'urn:ietf:wg:oauth:2.0:oob', scope: 'read', ...fields }).toString(),
      });
      const asked = await form({ username: user.username, password: PASSWORD });
      assert.equal(asked.statusCode, 200);
      assert.match(asked.body, /name="code"/);
      const challenge = /name="challenge" value="([^"]+)"/.exec(asked.body)![1]!;
      const wrong = await form({ challenge, code: '000000' });
      assert.equal(wrong.statusCode, 401);
      assert.match(wrong.body, /Wrong code/);
      assert.match(wrong.body, /name="challenge"/, 'the code form again, the same challenge');
      const done = await form({ challenge, code: await nextCode(secret) });
      assert.equal(done.statusCode, 200);
      const code = /<code id="code">([^<]+)<\/code>/.exec(done.body)![1]!;
      const token = await c.request('POST', '/oauth/token', { body: { grant_type: 'authorization_code', ...creds, code, redirect_uri: 'urn:ietf:wg:oauth:2.0:oob' } });
      assert.equal(token.status, 200);
      assert.equal((await c.request('GET', '/api/v1/accounts/verify_credentials', { token: token.body.access_token })).body.username, user.username);
    });

    it('code guesses count like password guesses: a handful, then 429 for the account', async () => {
      const { user, secret } = await withTwoFactor();
      const { challenge } = (await web('/auth/sign_in', { login: user.username, password: PASSWORD })).body;
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) statuses.push((await web('/auth/sign_in', { challenge, code: String(100000 + i) })).status);
      assert.ok(statuses.slice(0, 4).every((s) => s === 401), JSON.stringify(statuses));
      assert.ok(statuses.slice(5).every((s) => s === 429), JSON.stringify(statuses));
      assert.equal((await web('/auth/sign_in', { challenge, code: await nextCode(secret) })).status, 429, 'locked, even the right code, until the window passes');
    });
  });
}
