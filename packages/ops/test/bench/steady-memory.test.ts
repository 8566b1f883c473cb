// The bench's steady-state step against a real app server: paging through accounts' statuses fills the
// entity cache, as the app's /metrics counts it, and the step stops at the budget it is given.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fillEntityCache, statusLookups } from '@firebreak/ops/bench/steady-memory.js';
import { makeUser, startListeningApp, type RunningApp, type User } from '@firebreak/testkit/app.js';
import { createStatus } from '@firebreak/server/domain/statuses.js';

let app: RunningApp;
let reader: User;
const authors: User[] = [];
const POSTS = 90;

before(async () => {
  app = await startListeningApp();
  reader = await makeUser(app.ctx);
  for (let a = 0; a < 2; a++) {
    const author = await makeUser(app.ctx);
    for (let i = 0; i < POSTS; i++) await createStatus(app.ctx, author.id, {
      text: `steady ${a} ${i} ${'x'.repeat(200)}`, spoilerText: '', sensitive: false, visibility: 'public', language: null,
      inReplyToId: null, quotedStatusId: null, idempotencyKey: null, appId: null,
    });
    authors.push(author);
  }
});
after(async () => { await app.close(); });

test('pages through every status of the accounts (40 a page) and the cache holds them', async () => {
  const before = app.ctx.entityCache.bytes;
  const fill = await fillEntityCache(app.url, authors.map((a) => a.id), reader.token, 1024 ** 3, 1000);
  // 90 statuses: two full pages and a last one of 10, for each of the two accounts. (A page the server
  // shed under load is asked for again: `requests` counts the tries.)
  assert.equal(fill.pages, 6);
  assert.ok(fill.requests >= 6);
  assert.equal(fill.bytes, app.ctx.entityCache.bytes);
  assert.ok(fill.bytes - before > 2 * POSTS * 200, `the cache grew by ${fill.bytes - before} bytes`);
});

test('stops once the cache holds its budget, or at the request bound', async () => {
  const held = app.ctx.entityCache.bytes;
  const full = await fillEntityCache(app.url, authors.map((a) => a.id), reader.token, held, 1000, 1);
  // One page per account may be in flight when the first answer shows the cache full.
  assert.ok(full.pages <= 2, `${full.pages} pages read with the cache already full`);
  const bounded = await fillEntityCache(app.url, authors.map((a) => a.id), reader.token, 1024 ** 3, 2);
  assert.equal(bounded.requests, 2);
});

test("counts the statuses' look-ups the cache answered, as the home phase's hit rate reads them", async () => {
  const page = async () => {
    const res = await fetch(`${app.url}/api/v1/accounts/${authors[0]!.id}/statuses?limit=40`, { headers: { authorization: `Bearer ${reader.token}` } });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as unknown[]).length, 40);
  };
  await page();
  const before = await statusLookups(app.url);
  await page();
  const after = await statusLookups(app.url);
  // The page was read just before: each of its 40 statuses comes from memory, none from the database.
  assert.equal(after.hits - before.hits, 40);
  assert.equal(after.misses, before.misses);
});
