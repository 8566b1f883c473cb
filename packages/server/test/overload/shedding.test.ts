// Priority load shedding: under saturation anonymous (and expensive) requests are refused first with a
// cheap 503, before any database work, while signed-in timeline reads and posts keep going; and the
// adaptive limit follows latency.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Client, startApp, type TestApp, type User } from '@firebreak/testkit/app.js';
import { statementsOf } from '@firebreak/testkit/statements.js';
import type {} from '@firebreak/server/overload/index.js'; // the app.overload decoration
import { capsForPool, GradientLimit, PriorityAdmission, type Slot } from '@firebreak/server/overload/concurrency-limit.js';
import { CSRF_HEADER, SESSION_COOKIE, csrfTokenFor } from '@firebreak/server/api/auth.js';

describe('adaptive concurrency limit', () => {
  const drive = (limit: GradientLimit, clock: { now: number }, latencyMs: number, windows: number) => {
    for (let w = 0; w < windows; w++) {
      for (let i = 0; i < 10; i++) limit.sample(latencyMs, Math.ceil(limit.limit));
      clock.now += 100;
    }
  };

  it('shrinks when latency rises well above its baseline and grows back when it is flat', () => {
    const clock = { now: 0 };
    const limit = new GradientLimit({ initialLimit: 50, now: () => clock.now });
    drive(limit, clock, 10, 20);
    const steady = limit.limit;
    assert.ok(steady >= 50, `flat latency does not shrink the limit (${steady})`);
    drive(limit, clock, 100, 20);
    const congested = limit.limit;
    assert.ok(congested < steady / 2, `10x latency shrinks it (${steady} -> ${congested})`);
    drive(limit, clock, 10, 40);
    assert.ok(limit.limit > congested * 1.5, `recovers when latency falls (${congested} -> ${limit.limit})`);
  });

  it('does not move while the load is far below the limit', () => {
    const clock = { now: 0 };
    const limit = new GradientLimit({ initialLimit: 100, now: () => clock.now });
    for (let w = 0; w < 20; w++) { for (let i = 0; i < 10; i++) limit.sample(w < 10 ? 5 : 500, 3); clock.now += 100; }
    assert.equal(limit.limit, 100);
  });

  it('admits by priority share and hands freed slots to the most important waiter', async () => {
    const admission = new PriorityAdmission(new GradientLimit({ initialLimit: 10, minLimit: 10, maxLimit: 10 }));
    const held: Slot[] = [];
    for (let i = 0; i < 3; i++) held.push(admission.tryAcquire('anonymous_expensive')!);
    assert.equal(admission.tryAcquire('anonymous_expensive'), undefined, 'expensive anonymous: 35% of the limit');
    for (let i = 0; i < 3; i++) held.push(admission.tryAcquire('anonymous')!);
    assert.equal(admission.tryAcquire('anonymous'), undefined, 'anonymous: 60%');
    for (let i = 0; i < 3; i++) held.push(admission.tryAcquire('authenticated')!);
    assert.equal(admission.tryAcquire('authenticated'), undefined, 'authenticated: 90%');
    held.push(admission.tryAcquire('critical')!);
    assert.equal(admission.inFlight, 10);
    // Full: anonymous is refused at once, critical and authenticated wait; critical is served first.
    assert.equal(await admission.acquire('anonymous'), undefined);
    const order: string[] = [];
    const authenticated = admission.acquire('authenticated').then((s) => { order.push('authenticated'); return s; });
    const critical = admission.acquire('critical').then((s) => { order.push('critical'); return s; });
    held.pop()!.release();
    const first = await critical;
    assert.ok(first);
    assert.deepEqual(order, ['critical']);
    held.pop()!.release();
    held.pop()!.release(); // authenticated needs inflight < 9
    assert.ok(await authenticated);
    assert.deepEqual(order, ['critical', 'authenticated']);
  });
});

