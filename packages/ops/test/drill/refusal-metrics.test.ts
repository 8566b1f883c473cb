// /metrics counts every refusal by reason and route: one app, every reason the overload code knows
// (RejectReason), each triggered through HTTP, each seen on /metrics with its route. A reason added
// without a case here fails the first test.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Client, startApp, type TestApp, type User } from '@firebreak/testkit/app.js';
import type {} from '@firebreak/server/overload/index.js'; // the app.overload decoration
import { RATE_LIMITS } from '@firebreak/server/overload/rate-limits.js';
import type { RejectReason } from '@firebreak/server/overload/metrics.js';
import type { Slot } from '@firebreak/server/overload/concurrency-limit.js';
import { APP_REASONS } from '@firebreak/ops/drill/flood-stats.js';

describe('refusal metrics', () => {
  let t: TestApp;
  let c: Client;
  let spent: TestApp; // every request's budget is spent before its first query
  let spentClient: Client;
  let alice: User;
  let credentials: { client_id: string; client_secret: string };
  before(async () => {
    t = await startApp('pglite', { rateLimitsEnabled: true, adminToken: 'metrics-admin-token' });
    c = new Client(t.app);
    alice = await c.register('alice');
    credentials = await c.registerApp();
    spent = await startApp('pglite', { requestBudgetMs: 0 });
    spentClient = new Client(spent.app);
  });
  after(async () => { await t.close(); await spent.close(); });

  const count = async (reason: RejectReason, route: string): Promise<number> => {
    const text = String((await (reason === 'deadline' ? spentClient : c).request('GET', '/metrics')).body);
    const escaped = route.replace(/[/:]/g, (ch) => `\\${ch}`);
    return Number(new RegExp(`^firebreak_requests_rejected_total\\{reason="${reason}",route="${escaped}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  };

  /** Each reason: what triggers it, and the route it must be counted under. */
  const cases: Record<RejectReason, { route: string; trigger: () => Promise<void> }> = {
    rate_limited: {
      route: 'GET /api/v2/search',
      trigger: async () => {
        for (let i = 0; i <= RATE_LIMITS.search.perAddress; i++) {
          await c.request('GET', '/api/v2/search?q=x', { headers: { 'x-forwarded-for': '198.51.100.200' } });
        }
      },
    },
    login_limited: {
      route: 'POST /oauth/token',
      trigger: async () => {
        for (let i = 0; i < 6; i++) {
          await c.request('POST', '/oauth/token', {
            headers: { 'x-forwarded-for': `198.51.100.${210 + i}` },
            body: { grant_type: 'password', ...credentials, username: 'alice', password: `wrong-${i}`, scope: 'read' },
          });
        }
      },
    },
    shed: {
      route: 'GET /api/v1/timelines/public',
      trigger: async () => {
        const admission = t.app.overload.admission;
        const busy: Slot[] = [];
        for (let s = admission.tryAcquire('anonymous'); s; s = admission.tryAcquire('anonymous')) busy.push(s);
        try { await c.request('GET', '/api/v1/timelines/public'); } finally { for (const s of busy) s.release(); }
      },
    },
    deadline: {
      route: 'GET /api/v1/timelines/home',
      trigger: async () => {
        const res = await spentClient.request('GET', '/api/v1/timelines/home', { token: 'any-token' });
        assert.equal(res.status, 503);
      },
    },
    challenged: {
      route: 'GET /api/v2/search',
      trigger: async () => {
        t.app.overload.underAttack = true;
        try { await c.request('GET', '/api/v2/search?q=y', { headers: { 'x-forwarded-for': '198.51.100.220' } }); } finally { t.app.overload.underAttack = false; }
      },
    },
    abandoned: {
      route: 'GET /api/v1/timelines/home',
      trigger: async () => {
        const { port } = t.app.server.address() as { port: number };
        const admission = t.app.overload.admission;
        const busy: Slot[] = [];
        for (let s = admission.tryAcquire('critical'); s; s = admission.tryAcquire('critical')) busy.push(s);
        const socket = connect(port, '127.0.0.1');
        socket.on('error', () => {});
        socket.write(`GET /api/v1/timelines/home HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${alice.token}\r\n\r\n`);
        for (let i = 0; i < 50 && admission.queued < 1; i++) await new Promise((r) => setTimeout(r, 10));
        socket.destroy();
        await new Promise((r) => setTimeout(r, 50));
        for (const s of busy) s.release();
        await new Promise((r) => setTimeout(r, 50));
      },
    },
  };

  it('has a case for every reason the code can count', () => {
    assert.deepEqual(Object.keys(cases).sort(), [...APP_REASONS].sort());
  });

  for (const [reason, { route, trigger }] of Object.entries(cases) as Array<[RejectReason, (typeof cases)[RejectReason]]>) {
    it(`counts ${reason} under its route (${route})`, async () => {
      if (reason === 'abandoned') await t.app.listen({ port: 0, host: '127.0.0.1' });
      const before = await count(reason, route);
      await trigger();
      assert.ok(await count(reason, route) > before, `firebreak_requests_rejected_total{reason="${reason}",route="${route}"} went up`);
    });
  }
});
