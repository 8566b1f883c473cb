#!/usr/bin/env node
// Screenshots of the status page (phone and desktop) into screenshots/, with a realistic scene:
// four watched servers (dc2 refusing service), a day of report history with a spike, 90 days of
// uptime, and a past incident. Run after a build: `npx tsc -p tsconfig.json && node scripts/status-screenshots.js`.
import { mkdirSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { pino } from 'pino';
import { chromium } from 'playwright-core';
import { buildStatusApp } from '@firebreak/status/app.js';
import { loadStatusConfig } from '@firebreak/status/config.js';
import { PROBLEM_TYPES, SLOT_MS, DAY_MS } from '@firebreak/status/detector.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const outDir = join(new URL('..', import.meta.url).pathname, 'screenshots');

if (!existsSync(CHROMIUM)) {
  console.error(`${CHROMIUM} is missing (apt-get install chromium)`);
  process.exit(1);
}

async function fakeTarget(ready) {
  const app = Fastify();
  app.get('/readyz', async (_req, reply) => (ready ? { status: 'ok' } : reply.code(503).send({ status: 'unavailable' })));
  app.get('/api/v1/timelines/public', async (_req, reply) => (ready ? [] : reply.code(500).send({ error: 'database unreachable' })));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url: `http://127.0.0.1:${app.server.address().port}` };
}

const dataDir = mkdtempSync(join(tmpdir(), 'firebreak-status-shots-'));
const targets = { edge: await fakeTarget(true), dc1: await fakeTarget(true), dc2: await fakeTarget(false), dc3: await fakeTarget(true) };
const config = loadStatusConfig(Object.entries(targets).flatMap(([name, t]) => ['--target', `${name}=${t.url}`]),
  { FIREBREAK_DATA_DIR: dataDir, FIREBREAK_STATUS_PROBE_INTERVAL_MS: '500', FIREBREAK_STATUS_PROBE_TIMEOUT_MS: '400' },
  { port: 0, logLevel: 'silent' });
const app = await buildStatusApp(config, { logger: pino({ level: 'silent' }) });
try {
  const now = Date.now();
  // A week of ordinary reports with a daily rhythm, then a spike in the last hour.
  const rows = [];
  for (let s = Math.floor((now - 7 * DAY_MS) / SLOT_MS) * SLOT_MS; s < now - SLOT_MS; s += SLOT_MS) {
    const hour = new Date(s).getUTCHours();
    const usual = Math.round(3 + 2.5 * Math.sin((2 * Math.PI * (hour - 9)) / 24) + ((s / SLOT_MS) % 3));
    const spike = now - s < 3600_000 ? 60 + 40 * ((s / SLOT_MS) % 2) : 0;
    rows.push({ slot: s, problem: spike ? 'posting' : PROBLEM_TYPES[(s / SLOT_MS) % 7], count: usual + spike });
  }
  await app.store.addSlotCounts(rows);
  // 90 days of uptime: mostly fine, with a few bad days.
  for (let d = 89; d >= 1; d--) {
    const at = new Date(now - d * DAY_MS);
    const statuses = new Map(app.engine.componentViews().map((c) => [c.id, d % 29 === 3 && c.id === 'dc1' ? 'major_outage' : d % 17 === 5 && c.id === 'posting' ? 'partial_outage' : 'operational']));
    await app.store.addComponentTime(at, DAY_MS / 24, statuses);
    await app.store.addComponentTime(at, DAY_MS - DAY_MS / 24, new Map([...statuses.keys()].map((k) => [k, 'operational'])));
  }
  const past = await app.engine.operatorCreate('Slow timelines in dc3', 'identified', 'Replica lag after a disk swap; reads served from dc1.', 'minor', ['dc3', 'timelines']);
  await app.engine.operatorUpdate(past.id, 'resolved', 'Replica caught up; timelines are fast again.');
  // Live reports from many people (each their own address) about posting, and a few others.
  for (let i = 0; i < 40; i++) {
    const problem = i < 28 ? 'posting' : i < 34 ? 'timeline' : i < 38 ? 'login' : 'app';
    await app.server.inject({ method: 'POST', url: '/api/v1/reports', remoteAddress: `10.7.0.${i + 1}`, payload: { problem } });
  }
  await app.server.listen({ port: 0, host: '127.0.0.1' });
  app.start();
  const url = `http://127.0.0.1:${app.server.server.address().port}/`;
  // Wait until the probes have marked dc2 down and an incident is open.
  for (let i = 0; i < 100; i++) {
    const s = await (await fetch(`${url}api/v2/summary.json`)).json();
    if (s.incidents.length && s.components.find((c) => c.id === 'dc2').status === 'major_outage') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  mkdirSync(outDir, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    for (const [name, viewport, scale] of [['phone', { width: 390, height: 844 }, 2], ['desktop', { width: 1280, height: 900 }, 1]]) {
      const page = await browser.newPage({ viewport, deviceScaleFactor: scale });
      await page.goto(url, { waitUntil: 'load' });
      const file = join(outDir, `status-${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      console.log(`wrote ${file}`);
      await page.close();
    }
  } finally {
    await browser.close();
  }
} finally {
  await app.close();
  for (const t of Object.values(targets)) await t.app.close();
  rmSync(dataDir, { recursive: true, force: true });
}
