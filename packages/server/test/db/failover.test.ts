// The data layer rides through a host that goes silent (a fire blackholes the network: no resets),
// through refused connections, and never duplicates an idempotent write while doing so.
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { openPostgres, withHosts } from '@firebreak/server/db/postgres.js';
import { migrate } from '@firebreak/server/db/migrate.js';
import { freshPostgresUrl } from '@firebreak/testkit/app.js';

/** A TCP proxy that can silence every connection it carries (drop bytes, send nothing back). */
class SilencingProxy {
  private server!: Server;
  private readonly pairs = new Set<{ client: Socket; upstream: Socket; silent: boolean }>();
  private readonly held = new Set<Socket>();
  private blackholed = false;
  port = 0;
  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      if (this.blackholed) {
        // Accepted and never answered: a connect attempt waits out its whole connect timeout.
        this.held.add(client);
        client.on('error', () => {}).on('close', () => this.held.delete(client));
        return;
      }
      const upstream = connect(this.target.port, this.target.host);
      const pair = { client, upstream, silent: false };
      this.pairs.add(pair);
      client.on('data', (d) => { if (!pair.silent) upstream.write(d); });
      upstream.on('data', (d) => { if (!pair.silent) client.write(d); });
      const close = () => { client.destroy(); upstream.destroy(); this.pairs.delete(pair); };
      client.on('error', close); upstream.on('error', close); client.on('close', close); upstream.on('close', close);
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
  }

  /** Existing connections go silent, as when a data center's network is blackholed. */
  silenceExisting(): void { for (const p of this.pairs) p.silent = true; }

  /** Existing and new connections go silent: the host is blackholed for good. */
  blackhole(): void { this.blackholed = true; this.silenceExisting(); }

  async stop(): Promise<void> {
    for (const p of this.pairs) { p.client.destroy(); p.upstream.destroy(); }
    for (const c of this.held) c.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

describe('data layer through a silent host', { skip: !process.env.FIREBREAK_TEST_DATABASE_URL && process.env.CI !== 'true' }, () => {
  let proxy: SilencingProxy;
  let url: string;

  before(async () => {
    const direct = new URL(await freshPostgresUrl());
    proxy = new SilencingProxy({ host: direct.hostname, port: Number(direct.port) });
    await proxy.start();
    direct.port = String(proxy.port);
    url = direct.toString();
  });
  after(() => proxy.stop());

  it('abandons silent connections after the stall timeout and completes reads and idempotent writes', async () => {
    const retries: string[] = [];
    const db = openPostgres(url, { poolSize: 2, writeBudgetMs: 10_000, readBudgetMs: 10_000, stallMs: 500, hedgeMs: 200, heartbeatTimeoutMs: 0, observer: { onRetry: (e) => retries.push(String((e as { code?: string }).code)) } });
    try {
      await migrate(db);
      await db.query(`insert into accounts (username, email, password_hash) values ('s', 's@x.test', 'x')`);
      const write = () => db.transaction(async (tx) => {
        const [claimed] = await tx.query(`insert into idempotency_keys (account_id, key, status_id) select id, 'k1', next_id() from accounts where username = 's' on conflict do nothing returning status_id`);
        if (claimed) await tx.query(`insert into statuses (id, account_id, text) select $1, id, 'once' from accounts where username = 's'`, [claimed.status_id]);
      });
      await write();
      proxy.silenceExisting();
      const started = Date.now();
      const rows = await db.query('select count(*)::int as n from statuses');
      assert.equal(rows[0]!.n, 1);
      assert.ok(Date.now() - started < 5_000, 'the read came back within a few stall periods');
      proxy.silenceExisting();
      await write();
      const [count] = await db.query(`select count(*)::int as n from statuses where text = 'once'`);
      assert.equal(count!.n, 1, 'the retried write did not duplicate');
      assert.ok(retries.includes('CONNECTION_STALLED'), `retries seen: ${retries.join(',')}`);
    } finally {
      await db.close();
    }
  });

  it('gives up with a 503-class error once the budget is spent', async () => {
    const db = openPostgres('postgres://postgres@127.0.0.1:1/none', { poolSize: 1, writeBudgetMs: 600, readBudgetMs: 600, stallMs: 300, hedgeMs: 100, heartbeatTimeoutMs: 0 });
    try {
      await assert.rejects(db.query('select 1'), (e: { statusCode?: number; retryAfterSeconds?: number }) => e.statusCode === 503 && e.retryAfterSeconds! > 0);
    } finally {
      await db.close();
    }
  });
});

describe('data layer on a multi-host URL', { skip: !process.env.FIREBREAK_TEST_DATABASE_URL && process.env.CI !== 'true' }, () => {
  it('once the primary finder has found the primary on another host, new connections go straight to it', async () => {
    // Host A (a proxy to the database) is first in the URL and answers, then is blackholed; host B is
    // the database itself. The heartbeat notices, the finder hears "primary" from B only, and the
    // pools are replaced. The new ones must try B first: each try of A costs a 1 s connect timeout.
    const direct = new URL(await freshPostgresUrl());
    const proxy = new SilencingProxy({ host: direct.hostname, port: Number(direct.port) });
    await proxy.start();
    direct.searchParams.set('target_session_attrs', 'primary');
    const url = withHosts(direct.toString(), [`127.0.0.1:${proxy.port}`, direct.host]);
    const db = openPostgres(url, { poolSize: 2, writeBudgetMs: 10_000, readBudgetMs: 10_000, stallMs: 5_000, hedgeMs: 200, heartbeatTimeoutMs: 500 });
    try {
      await db.transaction((tx) => tx.query('select 1'));
      proxy.blackhole();
      // The heartbeat asks every 500 ms and gives up after 500 ms; the finder answers at once.
      await new Promise((r) => setTimeout(r, 3_000));
      let started = performance.now();
      await db.transaction((tx) => tx.query('select 1'));
      const write = performance.now() - started;
      started = performance.now();
      await db.ping(900);
      const ping = performance.now() - started;
      assert.ok(write < 700, `a write on the new pool took ${Math.round(write)} ms: it tried the silent host first`);
      assert.ok(ping < 700, `the readiness ping took ${Math.round(ping)} ms: its connection tried the silent host first`);
    } finally {
      await db.close();
      await proxy.stop();
    }
  });
});
