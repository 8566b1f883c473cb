// The engine on a simulated clock against real storage: a report spike through the store opens an
// incident within two minutes; webhooks reach a local receiver with retries, signatures and limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import Fastify from 'fastify';
import { ManualClock } from '@firebreak/status/clock.js';
import { DAY_MS, PROBLEM_TYPES, SLOT_MS } from '@firebreak/status/detector.js';
import { fakeTarget, testApp } from './helpers.js';

const START = Date.UTC(2025, 5, 9, 14, 0, 0);
const SECRET = 'webhook-secret';

interface Received { body: string; headers: Record<string, unknown> }

async function receiver(failFirst: number) {
  const app = Fastify();
  const received: Received[] = [];
  let calls = 0;
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.post('/hook', async (req, reply) => {
    calls++;
    if (calls <= failFirst) return reply.code(500).send('not now');
    received.push({ body: req.body as string, headers: req.headers });
    return { ok: true };
  });
  app.post('/hang', () => new Promise(() => {}));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const a = app.server.address();
  const base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  return { base, received, calls: () => calls, close: async () => { app.server.closeAllConnections(); await app.close(); } };
}

test('a report spike through the real store opens an incident within 2 simulated minutes; webhooks are delivered', async (t) => {
  const hooks = await receiver(1);
  const dc1 = await fakeTarget('ok');
  const clock = new ManualClock(START - 7 * DAY_MS);
  const app = await testApp({
    targets: [{ name: 'dc1', url: dc1.url }],
    webhookUrls: [`${hooks.base}/hook`, `${hooks.base}/hang`],
    webhookSecret: SECRET, webhookTimeoutMs: 300, webhookMaxAttempts: 3, resolveAfterMs: 30_000,
  }, { clock });
  t.after(async () => { await app.close(); await hooks.close(); await dc1.close(); });

  // A quiet week of history (about 5 reports an hour, spread over the problem types).
  const history = [];
  for (let s = START - 7 * DAY_MS; s < START; s += SLOT_MS) history.push({ slot: s, problem: PROBLEM_TYPES[(s / SLOT_MS) % 7]!, count: 1 + ((s / SLOT_MS) % 2) });
  await app.store.addSlotCounts(history);
  clock.set(START);
  await app.engine.probeAll();
  await app.engine.evaluate();
  assert.equal(app.engine.overall(), 'none');

  // The spike: 60 people a minute report posting failures, each from their own address.
  let reporter = 0;
  let detectedAt: number | undefined;
  for (let step = 0; step < 12 && detectedAt === undefined; step++) {
    for (let i = 0; i < 15; i++) {
      const res = await app.server.inject({ method: 'POST', url: '/api/v1/reports', remoteAddress: `10.1.${reporter >> 8}.${reporter++ & 255}`, payload: { problem: 'posting' } });
      assert.equal(res.statusCode, 201);
    }
    clock.advance(15_000);
    await app.engine.evaluate();
    const open = ((await app.server.inject({ method: 'GET', url: '/api/v2/incidents/unresolved.json' })).json() as { incidents: unknown[] }).incidents;
    if (open.length) detectedAt = clock.now();
  }
  assert.ok(detectedAt, 'incident opened');
  t.diagnostic(`incident opened ${(detectedAt - START) / 1000} s (simulated) after the spike began, ${reporter} reports`);
  assert.ok(detectedAt - START <= 120_000);
  const summary = (await app.server.inject({ method: 'GET', url: '/api/v2/summary.json' })).json() as { components: { id: string; status: string }[]; incidents: { name: string; impact: string }[] };
  assert.equal(summary.components.find((c) => c.id === 'posting')!.status, 'partial_outage');
  assert.equal(summary.components.find((c) => c.id === 'dc1')!.status, 'operational', 'probes still pass');
  assert.equal(summary.incidents[0]!.name, 'Posting: partial outage');
  assert.equal(summary.incidents[0]!.impact, 'major');
  const page = await app.server.inject({ method: 'GET', url: '/' });
  assert.match(page.body, /Problems detected at Firebreak/);

  // Webhooks: the first attempt gets a 500 and is retried after a backoff; the hanging URL times out.
  assert.equal(await app.webhooks.deliverDue(), 2);
  assert.equal(hooks.received.length, 0);
  assert.equal(await app.webhooks.deliverDue(), 0, 'nothing is due before the backoff');
  clock.advance(1000);
  assert.equal(await app.webhooks.deliverDue(), 2);
  assert.equal(hooks.received.length, 1);
  const created = hooks.received[0]!;
  assert.equal(created.headers['x-firebreak-event'], 'incident.created');
  assert.equal(created.headers['x-firebreak-signature'], `sha256=${createHmac('sha256', SECRET).update(created.body).digest('hex')}`);
  const payload = JSON.parse(created.body) as { meta: { event: string }; page: { status_indicator: string }; incident: { name: string; status: string; incident_updates: unknown[] } };
  assert.equal(payload.meta.event, 'incident.created');
  assert.equal(payload.incident.name, 'Posting: partial outage');
  assert.equal(payload.incident.status, 'investigating');
  assert.equal(payload.page.status_indicator, 'major');
  clock.advance(2000);
  assert.equal(await app.webhooks.deliverDue(), 1, 'only the hanging URL is retried');
  assert.deepEqual(await app.store.webhookStats(), { pending: 0, delivered: 1, failed: 1 }, 'gave up after 3 attempts');

  // The spike ends; after the clearing period the incident is resolved and the receiver told so.
  for (let minute = 0; minute < 16; minute++) {
    clock.advance(60_000);
    await app.engine.evaluate();
  }
  assert.equal(app.engine.overall(), 'none');
  clock.advance(31_000);
  await app.engine.evaluate();
  const after = (await app.server.inject({ method: 'GET', url: '/api/v2/incidents.json' })).json() as { incidents: { status: string; incident_updates: { status: string }[] }[] };
  assert.equal(after.incidents[0]!.status, 'resolved');
  await app.webhooks.deliverDue();
  assert.deepEqual(hooks.received.map((r) => JSON.parse(r.body).meta.event), ['incident.created', 'incident.updated', 'incident.resolved']);
});

