import { mkdirSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { PGlite, types } from '@electric-sql/pglite';
import type { Driver, Queryable, Row } from './db.js';
import { startMaintenance } from './pglite-maintenance.js';
import { PgliteStatements } from './pglite-statements.js';

const asString = (value: string) => value;
const SHARED_BUFFERS = '16MB';

export async function openPglite(dataDir: string | undefined): Promise<Driver> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  keepPostgresOnBaselineCode();
  // PGlite keeps PostgreSQL's shared buffers inside the app process (WASM memory that is touched at
  // start-up and never returned): the default 128 MB alone took the process to about 300 MB. 16 MB keeps
  // the hot indexes; other pages come from the files through the OS page cache.
  const pg = await PGlite.create(dataDir, { parsers: { [types.INT8]: asString }, postgresqlconf: [`shared_buffers = '${SHARED_BUFFERS}'`] });
  releaseStartupMemory();
  // The first round runs before the first request's statement (PGlite answers in order), so a server
  // restarted on grown tables plans with fresh statistics; a new database has nothing to do.
  const stopMaintenance = startMaintenance(pg, (err) => process.emitWarning(`PGlite maintenance failed: ${String(err)}`));
  const statements = new PgliteStatements(pg);
  return {
    kind: 'pglite',
    query: <T extends Row>(sql: string, params?: unknown[]) => statements.query<T>(sql, params),
    async transaction(fn) {
      return pg.transaction((tx) => fn({
        query: <T extends Row>(sql: string, params?: unknown[]) => {
          if (tx.closed) throw new Error('Transaction is closed');
          return statements.inTransaction<T>(sql, params);
        },
      } as Queryable));
    },
    async exec(sql) { await pg.exec(sql); },
    async notify(channel, payload) { await pg.query('select pg_notify($1, $2)', [channel, payload]); },
    async listen(channel, onPayload, onSubscribed) { const stop = await pg.listen(channel, onPayload); onSubscribed?.(); return () => stop(); },
    async ping() { await pg.query('select 1'); },
    async primaryIsLocal() { return true; },
    async close() { await stopMaintenance(); await pg.close(); },
  };
}

/**
 * PostgreSQL's WASM is run by V8's baseline compiler (Liftoff) only, never tiered up to its optimizing
 * one. Tiering up one of its functions (#2272 of PGlite 0.5's module, 105 KB of code: Turboshaft took
 * 2 s and a 604 MB zone for it, `--trace-wasm-compilation-times`) took the process from about 240 MB
 * to 800 MB resident a few seconds into its first requests. Optimized code ran PGlite's statements
 * about a fifth faster (BENCHMARKS.md, "PGlite's memory"). The flags are read when a module is compiled, so
 * they are set before PGlite compiles its own; they hold for WASM compiled later too, which in this
 * server is none.
 */
function keepPostgresOnBaselineCode(): void {
  setFlagsFromString('--no-wasm-dynamic-tiering');
  setFlagsFromString('--no-wasm-tier-up');
}

/**
 * Opening PGlite leaves a few hundred MB of buffers (the WASM module, its file system image) that
 * nothing uses afterwards. Node 20's collector freed them within seconds; Node 24's, under the light
 * load of an embedded server, never ran a full collection and kept them: 626 MB resident instead of
 * 318 (measured on the bench's small dataset). Two full collections a little after start-up free
 * them. The collector is reached without the --expose-gc flag, which `npm start` cannot pass.
 */
function releaseStartupMemory(): void {
  setFlagsFromString('--expose_gc');
  const gc = runInNewContext('gc') as () => void;
  for (const delayMs of [2_000, 10_000]) setTimeout(gc, delayMs).unref();
}
