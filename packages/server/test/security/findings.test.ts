// The hostile-user review (issue 14): one test per hole it found, each of which got through before
// its fix. On PGlite and on real PostgreSQL. The status service's findings are in
// packages/status/test/security.test.ts; the visibility rule's every path is in visibility.test.ts.
import assert from 'node:assert/strict';
import { randomBytes, scryptSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { sha256 } from '@firebreak/server/domain/tokens.js';
import { backends, Client, freshPostgresUrl, startApp, startListeningApp, type RunningApp, type TestApp } from '@firebreak/testkit/app.js';

const PASSWORD = 'correct horse battery';
const form = (o: Record<string, string>) => new URLSearchParams(o).toString();

for (const backend of backends()) {
  describe(`hostile users against ${backend}`, () => {
    let t: TestApp;
    let c: Client;
    let n = 0;
    const fresh = (prefix: string) => c.register(`${prefix}${++n}`);
    const guess = async (login: string, password: string, address = '198.51.100.7') => {
      const app = await c.registerApp();
      return t.app.inject({ method: 'POST', url: '/oauth/token', remoteAddress: address, headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ grant_type: 'password', username: login, password, ...app, scope: 'read' }) });
    };
    const me = async (token: string) => (await c.request('GET', '/api/v1/accounts/verify_credentials', { token })).status;

    before(async () => {
      t = await startApp(backend, { loginAttemptsPerWindow: 5 });
      c = new Client(t.app);
    });
    after(() => t.close());

    it('1. sign-up is neither a password oracle nor a way around a lockout: a replay needs its Idempotency-Key', async () => {
      const victim = await fresh('victim');
      for (let i = 0; i < 6; i++) await guess(victim.username, `wrong guess ${i}`);
      assert.equal((await guess(victim.username, PASSWORD)).statusCode, 429, 'the account is locked');
      const appToken = await c.appTokenFor();
      const body = (password: string) => ({ username: victim.username, email: `${victim.username}@example.test`, password, agreement: true });
      const right = await c.request('POST', '/api/v1/accounts', { token: appToken, body: body(PASSWORD), headers: { 'idempotency-key': 'attacker-key' } });
      const wrong = await c.request('POST', '/api/v1/accounts', { token: appToken, body: body('not the password'), headers: { 'idempotency-key': 'attacker-key-2' } });
      assert.equal(right.status, 422, 'the right password gets no token');
      assert.equal(right.body.access_token, undefined);
      assert.deepEqual(right.body, wrong.body, 'and the answer does not tell a right password from a wrong one');
    });

    it('2. change_password checks the current password every time, and counts wrong ones like logins', async () => {
      const user = await fresh('pw');
      const same = await c.request('POST', '/api/v1/accounts/change_password', { token: user.token, body: { current_password: 'a wrong guess', new_password: PASSWORD } });
      assert.equal(same.status, 422, '"new equals current" is no longer an oracle');
      let last = 0;
      for (let i = 0; i < 6; i++) last = (await c.request('POST', '/api/v1/accounts/change_password', { token: user.token, body: { current_password: `guess ${i}`, new_password: 'whatever it is 1' } })).status;
      assert.equal(last, 429, 'guessing the current password is limited like logins');
    });

    it('3. a password change revokes every other token of every app', async () => {
      const user = await fresh('change');
      const otherApp = await c.request('POST', '/oauth/token', { body: { grant_type: 'password', username: user.username, password: PASSWORD, ...(await c.registerApp()), scope: 'read' } });
      assert.equal(await me(otherApp.body.access_token), 200);
      const changed = await c.request('POST', '/api/v1/accounts/change_password', { token: user.token, body: { current_password: PASSWORD, new_password: 'a new password entirely' } });
      assert.equal(changed.status, 200);
      assert.equal(await me(otherApp.body.access_token), 401, "another app's token stops working");
      assert.equal(await me(user.token), 200, 'the token that changed it stays');
    });

    it("4. reblogging one's own followers-only post keeps it followers-only, and a block holds through someone else's reblog", async () => {
      const author = await fresh('author');
      const secret = await c.post(author, 'for followers only', { visibility: 'private' });
      const reblog = await c.request('POST', `/api/v1/statuses/${secret.id}/reblog`, { token: author.token, body: { visibility: 'public' } });
      assert.equal(reblog.status, 200);
      assert.equal(reblog.body.visibility, 'private');
      assert.equal((await c.request('GET', `/api/v1/statuses/${reblog.body.id}`)).status, 404, 'anonymous readers cannot see the reblog');
      const profile = await c.request('GET', `/api/v1/accounts/${author.id}/statuses`);
      assert.deepEqual(profile.body, [], 'nor find it on the public profile');

      const blocker = await fresh('blocker');
      const blocked = await fresh('blocked');
      const friend = await fresh('friend');
      const post = await c.post(blocker, 'public, but not for the one I block');
      await c.request('POST', `/api/v1/accounts/${blocked.id}/block`, { token: blocker.token });
      await c.request('POST', `/api/v1/accounts/${friend.id}/follow`, { token: blocked.token });
      const shared = await c.request('POST', `/api/v1/statuses/${post.id}/reblog`, { token: friend.token });
      assert.equal(shared.status, 200);
      const ids = (res: { body: Array<{ id: string }> }) => res.body.map((s) => s.id);
      assert.ok(!ids(await c.request('GET', '/api/v1/timelines/home', { token: blocked.token })).includes(shared.body.id), 'not in the home timeline');
      assert.ok(!ids(await c.request('GET', `/api/v1/accounts/${friend.id}/statuses`, { token: blocked.token })).includes(shared.body.id), 'not on the friend\'s profile');
      assert.equal((await c.request('GET', `/api/v1/statuses/${shared.body.id}`, { token: blocked.token })).status, 404, 'not by id');
      assert.ok(ids(await c.request('GET', `/api/v1/accounts/${friend.id}/statuses`, { token: friend.token })).includes(shared.body.id), 'the reblogger still sees it');
    });

    it('5. a notification about a status its reader may no longer see is gone (a direct message edited to someone else)', async () => {
      const sender = await fresh('sender');
      const first = await fresh('first');
      const second = await fresh('second');
      // Private mentions from people one does not follow are filtered by default (Mastodon 4.3's policy).
      await c.request('PATCH', '/api/v2/notifications/policy', { token: first.token, body: { for_private_mentions: 'accept' } });
      const dm = await c.post(sender, `@${first.username} a secret`, { visibility: 'direct' });
      const [note] = (await c.request('GET', '/api/v1/notifications', { token: first.token })).body;
      assert.equal(note.status.id, dm.id);
      await c.request('PUT', `/api/v1/statuses/${dm.id}`, { token: sender.token, body: { status: `@${second.username} a different secret` } });
      const after = await c.request('GET', '/api/v1/notifications', { token: first.token });
      assert.ok(!JSON.stringify(after.body).includes('a different secret'), 'the new text never reaches the first recipient');
      assert.equal((await c.request('GET', `/api/v1/notifications/${note.id}`, { token: first.token })).status, 404);
    });

    it('8. over-long text is refused before it is parsed, and an edit of someone else\'s status is refused before its text is looked at', async () => {
      const owner = await fresh('owner');
      const other = await fresh('other');
      const status = await c.post(owner, 'mine');
      const huge = 'http://x.com/ a.b @c #d '.repeat(800);
      assert.equal((await c.request('PUT', `/api/v1/statuses/${status.id}`, { token: other.token, body: { status: huge } })).status, 404, 'ownership first');
      // Twenty 300-character links count as 479 characters, but are 6,000 to parse: refused unparsed.
      const links = Array.from({ length: 20 }, (_, i) => `https://example.com/${String(i).padStart(279, 'a')}`).join(' ');
      const long = await c.request('POST', '/api/v1/statuses', { token: owner.token, body: { status: links } });
      assert.equal(long.status, 422);
      assert.match(long.body.error, /character limit/);
    });

    it("9. an account's e-mail and username share one lockout counter", async () => {
      const user = await fresh('both');
      for (let i = 0; i < 3; i++) await guess(`${user.username}@example.test`, `wrong ${i}`);
      for (let i = 0; i < 2; i++) await guess(user.username, `wrong again ${i}`);
      assert.equal((await guess(user.username, PASSWORD)).statusCode, 429, 'five guesses in all, whichever name they used');
    });

    it('10. malformed percent-encoding is a 4xx, never a 500', async () => {
      const basic = Buffer.from('client%ZZ:secret%E0%A4').toString('base64');
      const token = await t.app.inject({ method: 'POST', url: '/oauth/token', headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ grant_type: 'client_credentials' }) });
      assert.equal(token.statusCode, 401);
      const cookie = await t.app.inject({ method: 'GET', url: '/api/v1/timelines/home', headers: { cookie: 'fb_session=%E0%A4%A', 'x-csrf-token': 'x' } });
      assert.equal(cookie.statusCode, 401);
    });

    it('12. the smaller ones: codes, redirect URIs, refresh reuse, secrets and hashes, readiness, metrics, tokens in URLs', async () => {
      const user = await fresh('small');
      const app = await c.request('POST', '/api/v1/apps', { body: { client_name: 'probe', redirect_uris: 'https://probe.example/cb', scopes: 'read write' } });
      const { client_id, client_secret } = app.body;
      // Client secrets are stored hashed.
      const [row] = await t.ctx.db.query('select * from apps where client_id = $1', [client_id]);
      assert.ok(!JSON.stringify(row).includes(client_secret), 'the secret is not stored as given');
      assert.equal(row!.client_secret_hash, sha256(client_secret));

      const authorize = async () => {
        const res = await t.app.inject({ method: 'POST', url: '/oauth/authorize', headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: form({ response_type: 'code', client_id, redirect_uri: 'https://probe.example/cb', scope: 'read', username: user.username, password: PASSWORD }) });
        return new URL(res.headers.location as string).searchParams.get('code')!;
      };
      const exchange = (code: string, extra: Record<string, string>) =>
        c.request('POST', '/oauth/token', { body: { grant_type: 'authorization_code', code, client_id, ...extra } });
      const code = await authorize();
      assert.equal((await exchange(code, { client_secret: 'wrong', redirect_uri: 'https://probe.example/cb' })).status, 401);
      assert.equal((await exchange(code, { client_secret })).status, 400, 'redirect_uri is required');
      const ok = await exchange(code, { client_secret, redirect_uri: 'https://probe.example/cb' });
      assert.equal(ok.status, 200, 'failed attempts did not burn the code');

      // A refresh token used again after its rotation (past the retry window) revokes the family.
      const refresh = (token: string) => c.request('POST', '/oauth/token', { body: { grant_type: 'refresh_token', refresh_token: token, client_id, client_secret } });
      const rotated = await refresh(ok.body.refresh_token);
      assert.equal(rotated.status, 200);
      assert.equal((await refresh(ok.body.refresh_token)).status, 200, 'a retry within seconds is a retry');
      await t.ctx.db.query(`update tokens set refreshed_at = now() - interval '10 minutes' where refreshed_at is not null`);
      assert.equal((await refresh(ok.body.refresh_token)).status, 400, 'a rotated refresh token, later');
      assert.equal(await me(rotated.body.access_token), 401, 'the whole family is revoked');

      // New hashes are argon2id; an old scrypt hash still signs in, and is replaced.
      const [hashed] = await t.ctx.db.query<{ password_hash: string }>('select password_hash from accounts where id = $1', [user.id]);
      assert.match(hashed!.password_hash, /^argon2id\$m=\d+,t=\d+,p=1\$/);
      const salt = randomBytes(16);
      const legacy = `scrypt$1024$8$1$${salt.toString('base64url')}$${scryptSync(PASSWORD, salt, 32, { N: 1024, r: 8, p: 1 }).toString('base64url')}`;
      await t.ctx.db.query('update accounts set password_hash = $2 where id = $1', [user.id, legacy]);
      assert.equal((await guess(user.username, PASSWORD, '192.0.2.40')).statusCode, 200);
      const [upgraded] = await t.ctx.db.query<{ password_hash: string }>('select password_hash from accounts where id = $1', [user.id]);
      assert.match(upgraded!.password_hash, /^argon2id\$/);

      // /metrics is for this machine or the metrics token; a token in the URL counts only on streaming.
      assert.equal((await t.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '203.0.113.9' })).statusCode, 404);
      assert.equal((await t.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1' })).statusCode, 200);
      assert.equal((await c.request('GET', `/api/v1/accounts/verify_credentials?access_token=${user.token}`)).status, 401);
    });
  });
}

