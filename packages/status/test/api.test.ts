// The HTTP API of the status service: report validation, dedupe and limits, operator actions,
// Statuspage JSON and Atom shapes, and data surviving a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@firebreak/status/clock.js';
import { testApp } from './helpers.js';

const ADMIN = 'admin-token-for-tests';
const START = Date.UTC(2025, 5, 2, 10, 0, 0);


test('reports: validation, one counted report per source per hour, rate limit, form post with its token', async (t) => {
  const clock = new ManualClock(START);
  const app = await testApp({ adminToken: ADMIN, reportRequestsPerMinute: 12 }, { clock });
  t.after(() => app.close());
  const post = (payload: unknown, opts: { cookie?: string; ip?: string; contentType?: string } = {}) => app.server.inject({
    method: 'POST', url: '/api/v1/reports', remoteAddress: opts.ip ?? '10.0.0.1',
    headers: { 'content-type': opts.contentType ?? 'application/json', ...(opts.cookie ? { cookie: opts.cookie } : {}) },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });

  // Bad input: every case a 4xx with a JSON error, never a 500.
  const bad: [unknown, number, RegExp, string?][] = [
    [{}, 400, /problem/],
    [{ problem: 'everything' }, 400, /must be one of/],
    [{ problem: 'login', text: 'x'.repeat(281) }, 400, /at most 280/],
    [{ problem: 'login', text: 42 }, 400, /string/],
    [{ problem: 'login', extra: 1 }, 400, /unknown field/],
    [[1, 2], 400, /object/],
    ['{not json', 400, /JSON/],
    ['problem=login', 415, /./, 'text/xml'],
    [JSON.stringify({ problem: 'login', text: 'y'.repeat(20_000) }), 413, /./],
  ];
  for (const [payload, status, message, contentType] of bad) {
    const res = await post(payload, { ip: '10.9.9.9', contentType });
    assert.equal(res.statusCode, status, `${JSON.stringify(payload).slice(0, 60)} → ${res.body}`);
    assert.match((res.json() as { error: string }).error, message);
  }

  const first = await post({ problem: 'posting', text: 'cannot post \u0007 anything' });
  assert.equal(first.statusCode, 201);
  assert.deepEqual(first.json(), { counted: true, problem: 'posting', text: 'cannot post  anything', message: 'report counted' });
  const again = await post({ problem: 'login' });
  assert.equal(again.statusCode, 200);
  assert.equal((again.json() as { counted: boolean }).counted, false, 'same source, same hour: not counted again');
  const otherAddress = await post({ problem: 'login' }, { ip: '10.0.0.2' });
  assert.equal((otherAddress.json() as { counted: boolean }).counted, true, 'another address is another reporter');
  const counted = [];
  for (const cookie of ['fb_reporter=AAAAAAAAAAAAAAAAAAAAAA', 'fb_reporter=BBBBBBBBBBBBBBBBBBBBBB']) counted.push(((await post({ problem: 'timeline' }, { cookie })).json() as { counted: boolean }).counted);
  assert.deepEqual(counted, [false, false], 'cookies do not make one address several reporters');

  // Next hour the same source counts again.
  clock.advance(3600_000);
  assert.equal(((await post({ problem: 'login' })).json() as { counted: boolean }).counted, true);

  // The HTML form (no JavaScript): with the page's token, 303 back to the page with a flash message.
  const served = await app.server.inject({ method: 'GET', url: '/', remoteAddress: '10.0.0.3' });
  const formCookie = String(served.headers['set-cookie']).split(';')[0]!;
  const token = /name="form_token" value="([^"]+)"/.exec(served.body)![1]!;
  const form = await app.server.inject({ method: 'POST', url: '/report', remoteAddress: '10.0.0.3', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: formCookie }, payload: `problem=website&text=blank+page&form_token=${token}` });
  assert.equal(form.statusCode, 303);
  assert.equal(form.headers.location, '/?report=counted#report');
  const page = await app.server.inject({ method: 'GET', url: '/?report=counted' });
  assert.match(page.body, /your report was counted/);

  // Rate limit: 12 requests per minute per address on the report routes.
  const codes = [];
  for (let i = 0; i < 14; i++) codes.push((await post({ problem: 'app' }, { ip: '10.0.0.4' })).statusCode);
  assert.ok(codes.slice(0, 12).every((c) => c === 201 || c === 200), codes.join());
  assert.deepEqual(codes.slice(12), [429, 429]);
  const limited = await post({ problem: 'app' }, { ip: '10.0.0.4' });
  assert.equal(limited.statusCode, 429);
  assert.match((limited.json() as { error: string }).error, /too many requests/);
  assert.ok(limited.headers['retry-after'], 'Retry-After is set');

  // Counted reports are in the chart (current 15-minute slot) and the most-reported list.
  const chart = (await app.server.inject({ method: 'GET', url: '/api/v1/reports/chart' })).json() as { slots: { start: number; reports: number; baseline: number }[] };
  assert.equal(chart.slots.length, 96);
  // 10:00 slot: posting (10.0.0.1), login (10.0.0.2); 11:00 slot: login, website, app (one per source).
  assert.equal(chart.slots.at(-1)!.reports, 3);
  assert.equal(chart.slots.at(-5)!.reports, 2);
  assert.equal(chart.slots.reduce((a, s) => a + s.reports, 0), 5);
  assert.ok(chart.slots.every((s) => s.baseline > 0), 'the baseline has a prior');
});

