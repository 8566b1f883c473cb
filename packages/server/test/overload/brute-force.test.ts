// Login brute force through the real OAuth endpoint: a handful of guesses, then 429 with Retry-After;
// the owner logging in from their usual address is not locked out, and the lock lasts one window.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, startApp, type TestApp } from '@firebreak/testkit/app.js';
import type {} from '@firebreak/server/overload/index.js'; // the app.overload decoration
import { passwordLogin } from '@firebreak/server/domain/login.js';
import type { Slot } from '@firebreak/server/overload/concurrency-limit.js';

describe('login brute force', () => {
  let t: TestApp;
  let c: Client;
  let credentials: { client_id: string; client_secret: string };
  const WINDOW_MS = 1500;
  before(async () => {
    t = await startApp('pglite', { rateLimitsEnabled: true, loginAttemptsPerWindow: 5, loginWindowMs: WINDOW_MS });
    c = new Client(t.app);
    credentials = await c.registerApp();
    await c.register('olivia', 'the real password');
  });
  after(() => t.close());

  const login = (password: string, address: string) => c.request('POST', '/oauth/token', {
    headers: { 'x-forwarded-for': address }, body: { grant_type: 'password', ...credentials, username: 'olivia@example.test', password, scope: 'read' },
  });

  it('stops guessing after 5 tries per account, from any address, for one window', async () => {
    assert.equal((await login('the real password', '192.0.2.10')).status, 200, 'the owner logs in from home');
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await login(`guess-${i}`, `203.0.113.${i % 2}`)).status);
    assert.deepEqual(statuses, [400, 400, 400, 400, 400, 429, 429, 429]);
    const locked = await login('the real password', '203.0.113.99');
    assert.equal(locked.status, 429, 'even the right password from an unknown address waits out the window');
    assert.ok(Number(locked.headers['retry-after']) >= 1);
    assert.equal((await login('the real password', '192.0.2.10')).status, 200, 'the owner at home is not locked out');
    await new Promise((r) => setTimeout(r, WINDOW_MS + 100));
    assert.equal((await login('the real password', '203.0.113.99')).status, 200, 'after the window, from anywhere');
    const metrics = String((await c.request('GET', '/metrics')).body);
    assert.match(metrics, /firebreak_requests_rejected_total\{reason="login_limited",route="POST \/oauth\/token"\} 4/);
  });

  it('counts concurrent guesses before checking them: a burst of 20 gets 5 password checks, not 20', async () => {
    // passwordLogin directly: through HTTP the burst would also meet load shedding (login is expensive).
    await c.register('oscar', 'oscars real password');
    const burst = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => passwordLogin(t.ctx, 'oscar', `burst-${i}`, `203.0.113.${50 + i}`)));
    const status = (r: PromiseSettledResult<string>) => (r.status === 'rejected' ? (r.reason as { statusCode?: number }).statusCode : 200);
    const statuses = burst.map(status);
    assert.equal(statuses.filter((s) => s === 400).length, 5, `password checked 5 times: ${statuses.join(',')}`);
    assert.equal(statuses.filter((s) => s === 429).length, 15);
  });

  it("does not give an attacker fresh guesses when the owner logs in from home", async () => {
    await c.register('petra', 'petras real password');
    const as = (username: string, password: string, address: string) => c.request('POST', '/oauth/token', {
      headers: { 'x-forwarded-for': address }, body: { grant_type: 'password', ...credentials, username, password, scope: 'read' },
    });
    assert.equal((await as('petra', 'petras real password', '192.0.2.20')).status, 200);
    for (let i = 0; i < 5; i++) assert.equal((await as('petra', `guess-${i}`, '203.0.113.80')).status, 400);
    assert.equal((await as('petra', 'petras real password', '192.0.2.20')).status, 200, 'owner at home');
    assert.equal((await as('petra', 'guess-5', '203.0.113.81')).status, 429, 'the attacker is still capped');
  });

  it('under load: the owner at home is admitted ahead of anonymous traffic, guesses at a locked account are refused before taking a slot', async () => {
    await c.register('quinn', 'quinns real password');
    await c.register('rita', 'ritas real password');
    const as = (username: string, password: string, address: string) => c.request('POST', '/oauth/token', {
      headers: { 'x-forwarded-for': address }, body: { grant_type: 'password', ...credentials, username, password, scope: 'read' },
    });
    assert.equal((await as('quinn', 'quinns real password', '192.0.2.30')).status, 200, 'home becomes a trusted address');
    for (let i = 0; i < 5; i++) await as('quinn', `guess-${i}`, '203.0.113.90');
    const admission = t.app.overload.admission;
    const busy: Slot[] = [];
    for (let s = admission.tryAcquire('anonymous_expensive'); s; s = admission.tryAcquire('anonymous_expensive')) busy.push(s);
    try {
      assert.equal((await as('quinn', 'guess-5', '203.0.113.91')).status, 429, 'a locked account: 429 at once, no slot needed');
      assert.equal((await as('rita', 'ritas real password', '192.0.2.31')).status, 503, 'other anonymous logins are shed as usual');
      assert.equal((await as('quinn', 'quinns real password', '192.0.2.30')).status, 200, 'the owner at home gets in');
    } finally {
      for (const slot of busy) slot.release();
    }
  });
});
