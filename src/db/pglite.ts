import { mkdirSync } from 'node:fs';
import { PGlite, types } from '@electric-sql/pglite';
import type { Db, Queryable, Row } from './db.js';

const asString = (value: string) => value;

export async function openPglite(dataDir: string | undefined): Promise<Db> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const pg = await PGlite.create(dataDir, { parsers: { [types.INT8]: asString } });
  const query = async <T extends Row>(sql: string, params?: unknown[]) => (await pg.query<T>(sql, params)).rows;
  return {
    kind: 'pglite',
    query,
    async transaction(fn) {
      return pg.transaction((tx) => fn({ query: async <T extends Row>(sql: string, params?: unknown[]) => (await tx.query<T>(sql, params)).rows } as Queryable));
    },
    async exec(sql) { await pg.exec(sql); },
    async notify(channel, payload) { await pg.query('select pg_notify($1, $2)', [channel, payload]); },
    async listen(channel, onPayload) { const stop = await pg.listen(channel, onPayload); return () => stop(); },
    async ping() { await pg.query('select 1'); },
    async close() { await pg.close(); },
  };
}