test('operator actions need the admin token; JSON and Atom have the Statuspage shapes; data survives a restart', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-status-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const clock = new ManualClock(START);
  let app = await testApp({ adminToken: ADMIN, storage: dir }, { clock });
  t.after(() => app.close());

  const create = (auth: string | undefined, payload: unknown) => app.server.inject({
    method: 'POST', url: '/api/v1/admin/incidents', payload: payload as object,
    headers: auth ? { authorization: auth } : {},
  });
  assert.equal((await create(undefined, { name: 'x', body: 'y' })).statusCode, 401);
  assert.equal((await create('Bearer wrong', { name: 'x', body: 'y' })).statusCode, 401);
  assert.equal((await create(`Bearer ${ADMIN}x`, { name: 'x', body: 'y' })).statusCode, 401);
  assert.equal((await create(`Bearer ${ADMIN}`, { name: 'x' })).statusCode, 400);
  assert.equal((await create(`Bearer ${ADMIN}`, { name: 'x', body: 'y', status: 'fine' })).statusCode, 400);
  assert.equal((await create(`Bearer ${ADMIN}`, { name: 'x', body: 'y', components: ['nope'] })).statusCode, 400);
  const created = await create(`Bearer ${ADMIN}`, { name: 'Slow <timelines>', body: 'Looking into it & more', impact: 'minor', components: ['timelines'] });
  assert.equal(created.statusCode, 201);
  const incident = created.json() as { id: string; status: string; automatic: boolean };
  assert.equal(incident.status, 'investigating');
  assert.equal(incident.automatic, false);

  clock.advance(60_000);
  const update = (id: string, payload: unknown) => app.server.inject({
    method: 'POST', url: `/api/v1/admin/incidents/${id}/updates`, payload: payload as object, headers: { authorization: `Bearer ${ADMIN}` },
  });
  assert.equal((await update('nope', { status: 'resolved', body: 'x' })).statusCode, 404);
  assert.equal((await update(incident.id, { status: 'monitoring', body: 'A fix is deployed' })).statusCode, 201);
  clock.advance(60_000);
  assert.equal((await update(incident.id, { status: 'resolved', body: 'All good' })).statusCode, 201);

  const incidents = (await app.server.inject({ method: 'GET', url: '/api/v2/incidents.json' })).json() as Record<string, any>;
  assert.deepEqual(Object.keys(incidents).sort(), ['incidents', 'page']);
  assert.deepEqual(Object.keys(incidents.page).sort(), ['id', 'name', 'time_zone', 'updated_at', 'url']);
  const i0 = incidents.incidents[0];
  for (const key of ['id', 'name', 'status', 'created_at', 'updated_at', 'monitoring_at', 'resolved_at', 'impact', 'shortlink', 'incident_updates', 'components']) {
    assert.ok(key in i0, `incident has ${key}`);
  }
  assert.equal(i0.status, 'resolved');
  assert.equal(i0.resolved_at, new Date(START + 120_000).toISOString());
  assert.equal(i0.monitoring_at, new Date(START + 60_000).toISOString());
  assert.deepEqual(i0.incident_updates.map((u: { status: string }) => u.status), ['resolved', 'monitoring', 'investigating']);

  const summary = (await app.server.inject({ method: 'GET', url: '/api/v2/summary.json' })).json() as Record<string, any>;
  assert.deepEqual(Object.keys(summary).sort(), ['components', 'incidents', 'page', 'scheduled_maintenances', 'status']);
  assert.deepEqual(summary.status, { indicator: 'none', description: 'All Systems Operational' });
  assert.deepEqual(summary.components.map((c: { id: string }) => c.id), ['posting', 'timelines', 'login']);
  for (const c of summary.components) {
    assert.ok(['operational', 'degraded_performance', 'partial_outage', 'major_outage'].includes(c.status));
    assert.ok(!Number.isNaN(Date.parse(c.updated_at)));
  }
  assert.deepEqual(summary.incidents, [], 'resolved incidents are not in the summary');
  const status = await app.server.inject({ method: 'GET', url: '/api/v2/status.json' });
  assert.equal(status.headers['access-control-allow-origin'], '*');
  assert.deepEqual(Object.keys(status.json() as object).sort(), ['page', 'status']);
  assert.equal(((await app.server.inject({ method: 'GET', url: '/api/v2/components.json' })).json() as { components: unknown[] }).components.length, 3);

  const atom = await app.server.inject({ method: 'GET', url: '/history.atom' });
  assert.equal(atom.statusCode, 200);
  assert.match(String(atom.headers['content-type']), /application\/atom\+xml/);
  assert.match(atom.body, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<feed xmlns="http:\/\/www.w3.org\/2005\/Atom"/);
  assert.match(atom.body, /<title>Slow &lt;timelines&gt;<\/title>/, 'titles are escaped');
  assert.match(atom.body, new RegExp(`<id>tag:status.test,2025:Incident/${incident.id}</id>`));
  assert.match(atom.body, /Looking into it &amp;amp; more/, 'content is escaped HTML, escaped again as XML');
  assert.equal((atom.body.match(/<entry>/g) ?? []).length, 1);

  // The page: strict CSP, no inline script or style.
  const page = await app.server.inject({ method: 'GET', url: '/' });
  assert.match(String(page.headers['content-security-policy']), /script-src 'self'; style-src 'self'/);
  assert.doesNotMatch(page.body, /<script>|<style|style="/);
  assert.match(page.body, /No problems at Firebreak/);
  assert.match(page.body, /Slow &lt;timelines&gt;/);
  assert.equal((await app.server.inject({ method: 'GET', url: '/nope' })).statusCode, 404);

  // A report and the incident survive a restart of the process (same data folder).
  const report = await app.server.inject({ method: 'POST', url: '/api/v1/reports', payload: { problem: 'posting' } });
  assert.equal(report.statusCode, 201);
  await app.close();
  app = await testApp({ adminToken: ADMIN, storage: dir }, { clock });
  const after = (await app.server.inject({ method: 'GET', url: '/api/v2/incidents.json' })).json() as { incidents: { id: string }[] };
  assert.deepEqual(after.incidents.map((i) => i.id), [incident.id]);
  const chart = (await app.server.inject({ method: 'GET', url: '/api/v1/reports/chart' })).json() as { slots: { reports: number }[] };
  assert.equal(chart.slots.at(-1)!.reports, 1);
  // The reporter salt is stored, so the same reporter is still recognised after the restart.
  const again = await app.server.inject({ method: 'POST', url: '/api/v1/reports', payload: { problem: 'posting' } });
  assert.equal((again.json() as { counted: boolean }).counted, false);
});
