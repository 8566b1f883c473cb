// In-app rate limits: Mastodon's headers, 429 with Retry-After, buckets per account (known token) or
// per address, stricter classes, and forged tokens gaining nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, startApp, type TestApp, type User } from '@firebreak/testkit/app.js';
import { RATE_LIMITS } from '@firebreak/server/overload/rate-limits.js';
import { loadConfig } from '@firebreak/server/config.js';

describe('rate limits', () => {
  let t: TestApp;
  let c: Client;
  let alice: User;
  let bob: User;
  before(async () => {
    t = await startApp('pglite', { rateLimitsEnabled: true });
    c = new Client(t.app);
    alice = await c.register('alice');
    bob = await c.register('bob');
  });
  after(() => t.close());

  const from = (address: string, token?: string) => ({ headers: { 'x-forwarded-for': address }, token });

  it('sends X-RateLimit-Limit, -Remaining and an ISO 8601 -Reset on every limited route', async () => {
    const before = Date.now();
    const res = await c.request('GET', '/api/v1/instance', from('198.51.100.1'));
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-ratelimit-limit'], String(RATE_LIMITS.default.perAddress));
    assert.equal(res.headers['x-ratelimit-remaining'], String(RATE_LIMITS.default.perAddress - 1));
    const reset = Date.parse(String(res.headers['x-ratelimit-reset']));
    assert.match(String(res.headers['x-ratelimit-reset']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(reset > before && reset <= Date.now() + RATE_LIMITS.default.windowMs + 1000);
    const second = await c.request('GET', '/api/v1/instance', from('198.51.100.1'));
    assert.equal(second.headers['x-ratelimit-remaining'], String(RATE_LIMITS.default.perAddress - 2));
  });

  it('answers 429 with Retry-After and {"error":"Too many requests"} past the limit, per address', async () => {
    const { perAddress } = RATE_LIMITS.search;
    for (let i = 0; i < perAddress; i++) assert.equal((await c.request('GET', '/api/v2/search?q=x', from('198.51.100.2'))).status, 200);
    const res = await c.request('GET', '/api/v2/search?q=x', from('198.51.100.2'));
    assert.equal(res.status, 429);
    assert.deepEqual(res.body, { error: 'Too many requests' });
    assert.ok(Number(res.headers['retry-after']) > 0 && Number(res.headers['retry-after']) <= RATE_LIMITS.search.windowMs / 1000);
    assert.equal(res.headers['x-ratelimit-remaining'], '0');
    assert.equal((await c.request('GET', '/api/v2/search?q=x', from('198.51.100.3'))).status, 200, 'another address has its own bucket');
    assert.equal((await c.request('GET', '/api/v1/instance', from('198.51.100.2'))).status, 200, 'other classes are separate');
  });

  it('keys signed-in users by account: their limit, their bucket, wherever they come from', async () => {
    const first = await c.request('GET', '/api/v1/timelines/home', from('198.51.100.4', alice.token));
    assert.equal(first.status, 200);
    // The first request taught the server the token; from then on the account's bucket applies.
    const a1 = await c.request('GET', '/api/v1/timelines/home', from('198.51.100.4', alice.token));
    const a2 = await c.request('GET', '/api/v1/timelines/home', from('198.51.100.5', alice.token));
    assert.equal(a1.headers['x-ratelimit-limit'], String(RATE_LIMITS.default.perAccount));
    assert.equal(Number(a1.headers['x-ratelimit-remaining']) - 1, Number(a2.headers['x-ratelimit-remaining']), 'one bucket across addresses');
    const b = await c.request('GET', '/api/v1/timelines/home', from('198.51.100.4', bob.token));
    await c.request('GET', '/api/v1/timelines/home', from('198.51.100.4', bob.token));
    assert.notEqual(b.headers['x-ratelimit-remaining'], a2.headers['x-ratelimit-remaining']);
  });

  it('counts a forged bearer token against its address, not a fresh bucket per token', async () => {
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await c.request('GET', '/api/v1/instance', from('198.51.100.6', `forged-${i}`));
      seen.push(String(res.headers['x-ratelimit-remaining']));
    }
    assert.deepEqual(seen.map(Number), [0, 1, 2].map((i) => RATE_LIMITS.default.perAddress - 1 - i));
  });

  it('believes X-Forwarded-For only from a trusted proxy: a direct client cannot pick a fresh address per request', async () => {
    const direct = (forwardedFor: string) => t.app.inject({
      method: 'GET', url: '/api/v1/instance', remoteAddress: '192.0.2.77', headers: { 'x-forwarded-for': forwardedFor },
    });
    const first = Number((await direct('198.51.100.60')).headers['x-ratelimit-remaining']);
    const second = Number((await direct('198.51.100.61')).headers['x-ratelimit-remaining']);
    assert.equal(second, first - 1, 'one bucket: the header from an untrusted peer is ignored');
    const viaProxy = await t.app.inject({ method: 'GET', url: '/api/v1/instance', remoteAddress: '10.1.2.3', headers: { 'x-forwarded-for': '198.51.100.62' } });
    assert.equal(Number(viaProxy.headers['x-ratelimit-remaining']), RATE_LIMITS.default.perAddress - 1, 'a private-network proxy is trusted');
  });

  it('is strict on registration: a handful per address', async () => {
    const appToken = await c.appTokenFor();
    let status = 0;
    for (let i = 0; i <= RATE_LIMITS.register.perAddress; i++) {
      status = (await c.request('POST', '/api/v1/accounts', {
        ...from('198.51.100.7', appToken), body: { username: `spam${i}`, email: `spam${i}@example.test`, password: 'correct horse battery', agreement: true, locale: 'en' },
      })).status;
    }
    assert.equal(status, 429);
  });

  it('never limits health checks and metrics', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await c.request('GET', '/healthz', from('198.51.100.2'));
      assert.equal(res.status, 200);
      assert.equal(res.headers['x-ratelimit-limit'], undefined);
    }
  });

  it('counts rejections in /metrics by reason and route', async () => {
    const metrics = String((await c.request('GET', '/metrics')).body);
    assert.match(metrics, /firebreak_requests_rejected_total\{reason="rate_limited",route="GET \/api\/v2\/search"\} 1/);
  });
});

describe('FIREBREAK_TRUST_PROXY', () => {
  it('defaults to private networks and rejects what is not an address, a CIDR or a proxy-addr name', () => {
    assert.equal(loadConfig({}).trustProxy, 'loopback,linklocal,uniquelocal');
    assert.equal(loadConfig({ FIREBREAK_TRUST_PROXY: '10.77.0.2, 10.78.0.0/24' }).trustProxy, '10.77.0.2,10.78.0.0/24');
    assert.throws(() => loadConfig({ FIREBREAK_TRUST_PROXY: 'true' }), /FIREBREAK_TRUST_PROXY: "true"/);
  });
});