test('an operator can resolve an automatic incident; it does not reopen until the problem has cleared', async (t) => {
  const dc1 = await fakeTarget('not-ready');
  const edge = await fakeTarget('ok');
  const clock = new ManualClock(START);
  const app = await testApp({ targets: [{ name: 'edge', url: edge.url }, { name: 'dc1', url: dc1.url }], adminToken: 'op', resolveAfterMs: 0 }, { clock });
  t.after(async () => { await app.close(); await dc1.close(); await edge.close(); });
  for (let i = 0; i < 2; i++) {
    await app.engine.probeAll();
    clock.advance(2000);
    await app.engine.evaluate();
  }
  const open = ((await app.server.inject({ method: 'GET', url: '/api/v2/incidents/unresolved.json' })).json() as { incidents: { id: string; name: string }[] }).incidents;
  assert.equal(open.length, 1);
  assert.equal(open[0]!.name, 'dc1: major outage');
  // Behind a working edge, a lost DC costs redundancy, not service: shown exactly, weighed as minor.
  const summary = (await app.server.inject({ method: 'GET', url: '/api/v2/summary.json' })).json() as { status: { indicator: string }; components: { id: string; status: string }[]; incidents: { impact: string }[] };
  assert.equal(summary.components.find((c) => c.id === 'dc1')!.status, 'major_outage');
  assert.equal(summary.components.find((c) => c.id === 'timelines')!.status, 'operational');
  assert.equal(summary.status.indicator, 'minor');
  assert.equal(summary.incidents[0]!.impact, 'minor');
  assert.equal(app.engine.overall(), 'possible');
  const res = await app.server.inject({ method: 'POST', url: `/api/v1/admin/incidents/${open[0]!.id}/updates`, headers: { authorization: 'Bearer op' }, payload: { status: 'resolved', body: 'Known; maintenance.' } });
  assert.equal(res.statusCode, 201);
  await app.engine.probeAll();
  await app.engine.evaluate();
  assert.equal(((await app.server.inject({ method: 'GET', url: '/api/v2/incidents/unresolved.json' })).json() as { incidents: unknown[] }).incidents.length, 0, 'not reopened while still down');
  dc1.mode = 'ok';
  await app.engine.probeAll();
  await app.engine.evaluate();
  dc1.mode = 'not-ready';
  for (let i = 0; i < 2; i++) {
    await app.engine.probeAll();
    clock.advance(2000);
    await app.engine.evaluate();
  }
  const all = ((await app.server.inject({ method: 'GET', url: '/api/v2/incidents.json' })).json() as { incidents: { status: string }[] }).incidents;
  assert.deepEqual(all.map((i) => i.status), ['investigating', 'resolved'], 'a new outage after recovery opens a new incident');
});
