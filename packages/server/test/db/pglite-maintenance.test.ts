// PGlite has no autovacuum; the driver vacuums and analyzes tables that grew (db/pglite-maintenance.ts).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import { openPglite } from '@firebreak/server/db/pglite.js';
import { maintainGrownTables } from '@firebreak/server/db/pglite-maintenance.js';
import { eventually } from '../eventually.js';

const stats = async (query: (sql: string) => Promise<Array<Record<string, unknown>>>) => {
  const [row] = await query("select c.relpages, c.reltuples, (select count(*) from pg_stats s where s.tablename = 'grows') as columns_analyzed from pg_class c where c.relname = 'grows'");
  return { relpages: Number(row!.relpages), reltuples: Number(row!.reltuples), analyzed: Number(row!.columns_analyzed) };
};

describe('PGlite maintenance', () => {
  it('vacuums and analyzes a table that grew since it was last measured, and leaves it alone after', async () => {
    const pg = new PGlite();
    try {
      await pg.exec('create table grows (id bigint primary key, body text)');
      await pg.exec('vacuum analyze grows');
      assert.deepEqual(await maintainGrownTables(pg), [], 'an empty table has not grown');
      await pg.exec(`insert into grows select g, repeat('x', 100) from generate_series(1, 5000) g`);
      const q = async (sql: string) => (await pg.query<Record<string, unknown>>(sql)).rows;
      assert.equal((await stats(q)).relpages, 0, 'planned as empty until maintained');
      assert.deepEqual(await maintainGrownTables(pg), ['grows']);
      const after = await stats(q);
      assert.ok(after.relpages > 50 && after.reltuples === 5000 && after.analyzed === 2, JSON.stringify(after));
      assert.deepEqual(await maintainGrownTables(pg), [], 'nothing to do until it grows again');
    } finally {
      await pg.close();
    }
  });

  it('a server restarted on a grown database plans with fresh statistics', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'firebreak-pglite-'));
    try {
      const first = await openPglite(join(dir, 'pglite'));
      await first.exec('create table grows (id bigint primary key, body text)');
      await first.exec('vacuum analyze grows');
      await first.exec(`insert into grows select g, repeat('x', 100) from generate_series(1, 5000) g`);
      await first.close();
      const second = await openPglite(join(dir, 'pglite'));
      try {
        await eventually(async () => (await stats(second.query)).reltuples, 5000, 'analyzed at start-up');
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
