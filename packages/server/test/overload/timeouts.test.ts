// Slow clients and slow requests: Node's server timeouts drop slow headers (slowloris), and the
// per-request deadline stops new database work without interrupting a transaction already begun.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startApp, type TestApp } from '@firebreak/testkit/app.js';
import { deadlineStorage } from '@firebreak/server/overload/deadline.js';

describe('server timeouts', () => {
  let t: TestApp;
  before(async () => { t = await startApp('pglite'); });
  after(() => t.close());

  it('are set: headers within 10 s, the whole request within 30 s, checked every 2 s', () => {
    assert.equal(t.app.server.headersTimeout, 10_000);
    assert.equal(t.app.server.requestTimeout, 30_000);
  });

  it('drop a client that sends its headers too slowly, with 408', async () => {
    // Same mechanism with a shorter timeout, so the test takes seconds, not ten.
    t.app.server.headersTimeout = 500;
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as { port: number };
    const started = Date.now();
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let received = '';
      socket.on('data', (d) => { received += d; });
      socket.on('close', () => resolve(received));
      socket.on('error', reject);
      socket.write('GET /api/v1/instance HTTP/1.1\r\nHost: x\r\n');
      const drip = setInterval(() => socket.writable && socket.write('X-Slow: a\r\n'), 200); // never finishes
      socket.on('close', () => clearInterval(drip));
    });
    const elapsed = Date.now() - started;
    assert.match(reply, /^HTTP\/1\.1 408/);
    assert.ok(elapsed < 5000, `dropped after ${elapsed} ms`);
  });
});

describe('request deadline', () => {
  let t: TestApp;
  before(async () => { t = await startApp('pglite'); });
  after(() => t.close());

  it('refuses to start a query or a transaction past the deadline, with 503', async () => {
    const past = { expiresAt: performance.now() - 1, route: 'GET /test' };
    await deadlineStorage.run(past, async () => {
      // Rejected, not thrown synchronously (see src/overload/deadline.ts).
      await assert.rejects(t.ctx.db.query('select 1'), (e: any) => e.statusCode === 503 && e.retryAfterSeconds === 1);
      await assert.rejects(t.ctx.db.transaction(async () => 1), (e: any) => e.statusCode === 503);
    });
    assert.deepEqual(await t.ctx.db.query('select 1 as one'), [{ one: 1 }], 'outside a request nothing is checked');
    const metrics = await t.ctx.metrics.registry.metrics();
    assert.match(metrics, /firebreak_requests_rejected_total\{reason="deadline",route="GET \/test"\} 2/);
  });

  it('lets a transaction that began before the deadline run to its commit', async () => {
    const soon = { expiresAt: performance.now() + 50, route: 'POST /test' };
    const result = await deadlineStorage.run(soon, () => t.ctx.db.transaction(async (tx) => {
      await new Promise((r) => setTimeout(r, 100)); // the deadline passes mid-transaction
      const [row] = await tx.query<{ n: number }>('select 41 + 1 as n');
      return row!.n;
    }));
    assert.equal(result, 42);
  });
});
