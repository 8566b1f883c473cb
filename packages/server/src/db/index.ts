import { join } from 'node:path';
import type { Config } from '../config.js';
import type { Db } from './db.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';
import type { RetryObserver } from './retry.js';

export type { Db, Queryable, Row } from './db.js';

/** PGlite under dataDir unless DATABASE_URL is set. `memory` is for tests. */
export async function openDb(config: Config, observer?: RetryObserver, memory = false): Promise<Db> {
  if (config.databaseUrl) {
    return openPostgres(config.databaseUrl, {
      poolSize: config.dbPoolSize, writeBudgetMs: config.writeBudgetMs, readBudgetMs: config.readBudgetMs, stallMs: config.dbStallMs, hedgeMs: config.dbHedgeMs,
      heartbeatTimeoutMs: config.dbHeartbeatTimeoutMs, observer,
    });
  }
  return openPglite(memory ? undefined : join(config.dataDir, 'pglite'));
}
