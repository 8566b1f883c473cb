import { join } from 'node:path';
import type { Config } from '../config.js';
import type { Db, Driver, Queryable, Tx } from './db.js';
import { openPostgres } from './postgres.js';
import type { RetryObserver } from './retry.js';

export type { Db, Driver, Queryable, Row, Tx } from './db.js';
export { isTransaction } from './db.js';
export { opaque } from './opaque.js';
export { probe } from './probe.js';

/** PGlite under dataDir unless DATABASE_URL is set. `memory` is for tests. */
export async function openDb(config: Config, observer?: RetryObserver, memory = false): Promise<Db> {
  if (config.databaseUrl) {
    return withCommitHooks(openPostgres(config.databaseUrl, {
      poolSize: config.dbPoolSize, writeBudgetMs: config.writeBudgetMs, readBudgetMs: config.readBudgetMs, stallMs: config.dbStallMs, hedgeMs: config.dbHedgeMs,
      heartbeatTimeoutMs: config.dbHeartbeatTimeoutMs, observer,
    }));
  }
  // Loaded only when it is the database: a server on PostgreSQL never holds PGlite's code.
  const { openPglite } = await import('./pglite.js');
  return withCommitHooks(await openPglite(memory ? undefined : join(config.dataDir, 'pglite')));
}

/**
 * Gives each transaction its after-commit hooks. A driver may run `fn` more than once (it retries a
 * transaction through a failover); only the attempt that committed keeps its hooks.
 */
export function withCommitHooks(driver: Driver): Db {
  const db: Db = Object.create(driver);
  db.transaction = async <T>(fn: (tx: Tx) => Promise<T>) => {
    let hooks: Array<() => void> = [];
    const result = await driver.transaction((tx: Queryable) => {
      hooks = [];
      return fn({ query: (sql, params) => tx.query(sql, params), afterCommit: (hook) => { hooks.push(hook); } });
    });
    for (const hook of hooks) hook();
    return result;
  };
  return db;
}
