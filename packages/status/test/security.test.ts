// The status service against a hostile user (issue 14, finding 11): one anonymous client must not be
// able to make it show an outage. Each test failed before the fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '@firebreak/status/clock.js';
import { DAY_MS, PROBLEM_TYPES, SLOT_MS } from '@firebreak/status/detector.js';
import { reportSource } from '@firebreak/status/reports.js';
import { testApp } from './helpers.js';

const START = Date.UTC(2025, 5, 9, 14, 0, 0);

const report = (app: Awaited<ReturnType<typeof testApp>>, remoteAddress: string, headers: Record<string, string> = {}, problem = 'posting') =>
  app.server.inject({ method: 'POST', url: '/api/v1/reports', remoteAddress, headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify({ problem }) });
const counted = (res: { json(): unknown }) => (res.json() as { counted: boolean }).counted;

test('a reporter is a source (an address, an IPv6 /64), never something the client chooses', async (t) => {
  const app = await testApp({ reportRequestsPerMinute: 1000 }, { clock: new ManualClock(START) });
  t.after(() => app.close());
  const fromOne = [];
  for (let i = 0; i < 20; i++) fromOne.push(counted(await report(app, '203.0.113.7', { cookie: `fb_reporter=${String(i).padStart(22, 'x')}` })));
  assert.deepEqual(fromOne.filter(Boolean).length, 1, 'twenty reports with twenty cookies from one address count once');
  assert.equal(counted(await report(app, '2001:db8:1:2:aaaa::1')), true);
  assert.equal(counted(await report(app, '2001:db8:1:2:ffff:1:2:3')), false, 'the same /64');
  assert.equal(counted(await report(app, '2001:db8:1:3::1')), true, 'another /64');
  assert.equal(counted(await report(app, '::ffff:203.0.113.7')), false, 'an IPv4 address mapped into IPv6 is the same address');
  assert.equal(reportSource('2001:0db8:0000:0002::0001'), '2001:db8:0:2::/64');
});

test('reports from other sites are refused: the API takes JSON from its own origin, the form needs its token', async (t) => {
  const app = await testApp({}, { clock: new ManualClock(START) });
  t.after(() => app.close());
  const cross = await report(app, '198.51.100.1', { origin: 'https://evil.example' });
  assert.equal(cross.statusCode, 403);
  const asForm = await app.server.inject({ method: 'POST', url: '/api/v1/reports', remoteAddress: '198.51.100.2', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'problem=posting' });
  assert.equal(asForm.statusCode, 415, 'a form (what a page elsewhere can send without asking) is not a report');
  const forged = await app.server.inject({ method: 'POST', url: '/report', remoteAddress: '198.51.100.3', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'problem=posting' });
  assert.equal(forged.statusCode, 403, 'the form without its token');
  const page = await app.server.inject({ method: 'GET', url: '/' });
  const token = /name="form_token" value="([^"]+)"/.exec(page.body)![1]!;
  const stolen = await app.server.inject({ method: 'POST', url: '/report', remoteAddress: '198.51.100.4', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: 'fb_report_form=someone-elses-cookie-val' }, payload: `problem=posting&form_token=${token}` });
  assert.equal(stolen.statusCode, 403, "a token read from the page, without the visitor's own cookie");
  assert.match(String(page.headers['set-cookie']), /SameSite=Strict/i);
});

test('one source cannot open an incident, however much it reports; many sources can', async (t) => {
  const clock = new ManualClock(START - 7 * DAY_MS);
  const app = await testApp({ reportRequestsPerMinute: 100_000 }, { clock });
  t.after(() => app.close());
  const history = [];
  for (let s = START - 7 * DAY_MS; s < START; s += SLOT_MS) history.push({ slot: s, problem: PROBLEM_TYPES[(s / SLOT_MS) % 7]!, count: 1 });
  await app.store.addSlotCounts(history);
  clock.set(START);
  const open = async () => ((await app.server.inject({ method: 'GET', url: '/api/v2/incidents/unresolved.json' })).json() as { incidents: unknown[] }).incidents.length;
  for (let step = 0; step < 12; step++) {
    for (let i = 0; i < 50; i++) await report(app, '203.0.113.50');
    clock.advance(15_000);
    await app.engine.evaluate();
  }
  assert.equal(app.engine.reportLevel()?.observed, 1, 'six hundred reports from one address are one report');
  assert.equal(app.engine.reportLevel()?.level, 'none');
  assert.equal(await open(), 0);
  let source = 0;
  for (let step = 0; step < 12 && (await open()) === 0; step++) {
    for (let i = 0; i < 15; i++) assert.equal(counted(await report(app, `10.7.${source >> 8}.${source++ & 255}`)), true);
    clock.advance(15_000);
    await app.engine.evaluate();
  }
  assert.equal(await open(), 1, 'the same spike from many sources is an outage');
});
