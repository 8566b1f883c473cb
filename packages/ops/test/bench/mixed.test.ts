// The bench's mixed run against a real app server: its per-kind throughputs are the app's own counts
// (the posts are real: the account's count grows by as many), every post it made is fanned out
// before it reports, and the outbox wait comes from the app's histogram.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { bucketQuantileMs, measureMixed, mixedWorkload, parseExposition } from '@firebreak/ops/bench/mixed.js';
import { evaluateGoals } from '@firebreak/ops/bench/report.js';
import type { Workload } from '@firebreak/ops/bench/load.js';
import { makeUser, startListeningApp, type RunningApp } from '@firebreak/testkit/app.js';

let app: RunningApp;
before(async () => { app = await startListeningApp(); });
after(async () => { await app.close(); });

test('the mixed run counts each kind from the app and waits for the outbox to catch up', async () => {
  const user = await makeUser(app.ctx);
  const headers = { authorization: `Bearer ${user.token}` };
  let n = 0;
  const home: Workload = { name: 'home', next: () => ({ method: 'GET', path: '/api/v1/timelines/home?limit=20', headers }) };
  const post: Workload = { name: 'post', next: () => ({ method: 'POST', path: '/api/v1/statuses', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ status: `mixed ${n++}` }) }) };
  const result = await measureMixed(app.url, mixedWorkload(home, post), 4, 2);
  const [{ count }] = await app.ctx.db.query<{ count: string }>('select statuses_count as count from accounts where id = $1', [user.id]) as [{ count: string }];
  // Posts the load generator had prepared or had in flight when its time ran out may not be made.
  assert.ok(Number(count) <= n && Number(count) >= n - 8, `${count} posts made of ${n} prepared`);
  assert.ok(result.postsPerSecond > 0 && result.readsPerSecond > 0, JSON.stringify(result));
  // Nine reads to a post, give or take the run's edges (the warm-up's requests are not counted).
  const ratio = result.readsPerSecond / result.postsPerSecond;
  assert.ok(ratio > 6 && ratio < 13, `reads per post ${ratio}`);
  assert.ok(result.caughtUp && result.posts > 0 && result.fannedOut >= result.posts, JSON.stringify(result));
  assert.equal(result.postsPerSecond, Math.round(result.posts / result.saturation.seconds));
  assert.ok(result.outboxWaitP99UpToMs !== null && result.outboxWaitP50UpToMs! <= result.outboxWaitP99UpToMs);
  const goal = evaluateGoals({
    backend: 'pglite', scale: 'small', smoke: false, command: '', commit: '', date: '', dataset: { reused: true }, connections: 4, seconds: 2,
    machine: { cpu: '', cores: 2, memoryGb: 24, node: '', database: '', loadAverage: [] }, ceilings: {}, endpoints: [], mixed: result, notes: [],
  }).find((g) => g.goal.startsWith('mixed run'));
  assert.equal(goal?.met, result.outboxWaitP99UpToMs! <= 1000);
});

test('a quantile is the bound of the first bucket that holds it, counted between two scrapes', () => {
  const scrape = (counts: number[]) => new Map([[0.01, counts[0]!], [0.1, counts[1]!], [1, counts[2]!], [Infinity, counts[3]!]]);
  const before = scrape([5, 5, 5, 5]);
  // 100 new observations: 50 under 10 ms, 49 more under 100 ms, 1 between 100 ms and 1 s.
  const after = scrape([55, 104, 105, 105]);
  assert.equal(bucketQuantileMs(before, after, 0.5), 10);
  assert.equal(bucketQuantileMs(before, after, 0.99), 100);
  assert.equal(bucketQuantileMs(before, after, 1), 1000);
  assert.equal(bucketQuantileMs(before, scrape([5, 5, 5, 6]), 0.99), null, 'past the last finite bound');
  assert.equal(bucketQuantileMs(before, before, 0.99), null, 'nothing observed');
});

test('the exposition parser reads names, labels (with escapes) and values', () => {
  const samples = parseExposition([
    '# HELP x y',
    'firebreak_http_request_duration_seconds_count{method="GET",route="/api/v1/timelines/home",status="200"} 42',
    'firebreak_feed_outbox_wait_seconds_bucket{le="+Inf"} 7',
    'odd{text="a \\"quoted\\" word"} 1.5',
  ].join('\n'));
  assert.deepEqual(samples, [
    { name: 'firebreak_http_request_duration_seconds_count', labels: { method: 'GET', route: '/api/v1/timelines/home', status: '200' }, value: 42 },
    { name: 'firebreak_feed_outbox_wait_seconds_bucket', labels: { le: '+Inf' }, value: 7 },
    { name: 'odd', labels: { text: 'a \\"quoted\\" word' }, value: 1.5 },
  ]);
});
