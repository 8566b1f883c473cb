// The bench's unloaded posts against a real app server: every timed post is a real post (the
// account's count grows by exactly that many), and the report turns them into the cluster goal.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { inPrimaryDc, measureUnloadedPosts } from '@firebreak/ops/bench/unloaded-posts.js';
import { evaluateGoals, renderMarkdown, type BenchResult } from '@firebreak/ops/bench/report.js';
import { makeUser, startListeningApp, type RunningApp } from '@firebreak/testkit/app.js';

let app: RunningApp;
before(async () => { app = await startListeningApp(); });
after(async () => { await app.close(); });

const statusesCount = async (id: string) => Number((await app.ctx.db.query<{ n: string }>('select statuses_count as n from accounts where id = $1', [id]))[0]!.n);

test('each connection mode posts for real, one at a time, and reports ordered percentiles', async () => {
  const user = await makeUser(app.ctx);
  for (const connection of ['keep-alive', 'new'] as const) {
    const before = await statusesCount(user.id);
    const result = await measureUnloadedPosts(app.url, user.token, connection);
    assert.equal(result.connection, connection);
    // Two unmeasured posts first, then the measured ones.
    assert.equal(await statusesCount(user.id), before + 2 + result.posts);
    assert.ok(result.posts >= 20);
    assert.ok(result.p50Ms > 0 && result.p50Ms <= result.p90Ms && result.p90Ms <= result.maxMs, JSON.stringify(result));
  }
});

test('a refused post fails the measurement instead of being timed', async () => {
  await assert.rejects(measureUnloadedPosts(app.url, 'not-a-token', 'keep-alive'), /answered 401/);
});

test('a single server on PGlite holds its own primary, so writes may be routed to it', async () => {
  assert.equal(await inPrimaryDc(app.url), true);
});

test('the edge figure becomes the goal; every target is a row of the table', () => {
  const unloadedPosts = [
    { target: 'edge', connection: 'keep-alive' as const, posts: 40, p50Ms: 61.2, p90Ms: 70, maxMs: 80 },
    { target: 'edge', connection: 'new' as const, posts: 40, p50Ms: 50, p90Ms: 55, maxMs: 60 },
    { target: 'http://10.77.0.12:3001', primaryDc: false, connection: 'keep-alive' as const, posts: 40, p50Ms: 185, p90Ms: 190, maxMs: 200 },
  ];
  const result = {
    backend: 'cluster', scale: 'small', smoke: false, command: 'npm run bench', commit: 'abc', date: '2026-12-03',
    machine: { cpu: 'cpu', cores: 2, memoryGb: 24, node: 'v24', database: 'PostgreSQL 15', loadAverage: [0, 0, 0] },
    dataset: { reused: true as const }, connections: 32, seconds: 10, ceilings: {}, endpoints: [], unloadedPosts, notes: [],
  } satisfies Omit<BenchResult, 'goals'>;
  const goals = evaluateGoals(result);
  // The kept-alive edge figure counts, not the new-connection one that would meet it.
  assert.deepEqual(goals, [{ goal: 'a post through the edge, unloaded, p50 <= 60 ms', measured: '61.2 ms', met: false }]);
  const markdown = renderMarkdown({ ...result, goals }, 'bench-results/cluster-small.json');
  assert.match(markdown, /\| the edge \| kept alive \| 61\.2 \/ 70 \/ 80 \|/);
  assert.match(markdown, /\| the edge \| a new one per post \| 50 \/ 55 \/ 60 \|/);
  assert.match(markdown, /\| http:\/\/10\.77\.0\.12:3001 \(another DC\) \| kept alive \| 185 \/ 190 \/ 200 \|/);
});
