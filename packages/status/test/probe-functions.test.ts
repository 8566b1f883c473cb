// Each probe against a test double of the watched server: outcome, latency, reason, timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { probePost, probeRead, probeReady } from '@firebreak/status/probes.js';
import { fakeTarget } from './helpers.js';

test('probes report outcome, latency and a short reason; the synthetic post is deleted again', async (t) => {
  const server = await fakeTarget('ok');
  t.after(() => server.close());
  const target = { name: 'dc1', url: server.url };
  // Generous timeout for the passing probes (the test machine is shared); a short one for the hang.
  const opts = { timeoutMs: 3000, now: () => 1_000, probeToken: 'probe-token' };

  const ready = await probeReady(target, opts);
  assert.deepEqual({ ...ready, latencyMs: 0 }, { target: 'dc1', kind: 'readyz', ok: true, latencyMs: 0, error: null, at: 1_000 });
  assert.ok(ready.latencyMs > 0 && ready.latencyMs < 3000);
  assert.equal((await probeRead(target, opts)).ok, true);
  const post = await probePost(target, opts);
  assert.equal(post.ok, true, post.error ?? '');
  assert.equal(server.undeleted, 0, 'the probe cleans up its post');
  assert.equal((await probePost(target, { ...opts, probeToken: 'wrong' })).error, 'HTTP 401: The access token is invalid');
  // With a probe account the read is a signed-in one (its home timeline); without, an anonymous one.
  assert.equal((await probeRead(target, { ...opts, probeToken: 'wrong' })).error, 'HTTP 401: The access token is invalid');
  assert.equal((await probeRead(target, { ...opts, probeToken: undefined })).ok, true);

  server.mode = 'read-fails';
  assert.equal((await probeReady(target, opts)).ok, true);
  assert.equal((await probeRead(target, opts)).error, 'HTTP 500: db');
  server.mode = 'not-ready';
  assert.equal((await probeReady(target, opts)).error, 'HTTP 503');
  assert.equal((await probePost(target, opts)).error, 'HTTP 503: unavailable');
  server.mode = 'hang';
  const started = Date.now();
  const hung = await probeReady(target, { ...opts, timeoutMs: 300 });
  assert.equal(hung.error, 'timeout after 300 ms');
  assert.ok(Date.now() - started < 2000, 'the timeout is enforced');
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((r) => closed.close(r));
  assert.equal((await probeReady({ name: 'gone', url: `http://127.0.0.1:${port}` }, opts)).error, 'ECONNREFUSED');
});