describe('class caps', () => {
  it('hold anonymous expensive requests to a quarter of the database pool, however high the limit', () => {
    const admission = new PriorityAdmission(new GradientLimit({ initialLimit: 100, minLimit: 100, maxLimit: 100 }), capsForPool(10));
    const held = [admission.tryAcquire('anonymous_expensive'), admission.tryAcquire('anonymous_expensive')];
    assert.ok(held.every(Boolean));
    assert.equal(admission.tryAcquire('anonymous_expensive'), undefined, 'a third is refused: 10 / 4 = 2');
    assert.ok(admission.tryAcquire('anonymous'), 'other classes are not affected');
    held[0]!.release();
    assert.ok(admission.tryAcquire('anonymous_expensive'), 'room again once one finishes');
  });
});

describe('admission queue', () => {
  it('lets signed-in requests queue beyond one limit\'s worth: the wait budget bounds the queue', async () => {
    // The limit shrinks when the machine is slow; a queue bounded by the limit then refused ordinary
    // signed-in traffic at once (the flood drill saw timelines shed with a dozen requests waiting).
    const admission = new PriorityAdmission(new GradientLimit({ initialLimit: 4, minLimit: 4, maxLimit: 4 }));
    const held = Array.from({ length: 4 }, () => admission.tryAcquire('critical')!);
    const waiting = Array.from({ length: 12 }, () => admission.acquire('critical').then((slot) => { setImmediate(() => slot?.release()); return slot; }));
    assert.equal(admission.queued, 12);
    for (const slot of held) slot.release();
    const granted = await Promise.all(waiting);
    assert.equal(granted.filter(Boolean).length, 12, 'every waiter got a slot');
    await new Promise((r) => setImmediate(r));
    assert.equal(admission.inFlight, 0);
  });

  it('still refuses a waiter whose budget runs out', async () => {
    const admission = new PriorityAdmission(new GradientLimit({ initialLimit: 4, minLimit: 4, maxLimit: 4 }));
    const held = Array.from({ length: 4 }, () => admission.tryAcquire('critical')!);
    const started = performance.now();
    assert.equal(await admission.acquire('authenticated'), undefined);
    const waited = performance.now() - started;
    assert.ok(waited >= 900 && waited < 2000, `refused after ${waited.toFixed(0)} ms (budget 1000)`);
    for (const slot of held) slot.release();
  });
});

