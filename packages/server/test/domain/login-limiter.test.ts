// The brute-force counters on both backends (countLoginAttempt/loginSucceeded against a real
// database), this server's memory of their verdicts (LoginLimiter), and, on PostgreSQL, two app
// servers sharing one database the way every DC's app servers share the cluster's primary.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { countLoginAttempt, loginSucceeded, type AttemptVerdict, type CountedAttempt } from '@firebreak/server/domain/login-attempts.js';
import { LoginLimiter } from '@firebreak/server/domain/login-limiter.js';
import type { Db } from '@firebreak/server/db/db.js';
import { backends, Client, freshPostgresUrl, startApp, type TestApp } from '@firebreak/testkit/app.js';

const counted = (v: AttemptVerdict): CountedAttempt => {
  assert.ok('counted' in v, `expected the attempt to be counted, got ${JSON.stringify(v)}`);
  return v.counted;
};
const refused = (v: AttemptVerdict) => {
  assert.ok('refused' in v, `expected a refusal, got ${JSON.stringify(v)}`);
  return v.refused;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const backend of backends()) {
  describe(`login attempt counters on ${backend}`, () => {
    let t: TestApp;
    let db: Db;
    before(async () => { t = await startApp(backend); db = t.ctx.db; });
    after(() => t.close());

    it('locks an account after the limit, from any address, for one window', async () => {
      const limits = { attemptsPerWindow: 3, windowMs: 1500 };
      for (let i = 0; i < 3; i++) counted(await countLoginAttempt(db, 'Olivia', `10.0.0.${i}`, limits));
      const r = refused(await countLoginAttempt(db, 'olivia', '10.0.0.9', limits));
      assert.equal(r.scope, 'account');
      assert.ok(r.retryAfterMs >= 1 && r.retryAfterMs <= 1500, `retry after ${r.retryAfterMs} ms`);
      await sleep(1600);
      counted(await countLoginAttempt(db, 'olivia', '10.0.0.9', limits));
    });

    it('limits one address spraying many accounts, with more room than per account', async () => {
      const limits = { attemptsPerWindow: 2, windowMs: 60_000 };
      for (let i = 0; i < 8; i++) counted(await countLoginAttempt(db, `spray${i}`, '10.0.1.2', limits));
      assert.equal(refused(await countLoginAttempt(db, 'someone-else', '10.0.1.2', limits)).scope, 'address');
      counted(await countLoginAttempt(db, 'someone-else', '10.0.1.3', limits));
    });

    it('keeps the owner logging in from a known address while an attacker is capped, and a success hands out no fresh guesses', async () => {
      const limits = { attemptsPerWindow: 3, windowMs: 60_000 };
      await loginSucceeded(db, counted(await countLoginAttempt(db, 'petra', '192.0.2.1', limits))); // the owner's usual address
      for (let i = 0; i < 3; i++) counted(await countLoginAttempt(db, 'petra', '203.0.113.7', limits));
      refused(await countLoginAttempt(db, 'petra', '203.0.113.8', limits));
      const home = counted(await countLoginAttempt(db, 'petra', '192.0.2.1', limits));
      assert.equal(home.trusted, true);
      await loginSucceeded(db, home);
      refused(await countLoginAttempt(db, 'petra', '203.0.113.9', limits));
      // A thief at the owner's address still gets only a handful of guesses.
      for (let i = 0; i < 3; i++) counted(await countLoginAttempt(db, 'petra', '192.0.2.1', limits));
      refused(await countLoginAttempt(db, 'petra', '192.0.2.1', limits));
    });

    it('counts a burst of concurrent guesses one after another: 20 at once, 5 counted', async () => {
      const limits = { attemptsPerWindow: 5, windowMs: 60_000 };
      const verdicts = await Promise.all(Array.from({ length: 20 }, (_, i) => countLoginAttempt(db, 'oscar', `203.0.113.${100 + i}`, limits)));
      assert.equal(verdicts.filter((v) => 'counted' in v).length, 5);
    });
  });
}

it("a server's memory refuses only what the database refused for that address, and asks about strangers to a locked account", () => {
  let now = 0;
  const limiter = new LoginLimiter(() => now);
  limiter.trust('olivia', '192.0.2.1');
  limiter.lockedOut('olivia', '203.0.113.7', 'account', 60_000);
  assert.throws(() => limiter.check('Olivia', '203.0.113.7'), (e: any) => e.statusCode === 429 && e.retryAfterSeconds === 60);
  assert.equal(limiter.check('olivia', '198.51.100.5'), 'account-locked', 'a stranger: only the database knows whether the owner proved it');
  assert.equal(limiter.check('olivia', '192.0.2.1'), 'clear', 'the owner at an address this server saw them prove');
  assert.equal((limiter.accountRefusal('olivia') as any).retryAfterSeconds, 60);
  limiter.lockedOut('anyone', '203.0.113.8', 'address', 30_000);
  assert.throws(() => limiter.check('someone-else', '203.0.113.8'), (e: any) => e.retryAfterSeconds === 30);
  now += 60_001;
  assert.equal(limiter.check('olivia', '203.0.113.7'), 'clear');
  assert.equal(limiter.isTrusted('OLIVIA', '192.0.2.1'), true);
  assert.equal(limiter.isTrusted('olivia', '192.0.2.2'), false);
});

describe('two app servers, one database', { skip: !backends().includes('postgres') && 'needs PostgreSQL (CI=true makes it mandatory)' }, () => {
  let a: TestApp;
  let b: TestApp;
  let credentials: { client_id: string; client_secret: string };
  before(async () => {
    const databaseUrl = await freshPostgresUrl();
    const limits = { rateLimitsEnabled: true, loginAttemptsPerWindow: 5, databaseUrl };
    a = await startApp('postgres', limits);
    b = await startApp('postgres', limits);
    const ca = new Client(a.app);
    credentials = await ca.registerApp();
    await ca.register('victim', 'the real password');
  });
  after(async () => { await a?.close(); await b?.close(); });

  const login = (t: TestApp, password: string, address: string) => new Client(t.app).request('POST', '/oauth/token', {
    headers: { 'x-forwarded-for': address }, body: { grant_type: 'password', ...credentials, username: 'victim', password, scope: 'read' },
  });

  it('share one count of guesses, and the owner trusted by one is trusted by the other', async () => {
    assert.equal((await login(a, 'the real password', '192.0.2.10')).status, 200, 'the owner logs in from home, on server a');
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await login(i % 2 ? b : a, `guess-${i}`, `203.0.113.${i}`)).status);
    assert.deepEqual(statuses, [400, 400, 400, 400, 400, 429, 429, 429], 'five guesses in all, not five per server');
    assert.equal((await login(b, 'the real password', '192.0.2.10')).status, 200, 'the owner at home, on server b');
    assert.equal((await login(b, 'the real password', '203.0.113.99')).status, 429, 'the right password from elsewhere waits out the window');
  });
});
