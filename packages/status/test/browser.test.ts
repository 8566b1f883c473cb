// A real browser (Debian's chromium through playwright-core) loads the status page, submits a
// report with the form, and sees the chart's current bar grow, with the strict CSP in force.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { fakeTarget, testApp } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const missing = !existsSync(CHROMIUM);
if (missing && process.env.CI === 'true') throw new Error(`CI=true and ${CHROMIUM} is missing (apt-get install chromium): failing, not skipping`);

test('the status page: submit a report in the browser and see the chart update', { skip: missing ? `${CHROMIUM} not installed` : false, timeout: 90_000 }, async (t) => {
  const dc1 = await fakeTarget('ok');
  const app = await testApp({ targets: [{ name: 'dc1', url: dc1.url }] });
  await app.server.listen({ port: 0, host: '127.0.0.1' });
  app.start();
  const address = app.server.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 60_000 });
  t.after(async () => {
    await browser.close();
    await app.close();
    await dc1.close();
  });

  // One report before the page loads, from another reporter, so the bar starts at 1.
  assert.equal((await app.server.inject({ method: 'POST', url: '/api/v1/reports', remoteAddress: '10.2.0.1', payload: { problem: 'login' } })).statusCode, 201);

  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(url, { waitUntil: 'load' });
  assert.match(await page.locator('#headline').innerText(), /at Firebreak$/);
  assert.deepEqual(await page.locator('.component .name').allInnerTexts(), ['dc1', 'Posting', 'Timelines', 'Login']);
  const lastBar = page.locator('#chart-bars rect').last();
  assert.equal(await page.locator('#chart-bars rect').count(), 96);
  assert.equal(await lastBar.getAttribute('data-count'), '1');
  const heightBefore = Number(await lastBar.getAttribute('height'));

  await page.locator('input[name=problem][value=posting]').check();
  await page.locator('#report-text').fill('my post spins forever');
  await page.locator('#report-form button[type=submit]').click();
  await page.locator('#report-result', { hasText: 'your report was counted' }).waitFor({ timeout: 10_000 });
  await page.waitForFunction(() => document.querySelector('#chart-bars rect:last-child')?.getAttribute('data-count') === '2', undefined, { timeout: 10_000 });
  const heightAfter = Number(await lastBar.getAttribute('height'));
  assert.ok(heightAfter > heightBefore, `bar grew: ${heightBefore} → ${heightAfter}`);
  assert.equal(page.url(), url, 'submitted with fetch, no navigation');

  // The same person again: thanked, not counted twice.
  await page.locator('input[name=problem][value=login]').check();
  await page.locator('#report-form button[type=submit]').click();
  await page.locator('#report-result', { hasText: 'already counted this hour' }).waitFor({ timeout: 10_000 });
  assert.equal(await page.locator('#chart-bars rect').last().getAttribute('data-count'), '2');

  // After a reload the server-rendered page shows the report too.
  await page.reload({ waitUntil: 'load' });
  assert.equal(await page.locator('#chart-bars rect').last().getAttribute('data-count'), '2');
  assert.match(await page.locator('.most').innerText(), /Login[\s\S]*50%[\s\S]*Posting|Posting[\s\S]*50%[\s\S]*Login/);
  assert.deepEqual(problems, [], 'no script errors and no CSP violations');
});
