#!/usr/bin/env node
// `npm run screenshots`: starts Firebreak on a throwaway in-memory PGlite, seeds a few people and
// posts, and writes PNGs of the main pages into screenshots/: phones at 390 and 320 px, a desktop,
// both in the dark theme too, and the app offline (banner, saved timeline, outbox). Also prints
// what a signed-in first home load weighs on the wire, and the time from navigation to the first
// post on the home timeline with a throttled profile (first and return visits).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { multipart } from '@firebreak/testkit/app.js';
import { chromium } from 'playwright-core';
import { buildApp } from '@firebreak/server/app.js';
import { loadConfig } from '@firebreak/server/config.js';
import { closeContext, createContext } from '@firebreak/server/context.js';
import { registerAccount } from '@firebreak/server/domain/accounts.js';
import { issueToken } from '@firebreak/server/domain/tokens.js';
import { setRoleByUsername } from '@firebreak/server/domain/moderation.js';
import { ROLES } from '@firebreak/server/domain/roles.js';
import { addRule } from '@firebreak/server/domain/rules.js';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const PASSWORD = 'correct horse battery';
const outDir = new URL('../screenshots/', import.meta.url).pathname;

if (!existsSync(CHROMIUM)) {
  console.error(`chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  process.exit(1);
}

const mediaDir = mkdtempSync(join(tmpdir(), 'firebreak-screenshots-'));
const ctx = await createContext(loadConfig({ LOG_LEVEL: 'warn', FIREBREAK_ARGON2_MEMORY_KIB: '64', FIREBREAK_ARGON2_PASSES: '1', FIREBREAK_RATE_LIMITS: 'false', FIREBREAK_MEDIA_DIR: mediaDir }, { port: 0, host: '127.0.0.1' }), { memoryDb: true });
const app = await buildApp(ctx);
await app.listen({ port: 0, host: '127.0.0.1' });
const base = `http://127.0.0.1:${app.server.address().port}`;
ctx.config.publicUrl = base;
ctx.config.domain = new URL(base).host;

// ------------------------------------------------------------------ seed
const people = {
  maya: { name: 'Maya Okafor', bio: 'Site reliability at a place with three data centers.\nLikes: pager silence, tea.' },
  jonas: { name: 'Jonas Lindqvist', bio: 'Writes about Postgres, replication and long walks.' },
  ines: { name: 'Inês Duarte 🔥', bio: 'Fire safety engineer. Opinions are load-tested.' },
  tomas: { name: 'Tomás Reyes', bio: 'Network engineer. I cut cables for a living (in drills).' },
  cheapwatches: { name: 'Best Watches 4 U', bio: 'DM for deals!!!' },
};
const tokens = {};
const ids = {};
for (const [username, p] of Object.entries(people)) {
  const a = await registerAccount(ctx.db, { username, email: `${username}@example.com`, password: PASSWORD, agreement: true }, ctx.config.passwordHashing);
  ids[username] = a.id;
  tokens[username] = (await issueToken(ctx.db, null, a.id, ['read', 'write', 'follow', 'admin:read', 'admin:write'])).access_token;
  await call(username, 'PATCH', '/api/v1/accounts/update_credentials', { display_name: p.name, note: p.bio });
}
async function call(who, method, url, payload) {
  const res = await app.inject({ method, url, payload, headers: { authorization: `Bearer ${tokens[who]}` } });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json();
}
for (const [a, b] of [['maya', 'jonas'], ['maya', 'ines'], ['jonas', 'maya'], ['ines', 'maya'], ['jonas', 'ines']]) await call(a, 'POST', `/api/v1/accounts/${ids[b]}/follow`);
// Older posts first, so Maya's home timeline holds a full page (20 posts) for the weight measurement.
const topics = ['etcd leases', 'HAProxy health checks', 'pg_rewind', 'WAL archiving', 'quorum commit', 'fencing', 'network partitions'];
for (let i = 0; i < 14; i++) {
  await call(i % 2 ? 'jonas' : 'ines', 'POST', '/api/v1/statuses', { status: `Notes from the drill log, day ${i + 1}: today was about ${topics[i % topics.length]}. Everything recovered within the budget; the write stall stayed under 9 s. #firedrill` });
}
const first = await call('jonas', 'POST', '/api/v1/statuses', { status: 'Synchronous replication means a commit waits for a standby in another data center. About 20 ms, and worth every one. #postgres #firedrill' });
await call('ines', 'POST', '/api/v1/statuses', { status: 'Drill report: we blackholed dc2, then killed everything in it. Zero lost writes, 4 s of write stall. https://example.com/drills/2024-06 #firedrill' });
await call('maya', 'POST', '/api/v1/statuses', { status: `@jonas and the old primary cannot commit alone, because strict sync mode. That's the part people forget.`, in_reply_to_id: first.id });
await call('ines', 'POST', '/api/v1/statuses', { status: 'Spoilers for the postmortem: it was DNS.', spoiler_text: 'Postmortem spoilers' });
const quoted = await call('maya', 'POST', '/api/v1/statuses', { status: 'This is the best explanation of failover budgets I have read.', quoted_status_id: first.id });
await call('jonas', 'POST', `/api/v1/statuses/${quoted.id}/favourite`);
await call('ines', 'POST', `/api/v1/statuses/${first.id}/reblog`);
await call('maya', 'POST', `/api/v1/statuses/${first.id}/favourite`);
await call('jonas', 'POST', '/api/v1/statuses', { status: 'Good morning from dc3. Replica lag: 0 bytes. ☕' });
await call('jonas', 'POST', '/api/v1/statuses', { status: 'Agreed, and the budget is configurable: FIREBREAK_DB_WRITE_BUDGET_MS.', in_reply_to_id: quoted.id });
await call('ines', 'POST', '/api/v1/statuses', { status: 'For the people who follow me: the next drill is Thursday, dc1 burns at 10:00.', visibility: 'private' });
await call('jonas', 'POST', '/api/v1/statuses', { status: '@maya can you review the failover budget PR before Thursday?', visibility: 'direct' });
// Pictures: avatars for everyone, and a post with two pictures (drawn here, processed by the server).
const svg = (w, h, body) => sharp(Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${body}</svg>`)).jpeg({ quality: 90 }).toBuffer();
const colors = { maya: ['#c2410c', '#fdba74'], jonas: ['#1d4ed8', '#93c5fd'], ines: ['#be123c', '#fda4af'], tomas: ['#047857', '#6ee7b7'] };
for (const [username, [dark, light]] of Object.entries(colors)) {
  const face = await svg(400, 400, `<rect width="400" height="400" fill="${light}"/><circle cx="200" cy="160" r="80" fill="${dark}"/><rect x="80" y="270" width="240" height="160" rx="110" fill="${dark}"/>`);
  await upload(username, 'PATCH', '/api/v1/accounts/update_credentials', { avatar: { bytes: face, type: 'image/jpeg' } });
}
await upload('maya', 'PATCH', '/api/v1/accounts/update_credentials', { header: { bytes: await svg(1500, 500, '<defs><linearGradient id="g" x1="0" x2="1"><stop offset="0" stop-color="#7c2d12"/><stop offset="1" stop-color="#f97316"/></linearGradient></defs><rect width="1500" height="500" fill="url(#g)"/><path d="M0 420 L300 300 L600 380 L900 240 L1200 330 L1500 200 L1500 500 L0 500Z" fill="#431407" opacity=".6"/>'), type: 'image/jpeg' } });
const rack = await svg(1600, 1200, `<rect width="1600" height="1200" fill="#1f2937"/>${[0, 1, 2].map((i) => `<rect x="${150 + i * 470}" y="150" width="360" height="900" rx="20" fill="#374151"/>${Array.from({ length: 12 }, (_, j) => `<rect x="${180 + i * 470}" y="${190 + j * 70}" width="300" height="50" rx="6" fill="#111827"/><circle cx="${450 + i * 470}" cy="${215 + j * 70}" r="8" fill="${(i + j) % 5 ? '#22c55e' : '#f59e0b'}"/>`).join('')}`).join('')}`);
const chart = await svg(1200, 900, `<rect width="1200" height="900" fill="#fff"/><path d="M100 800 H1120 M100 800 V80" stroke="#94a3b8" stroke-width="4"/><polyline points="100,700 250,690 400,700 550,260 620,240 700,690 850,700 1000,695 1120,700" fill="none" stroke="#c2410c" stroke-width="10"/><text x="560" y="220" font-family="sans-serif" font-size="44" fill="#0f1419">fire: 8 s of write stall</text>`);
const picture = async (bytes, description) => {
  const media = await upload('ines', 'POST', '/api/v2/media', { file: { bytes, type: 'image/jpeg' }, description });
  for (let m = media; !m.url;) { await new Promise((r) => setTimeout(r, 50)); m = await call('ines', 'GET', `/api/v1/media/${media.id}`); if (m.url) break; }
  return media.id;
};
await call('ines', 'POST', '/api/v1/statuses', { status: 'Rack 2 in dc3 after the drill: every light green again. And the write latency during the fire, on one chart. #firedrill', media_ids: [await picture(rack, 'Three server racks, every status light green but two amber'), await picture(chart, 'A latency chart: flat, one spike of about 8 seconds during the fire, flat again')] });
async function upload(who, method, url, fields) {
  const { payload, contentType } = multipart(fields);
  const res = await app.inject({ method, url, payload, headers: { authorization: `Bearer ${tokens[who]}`, 'content-type': contentType } });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json();
}
// Maya runs the instance; a spammer gets reported.
await setRoleByUsername(ctx, 'maya', ROLES.owner);
await addRule(ctx.db, 'No spam or advertising', 'Unsolicited promotion, repeated posts');
await addRule(ctx.db, 'Be kind', 'No harassment, no hate');
const spam = await call('cheapwatches', 'POST', '/api/v1/statuses', { status: 'Cheap watches!!! Best prices at example.com #firedrill' });
const report = await call('jonas', 'POST', '/api/v1/reports', { account_id: ids.cheapwatches, status_ids: [spam.id], category: 'spam', comment: 'Posting the same ad under every drill report.' });
await call('ines', 'POST', '/api/v1/reports', { account_id: ids.cheapwatches, category: 'other', comment: 'Bot?' });
await call('maya', 'POST', `/api/v1/admin/reports/${report.id}/assign_to_self`);
// Maya approves new followers; Tomás waits for her answer.
await call('maya', 'PATCH', '/api/v1/accounts/update_credentials', { locked: true });
await call('tomas', 'POST', `/api/v1/accounts/${ids.maya}/follow`);
// Grouped notifications, a list, filters, a followed hashtag, a direct message, a note.
const likedByAll = await call('maya', 'POST', '/api/v1/statuses', { status: 'Fire drill tonight at 21:00 UTC. Bring snacks. #firedrill' });
for (const who of ['jonas', 'ines', 'tomas']) await call(who, 'POST', `/api/v1/statuses/${likedByAll.id}/favourite`);
const list = await call('maya', 'POST', '/api/v1/lists', { title: 'Database people', replies_policy: 'list' });
await call('maya', 'POST', `/api/v1/lists/${list.id}/accounts`, { account_ids: [ids.jonas] });
await call('maya', 'POST', '/api/v2/filters', { title: 'Postmortem spoilers', context: ['home', 'public'], filter_action: 'warn', keywords_attributes: [{ keyword: 'DNS' }] });
await call('maya', 'POST', '/api/v1/tags/postgres/follow');
await call('jonas', 'POST', '/api/v1/statuses', { status: '@maya coffee after the drill? ☕', visibility: 'direct' });
await call('maya', 'POST', `/api/v1/accounts/${ids.jonas}/note`, { comment: 'Knows everything about WAL.' });

// ------------------------------------------------------------------ browser
mkdirSync(outDir, { recursive: true });
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });

const signIn = async (context) => {
  const page = await context.newPage();
  await page.goto(`${base}/sign_in`);
  await page.getByLabel('E-mail or username').fill('maya');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('article.status').first().waitFor();
  return page;
};

/**
 * A throttled profile like Lighthouse's mobile one: 150 ms round trip, 1.6 Mb/s down, 750 kb/s up,
 * the CPU 4x slower. Applied through the DevTools protocol to one page.
 */
async function throttle(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 150, downloadThroughput: (1.6e6 / 8), uploadThroughput: (750e3 / 8) });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  return cdp;
}

/** Bytes on the wire (headers and compressed bodies, as the network saw them) of every response to a page load. */
function countBytes(cdp) {
  const requests = new Map();
  cdp.on('Network.responseReceived', (e) => requests.set(e.requestId, { url: new URL(e.response.url).pathname, type: e.type, encoding: e.response.headers['content-encoding'] ?? 'identity' }));
  cdp.on('Network.dataReceived', (e) => { const r = requests.get(e.requestId); if (r) r.decoded = (r.decoded ?? 0) + e.dataLength; });
  cdp.on('Network.loadingFinished', (e) => { const r = requests.get(e.requestId); if (r) r.wire = e.encodedDataLength; });
  return requests;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  const account = await browser.newContext();
  await signIn(account);
  const cookies = await account.cookies();
  await account.close();

  // First home load, signed in, nothing cached: what it weighs on the wire and how long until the
  // first post shows, throttled. Five fresh browsers; the weights of the first are printed.
  let firstLoad = null;
  const coldTimes = [];
  for (let i = 0; i < 5; i++) {
    const context = await browser.newContext({ serviceWorkers: 'block' });
    await context.addCookies(cookies);
    const page = await context.newPage();
    const cdp = await throttle(page);
    const requests = countBytes(cdp);
    await page.goto(`${base}/`);
    await page.locator('article.status').first().waitFor({ timeout: 60_000 });
    coldTimes.push(await page.evaluate(() => performance.getEntriesByName('first-status')[0]?.startTime ?? NaN));
    await page.waitForLoadState('networkidle');
    firstLoad ??= [...requests.values()].filter((r) => r.wire !== undefined);
    await context.close();
  }
  // The same, for someone coming back: the service worker is installed and files are revalidated (304s).
  const warm = await browser.newContext();
  await warm.addCookies(cookies);
  const warmPage = await warm.newPage();
  await warmPage.goto(`${base}/`);
  await warmPage.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 20_000 });
  await throttle(warmPage);
  const warmTimes = [];
  for (let i = 0; i < 5; i++) {
    await warmPage.goto(`${base}/`);
    await warmPage.locator('article.status').first().waitFor({ timeout: 60_000 });
    warmTimes.push(await warmPage.evaluate(() => performance.getEntriesByName('first-status')[0]?.startTime ?? NaN));
  }
  await warm.close();
  const total = firstLoad.reduce((n, r) => n + r.wire, 0);
  const decoded = firstLoad.reduce((n, r) => n + (r.decoded ?? 0), 0);
  console.log('First home load, signed in, nothing cached (bytes on the wire: headers + compressed bodies):');
  for (const r of firstLoad.sort((a, b) => b.wire - a.wire)) console.log(`  ${r.type.padEnd(10)} ${r.url.padEnd(42)} ${String(r.wire).padStart(7)} B on the wire, ${String(r.decoded ?? 0).padStart(7)} B decoded (${r.encoding})`);
  console.log(`  total ${String(firstLoad.length).padStart(3)} responses ${' '.repeat(28)} ${String(total).padStart(7)} B on the wire, ${String(decoded).padStart(7)} B decoded`);
  const fmt = (xs) => `median ${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`;
  console.log('Time to first timeline, throttled (150 ms RTT, 1.6 Mb/s down, 750 kb/s up, CPU 4x slower; navigation → first post rendered):');
  console.log(`  first visit (nothing cached), 5 fresh browsers: ${fmt(coldTimes)}`);
  console.log(`  return visit (service worker, revalidated files), 5 loads: ${fmt(warmTimes)}`);
  if (process.argv.includes('--measure-only')) process.exit(0);

  const shots = [
    ['home', '/'], ['explore', '/public/local'], ['thread', `/@jonas/${first.id}`], ['profile', '/@maya'],
    ['notifications', '/notifications'], ['follow-requests', '/follow_requests'], ['search', '/search?q=fire'], ['hashtag', '/tags/firedrill'], ['settings', '/settings'],
    ['lists', '/lists'], ['list', `/lists/${list.id}`], ['filters', '/filters'], ['followed-tags', '/followed_tags'], ['messages', '/conversations'],
    ['filtered-notifications', '/notifications/requests'], ['profile-note', '/@jonas'], ['about', '/about'],
    ['moderation', '/moderation'], ['moderation-report', `/moderation/reports/${report.id}`], ['moderation-account', `/moderation/accounts/${ids.cheapwatches}`],
    ['moderation-log', '/moderation/log'],
  ];
  const sizes = [
    ['phone', { width: 390, height: 844 }, 'light'], ['phone-320', { width: 320, height: 640 }, 'light'], ['desktop', { width: 1280, height: 800 }, 'light'],
    ['phone-dark', { width: 390, height: 844 }, 'dark'], ['desktop-dark', { width: 1280, height: 800 }, 'dark'],
  ];
  for (const [label, viewport, colorScheme] of sizes) {
    const scale = viewport.width < 700 ? 2 : 1;
    const context = await browser.newContext({ viewport, deviceScaleFactor: scale, colorScheme });
    const page = await signIn(context);
    for (const [name, path] of shots) {
      await page.goto(`${base}${path}`);
      await page.waitForLoadState('networkidle');
      await page.locator('main h1').first().waitFor();
      await page.screenshot({ path: `${outDir}${name}-${label}.png` });
    }
    // The composer with two pictures attached (one described), and a picture in the lightbox.
    await page.goto(`${base}/`);
    await page.locator('main h1').first().waitFor();
    await page.locator('main form.composer input[type=file]').setInputFiles([{ name: 'rack.jpg', mimeType: 'image/jpeg', buffer: rack }, { name: 'chart.jpg', mimeType: 'image/jpeg', buffer: chart }]);
    await page.locator('main form.composer').getByText('Ready').nth(1).waitFor();
    await page.getByLabel('Alt text for picture 1').fill('Three server racks, all lights green');
    await page.getByLabel('Post text').fill('Before and after the drill');
    await page.screenshot({ path: `${outDir}compose-media-${label}.png` });
    await page.goto(`${base}/tags/firedrill`);
    await page.getByRole('button', { name: /^View picture: Three server racks/ }).first().click();
    await page.locator('dialog.lightbox img').evaluate((img) => img.decode());
    await page.screenshot({ path: `${outDir}lightbox-${label}.png` });
    // The server unreachable: the banner, the saved timeline, and a post waiting in the outbox.
    await page.goto(`${base}/`);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 20_000 });
    await page.reload();
    await page.locator('article.status').first().waitFor();
    await context.setOffline(true);
    await page.getByLabel('Post text').fill('Posting while the server is away: the outbox keeps it.');
    await page.locator('main form.composer').getByRole('button', { name: 'Post', exact: true }).click();
    await page.reload();
    await page.getByText(/^Offline: a saved copy/).waitFor();
    await page.getByRole('region', { name: 'Outbox' }).waitFor();
    await page.screenshot({ path: `${outDir}offline-${label}.png` });
    await page.getByRole('region', { name: 'Outbox' }).getByRole('button', { name: 'Discard' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Discard' }).click();
    await context.setOffline(false);
    // The report dialog, opened from a post.
    await page.goto(`${base}/@cheapwatches`);
    await page.locator('article.status', { hasText: 'Cheap watches' }).getByRole('button', { name: 'More' }).click();
    await page.getByRole('menuitem', { name: 'Report @cheapwatches…' }).click();
    await page.getByRole('dialog').getByRole('heading').waitFor();
    await page.screenshot({ path: `${outDir}report-dialog-${label}.png` });
    await context.close();
    const anonymous = await browser.newContext({ viewport, deviceScaleFactor: scale, colorScheme });
    const page2 = await anonymous.newPage();
    await page2.goto(`${base}/sign_in`);
    await page2.waitForLoadState('networkidle');
    await page2.screenshot({ path: `${outDir}sign-in-${label}.png` });
    await anonymous.close();
  }

  console.log(`Screenshots written to ${outDir}`);
} finally {
  await browser.close();
  await app.close();
  await closeContext(ctx);
  rmSync(mediaDir, { recursive: true, force: true });
}