describe('metrics behind a token, and readiness that keeps its reasons', () => {
  it('answers /metrics to the token only, and /readyz without the database\'s error text', async () => {
    const t = await startApp('pglite', { metricsToken: 'scrape-me' });
    try {
      const get = (headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1', headers });
      assert.equal((await get()).statusCode, 404, 'with a token configured, loopback alone is not enough');
      assert.equal((await get({ authorization: 'Bearer wrong' })).statusCode, 404);
      assert.equal((await get({ authorization: 'Bearer scrape-me' })).statusCode, 200);
    } finally { await t.close(); }
    const broken = await startApp('pglite');
    await broken.ctx.db.close();
    const ready = await broken.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 503);
    assert.deepEqual(Object.keys(ready.json()).sort(), ['error', 'status']);
    await broken.app.close();
  });
});

describe('streams end with their token', () => {
  const open = (server: RunningApp, token: string, stream: string) => new Promise<{ socket: WebSocket; events: Array<{ event: string }>; closed: Promise<number> }>((resolve, reject) => {
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/api/v1/streaming?stream=${stream}&access_token=${token}`);
    const events: Array<{ event: string }> = [];
    const closed = new Promise<number>((r) => socket.on('close', (code) => r(code)));
    socket.on('message', (data) => events.push(JSON.parse(String(data))));
    socket.on('open', () => resolve({ socket, events, closed }));
    socket.on('error', reject);
  });
  const within = <T>(p: Promise<T>, ms: number) => Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms))]);

  for (const shared of [false, true]) {
    const name = shared ? 'across two app servers on one PostgreSQL' : 'on one server';
    it(`6. revoking a token closes its open stream at once, ${name}`, { skip: shared && !process.env.FIREBREAK_TEST_DATABASE_URL && 'no PostgreSQL' }, async () => {
      const databaseUrl = shared ? await freshPostgresUrl() : undefined;
      const a = await startListeningApp({ databaseUrl });
      const b = shared ? await startListeningApp({ databaseUrl }) : a;
      try {
        const c = new Client(a.app);
        await c.register('streamer');
        const app = await c.registerApp();
        const login = await c.request('POST', '/oauth/token', { body: { grant_type: 'password', username: 'streamer', password: PASSWORD, ...app, scope: 'read' } });
        const stream = await open(b, login.body.access_token, 'user');
        const revoke = await c.request('POST', '/oauth/revoke', { body: { token: login.body.access_token, ...app } });
        assert.equal(revoke.status, 200);
        assert.equal(await within(stream.closed, 5000), 4001);
      } finally {
        await a.close();
        if (b !== a) await b.close();
      }
    });
  }

  it('7. a token without read:notifications hears no notifications on the user stream', async () => {
    const server = await startListeningApp();
    try {
      const c = new Client(server.app);
      const reader = await c.register('reader');
      const poster = await c.register('poster');
      await c.request('POST', `/api/v1/accounts/${poster.id}/follow`, { token: reader.token });
      const app = await c.registerApp('read');
      const limited = await c.request('POST', '/oauth/token', { body: { grant_type: 'password', username: 'reader', password: PASSWORD, ...app, scope: 'read:statuses' } });
      const stream = await open(server, limited.body.access_token, 'user');
      await c.post(poster, `hello @${reader.username}`);
      await new Promise((r) => setTimeout(r, 500));
      assert.ok(stream.events.some((e) => e.event === 'update'), 'statuses arrive');
      assert.ok(!stream.events.some((e) => e.event === 'notification'), 'notifications do not');
      stream.socket.close();
    } finally { await server.close(); }
  });
});

