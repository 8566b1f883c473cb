// Real timers, default probe settings (every 2 s, 1.5 s timeout, down after 2 failures): a data
// center that goes silent must show as down within 10 s, open an incident, and resolve it on return.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeTarget, testApp } from './helpers.js';

async function summary(app: Awaited<ReturnType<typeof testApp>>) {
  const res = await app.server.inject({ method: 'GET', url: '/api/v2/summary.json' });
  assert.equal(res.statusCode, 200);
  return res.json() as { status: { indicator: string }; components: { id: string; status: string; description: string | null }[]; incidents: { id: string; name: string; status: string }[] };
}

async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a silent data center is marked down within 10 s, opens an incident, and resolves after it returns', async (t) => {
  const dc1 = await fakeTarget('ok');
  const dc2 = await fakeTarget('ok');
  const dc3 = await fakeTarget('read-fails');
  const app = await testApp({
    targets: [{ name: 'dc1', url: dc1.url }, { name: 'dc2', url: dc2.url }, { name: 'dc3', url: dc3.url }],
    resolveAfterMs: 1000,
  });
  t.after(async () => {
    await app.close();
    await Promise.all([dc1.close(), dc2.close(), dc3.close()]);
  });
  assert.equal(app.config.probeIntervalMs, 2000, 'tested with the default probe interval');
  assert.equal(app.config.probeTimeoutMs, 1500);
  app.start();

  // dc3 answers /readyz but its reads fail: a partial outage, not a dead DC.
  await waitFor('dc3 partial outage and dc1/dc2 operational', 10_000, async () => {
    const s = await summary(app);
    const by = Object.fromEntries(s.components.map((c) => [c.id, c.status]));
    return by.dc3 === 'partial_outage' && by.dc1 === 'operational' && by.dc2 === 'operational' ? s : undefined;
  });
  dc3.mode = 'ok';
  await waitFor('dc3 back and its incident resolved', 10_000, async () => {
    const s = await summary(app);
    return s.components.every((c) => c.status === 'operational') && s.incidents.length === 0 ? s : undefined;
  });

  // The fire: dc2 stops answering at all (blackholed network: silence, not resets).
  const fire = Date.now();
  dc2.mode = 'hang';
  const down = await waitFor('dc2 major outage', 10_000, async () => {
    const s = await summary(app);
    return s.components.find((c) => c.id === 'dc2')?.status === 'major_outage' ? s : undefined;
  });
  const downAfter = Date.now() - fire;
  t.diagnostic(`dc2 marked major_outage ${downAfter} ms after it went silent`);
  assert.ok(downAfter < 10_000);
  assert.match(down.components.find((c) => c.id === 'dc2')!.description ?? '', /timeout after 1500 ms/);
  assert.equal(down.components.find((c) => c.id === 'dc1')!.status, 'operational', 'the other DCs stay operational');
  // Without an edge, users may land on the dead DC: the derived components show a partial outage.
  assert.equal(down.components.find((c) => c.id === 'timelines')!.status, 'partial_outage');
  assert.equal(down.status.indicator, 'critical');
  const incident = await waitFor('an open incident naming dc2', 3000, async () => {
    const s = await summary(app);
    return s.incidents.find((i) => i.name.startsWith('dc2'));
  });
  assert.equal(incident.status, 'investigating');

  const revive = Date.now();
  dc2.mode = 'ok';
  await waitFor('incident resolved after dc2 returns', 10_000, async () => {
    const res = await app.server.inject({ method: 'GET', url: '/api/v2/incidents.json' });
    const found = (res.json() as { incidents: { id: string; status: string; incident_updates: { status: string }[] }[] }).incidents.find((i) => i.id === incident.id);
    return found?.status === 'resolved' ? found : undefined;
  }).then((resolved) => {
    t.diagnostic(`incident resolved ${Date.now() - revive} ms after dc2 returned; updates: ${resolved.incident_updates.map((u) => u.status).reverse().join(' → ')}`);
    assert.deepEqual(resolved.incident_updates.map((u) => u.status).reverse(), ['investigating', 'monitoring', 'resolved']);
  });
  const after = await summary(app);
  assert.equal(after.components.find((c) => c.id === 'dc2')!.status, 'operational');
});

test('a slow synthetic post gets a writer\'s patience and does not hold up the readiness probes', async (t) => {
  const dc1 = await fakeTarget('ok');
  dc1.postDelayMs = 2500; // past the 1.5 s health-check timeout, within the post's 5 s
  const app = await testApp({ targets: [{ name: 'dc1', url: dc1.url }], probeToken: 'probe-token' });
  t.after(async () => {
    await app.close();
    await dc1.close();
  });
  assert.equal(app.config.postTimeoutMs, 5000);
  const probed = await app.engine.probeTarget({ name: 'dc1', url: dc1.url });
  assert.deepEqual(probed.map((r) => [r.kind, r.ok]), [['readyz', true], ['read', true]]);
  assert.equal(dc1.postsAnswered, 0, 'readiness and read came back while the post was still being written');
  await app.engine.probeAll(); // waits for the post in flight (no second one: one per target at a time)
  assert.equal(dc1.postsAnswered, 1);
  assert.equal(dc1.undeleted, 0, 'the synthetic post was deleted again');
  await app.engine.evaluate();
  const dc = (await summary(app)).components.find((c) => c.id === 'dc1');
  assert.equal(dc?.status, 'operational', `a 2.5 s post is slow, not down: ${dc?.description}`);
});
