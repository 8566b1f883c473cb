#!/usr/bin/env node
// `npm run screenshots`: starts Firebreak on a throwaway in-memory PGlite, seeds a few people and
// posts, and writes PNGs of the main pages at phone (390x844) and desktop (1280x800) sizes into
// screenshots/. Also prints the page weight (compressed HTML+JS+CSS of a first load) and the
// time from navigation to the first status rendered on the home timeline.
import { mkdirSync } from 'node:fs';
import { existsSync } from 'node:fs';
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

const ctx = await createContext(loadConfig({ LOG_LEVEL: 'warn', FIREBREAK_ARGON2_MEMORY_KIB: '64', FIREBREAK_ARGON2_PASSES: '1', FIREBREAK_RATE_LIMITS: 'false' }, { port: 0, host: '127.0.0.1' }), { memoryDb: true });
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

// ------------------------------------------------------------------ browser
mkdirSync(outDir, { recursive: true });
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
try {
  // Page weight: a signed-out first load, counting the compressed bytes of HTML, JS and CSS.
  const fresh = await browser.newContext();
  const weightPage = await fresh.newPage();
  const sizes = [];
  weightPage.on('response', async (r) => {
    const type = r.request().resourceType();
    if (!['document', 'script', 'stylesheet'].includes(type)) return;
    const headers = await r.allHeaders();
    sizes.push({ url: new URL(r.url()).pathname, type, bytes: Number(headers['content-length'] ?? (await r.body()).length), encoding: headers['content-encoding'] ?? 'identity' });
  });
  await weightPage.goto(`${base}/sign_in`, { waitUntil: 'networkidle' });
  await fresh.close();

  const signIn = async (context) => {
    const page = await context.newPage();
    await page.goto(`${base}/sign_in`);
    await page.getByLabel('E-mail or username').fill('maya');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('article.status').first().waitFor();
    return page;
  };

  // Time to first timeline: navigation start to the first status on the home timeline (signed in, warm server).
  const timingContext = await browser.newContext();
  const timingPage = await signIn(timingContext);
  const samples = [];
  for (let i = 0; i < 5; i++) {
    await timingPage.goto(`${base}/`);
    await timingPage.locator('article.status').first().waitFor();
    samples.push(await timingPage.evaluate(() => performance.getEntriesByName('first-status')[0]?.startTime ?? NaN));
  }
  await timingContext.close();

  const shots = [
    ['home', '/'], ['explore', '/public/local'], ['thread', `/@jonas/${first.id}`], ['profile', '/@maya'],
    ['notifications', '/notifications'], ['follow-requests', '/follow_requests'], ['search', '/search?q=fire'], ['hashtag', '/tags/firedrill'], ['settings', '/settings'],
    ['moderation', '/moderation'], ['moderation-report', `/moderation/reports/${report.id}`], ['moderation-account', `/moderation/accounts/${ids.cheapwatches}`],
    ['moderation-log', '/moderation/log'],
  ];
  for (const [label, viewport] of [['phone', { width: 390, height: 844 }], ['desktop', { width: 1280, height: 800 }]]) {
    const context = await browser.newContext({ viewport, deviceScaleFactor: label === 'phone' ? 2 : 1, colorScheme: 'light' });
    const page = await signIn(context);
    for (const [name, path] of shots) {
      await page.goto(`${base}${path}`);
      await page.waitForLoadState('networkidle');
      await page.locator('main h1').first().waitFor();
      await page.screenshot({ path: `${outDir}${name}-${label}.png` });
    }
    // The report dialog, opened from a post.
    await page.goto(`${base}/@cheapwatches`);
    await page.locator('article.status', { hasText: 'Cheap watches' }).getByRole('button', { name: 'Report' }).click();
    await page.getByRole('dialog').getByRole('heading').waitFor();
    await page.screenshot({ path: `${outDir}report-dialog-${label}.png` });
    await context.close();
    const anonymous = await browser.newContext({ viewport, deviceScaleFactor: label === 'phone' ? 2 : 1 });
    const page2 = await anonymous.newPage();
    await page2.goto(`${base}/sign_in`);
    await page2.waitForLoadState('networkidle');
    await page2.screenshot({ path: `${outDir}sign-in-${label}.png` });
    await anonymous.close();
  }

  const total = sizes.reduce((n, s) => n + s.bytes, 0);
  console.log('Page weight, first load (compressed bytes on the wire):');
  for (const s of sizes) console.log(`  ${s.type.padEnd(10)} ${s.url.padEnd(20)} ${String(s.bytes).padStart(6)} B (${s.encoding})`);
  console.log(`  total      ${String(total).padStart(27)} B`);
  samples.sort((a, b) => a - b);
  console.log(`Time to first timeline (navigation → first status rendered, 5 loads): median ${samples[2].toFixed(0)} ms, min ${samples[0].toFixed(0)} ms, max ${samples[4].toFixed(0)} ms`);
  console.log(`Screenshots written to ${outDir}`);
} finally {
  await browser.close();
  await app.close();
  await closeContext(ctx);
}
