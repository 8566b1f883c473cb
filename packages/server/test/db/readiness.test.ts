// Readiness under load: the edge health-checks /readyz with a one-second timeout, so the ping must not
// wait behind a busy pool's queue. (It did: under a flood the ping timed out, the edge took the only
// server out of rotation, and a busy server became an outage; see the flood drill.)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openPostgres } from '@firebreak/server/db/postgres.js';
import { freshPostgresUrl } from '@firebreak/testkit/app.js';

describe('readiness ping on PostgreSQL', { skip: !process.env.FIREBREAK_TEST_DATABASE_URL && process.env.CI !== 'true' }, () => {
  it('answers within its timeout while every pooled connection is busy', async () => {
    const db = openPostgres(await freshPostgresUrl(), { poolSize: 2, writeBudgetMs: 5000, readBudgetMs: 5000, stallMs: 10_000, hedgeMs: 1000, heartbeatTimeoutMs: 0 });
    try {
      const busy = Array.from({ length: 6 }, () => db.query('select pg_sleep(1)'));
      await new Promise((r) => setTimeout(r, 100)); // the pool is taken and four queries wait
      const started = performance.now();
      await db.ping(500);
      assert.ok(performance.now() - started < 500, 'the ping did not queue behind the pool');
      await Promise.all(busy);
    } finally {
      await db.close();
    }
  });
});

describe('where the primary is, for the edge\'s write routing', { skip: !process.env.FIREBREAK_TEST_DATABASE_URL && process.env.CI !== 'true' }, () => {
  const options = { poolSize: 1, writeBudgetMs: 5000, readBudgetMs: 5000, stallMs: 10_000, hedgeMs: 1000, heartbeatTimeoutMs: 0 };
  it('says the primary is local when the first host of the URL is the primary, and not otherwise', async () => {
    const url = new URL(await freshPostgresUrl());
    const port = url.port;
    // Two names for the one server: as the first host it is "here"; second after another name, it is not.
    const hostsFirst = (hosts: string[]) => url.toString().replace(`127.0.0.1:${port}`, hosts.map((h) => `${h}:${port}`).join(','));
    for (const [hosts, local] of [[['127.0.0.1', 'localhost'], true], [['localhost', '127.0.0.1'], false]] as const) {
      const db = openPostgres(hostsFirst([...hosts]), options);
      try {
        assert.equal(await db.primaryIsLocal(2000), local, hosts.join(','));
      } finally { await db.close(); }
    }
    const single = openPostgres(url.toString(), options);
    try { assert.equal(await single.primaryIsLocal(2000), true, 'one host: always'); } finally { await single.close(); }
  });
});