describe('load shedding in the app', () => {
  let t: TestApp;
  let c: Client;
  let alice: User;
  before(async () => {
    t = await startApp('pglite');
    c = new Client(t.app);
    alice = await c.register('alice');
  });
  after(() => t.close());

  it('sheds anonymous requests with a cheap 503 and no database work, and keeps signed-in timelines going', async () => {
    const admission = t.app.overload.admission;
    const limit = admission.limiter.limit;
    // Simulated saturation: requests already in flight up to the anonymous share of the limit.
    const busy: Slot[] = [];
    for (let s = admission.tryAcquire('anonymous'); s; s = admission.tryAcquire('anonymous')) busy.push(s);
    try {
      const shed = await statementsOf(t.ctx.db, async () => {
        for (const [url, token] of [['/api/v1/timelines/public', undefined], ['/api/v1/instance', undefined], ['/api/v1/timelines/home', 'not-a-known-token']] as const) {
          const res = await c.request('GET', url, { token });
          assert.equal(res.status, 503, url);
          assert.equal(res.headers['retry-after'], '2');
          assert.deepEqual(res.body, { error: 'The server is busy; try again shortly' });
        }
      });
      assert.equal(shed.statements.length, 0, 'shed before any database work, including the token lookup');
      const admitted = await statementsOf(t.ctx.db, async () => {
        const home = await c.request('GET', '/api/v1/timelines/home', { token: alice.token });
        assert.equal(home.status, 200, 'signed-in timeline read is admitted');
        const post = await c.request('POST', '/api/v1/statuses', { token: alice.token, body: { status: 'still here' } });
        assert.equal(post.status, 200, 'signed-in post is admitted');
      });
      assert.ok(admitted.statements.length > 0);
      assert.equal((await c.request('GET', '/readyz')).status, 200, 'health checks are never shed');
    } finally {
      for (const slot of busy) slot.release();
    }
    assert.equal(admission.inFlight, 0, `every slot released (limit was ${limit})`);
    const metrics = String((await c.request('GET', '/metrics')).body);
    assert.match(metrics, /firebreak_requests_rejected_total\{reason="shed",route="GET \/api\/v1\/timelines\/public"\} 1/);
    assert.match(metrics, /firebreak_overload_admitted_total\{priority="critical"\}/);
  });

  it('counts a signed-in web UI session (cookie + CSRF header) as signed in, not anonymous', async () => {
    const web = { cookie: `${SESSION_COOKIE}=${alice.token}`, [CSRF_HEADER]: csrfTokenFor(alice.token) };
    assert.equal((await c.request('GET', '/api/v1/timelines/home', { headers: web })).status, 200, 'first request, unsaturated');
    const admission = t.app.overload.admission;
    const busy: Slot[] = [];
    for (let s = admission.tryAcquire('anonymous'); s; s = admission.tryAcquire('anonymous')) busy.push(s);
    try {
      assert.equal((await c.request('GET', '/api/v1/timelines/public')).status, 503, 'anonymous is shed');
      assert.equal((await c.request('GET', '/api/v1/timelines/home', { headers: web })).status, 200, 'the web session is admitted');
      // The admitted request's latency sample may have grown the limit: fill the anonymous share again.
      for (let s = admission.tryAcquire('anonymous'); s; s = admission.tryAcquire('anonymous')) busy.push(s);
      const forged = { cookie: `${SESSION_COOKIE}=not-a-session`, [CSRF_HEADER]: 'x' };
      assert.equal((await c.request('GET', '/api/v1/timelines/home', { headers: forged })).status, 503, 'an unknown cookie buys nothing');
    } finally {
      for (const slot of busy) slot.release();
    }
  });

  it('lets signed-in requests wait briefly for a slot instead of failing', async () => {
    const admission = t.app.overload.admission;
    const busy: Slot[] = [];
    for (let s = admission.tryAcquire('critical'); s; s = admission.tryAcquire('critical')) busy.push(s);
    const pending = c.request('GET', '/api/v1/timelines/home', { token: alice.token });
    setTimeout(() => { for (const slot of busy) slot.release(); }, 50);
    assert.equal((await pending).status, 200);
  });

  it('does not leak a slot when the client leaves while waiting for one', async () => {
    // Seen in the flood drill: clients that gave up in the queue were later handed slots nobody
    // released, until the whole limit was held by no one and every request waited and failed.
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as { port: number };
    const admission = t.app.overload.admission;
    const busy: Slot[] = [];
    for (let s = admission.tryAcquire('critical'); s; s = admission.tryAcquire('critical')) busy.push(s);
    const sockets = Array.from({ length: 3 }, () => connect(port, '127.0.0.1'));
    for (const socket of sockets) {
      socket.on('error', () => {});
      socket.write(`GET /api/v1/timelines/home HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${alice.token}\r\n\r\n`);
    }
    for (let i = 0; i < 50 && admission.queued < 3; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(admission.queued, 3, 'three signed-in requests wait for a slot');
    for (const socket of sockets) socket.destroy();
    await new Promise((r) => setTimeout(r, 50));
    for (const slot of busy) slot.release();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(admission.inFlight, 0, 'no slot is held by a request whose client left');
    assert.equal(admission.queued, 0);
    const metrics = String((await c.request('GET', '/metrics')).body);
    assert.match(metrics, /firebreak_requests_rejected_total\{reason="abandoned",route="GET \/api\/v1\/timelines\/home"\} 3/);
  });
});
