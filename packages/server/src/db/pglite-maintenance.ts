// PGlite runs PostgreSQL in a single process, without autovacuum: nothing ever ANALYZEs or VACUUMs
// its tables unless we do. Without statistics the planner guesses, and guesses badly once a table has
// grown since it was last analyzed: on the bench's small dataset the home timeline's statement took
// 19.8 ms to execute with home_feed analyzed while empty, 1.7 ms after ANALYZE. Without VACUUM, the
// dead rows every update leaves (counters change on each favourite, reblog, post) are never reused.
//
// So the driver does autovacuum's job, with a rule that needs no activity statistics (PGlite's
// reset at every start): a table whose file has grown by more than a tenth (and a few pages) since
// VACUUM or ANALYZE last measured it (pg_class.relpages) is vacuumed and analyzed. A table analyzed
// while empty has relpages 0, so it qualifies as soon as it holds anything.
import type { PGlite } from '@electric-sql/pglite';

export const MAINTENANCE_INTERVAL_MS = 60_000;

const GROWN_TABLES = `
  select format('%I', c.relname) as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = 'public' and c.relkind = 'r'
    and pg_relation_size(c.oid) / current_setting('block_size')::int > c.relpages * 1.1 + 8
  order by c.relname`;

/** Vacuums and analyzes the tables that grew since last measured; returns their names. */
export async function maintainGrownTables(pg: PGlite): Promise<string[]> {
  const grown = (await pg.query<{ name: string }>(GROWN_TABLES)).rows.map((r) => r.name);
  // One table at a time: PGlite answers nothing else meanwhile, so each pause stays short.
  for (const name of grown) await pg.exec(`vacuum (analyze) ${name}`);
  return grown;
}

/** Runs maintainGrownTables now and every MAINTENANCE_INTERVAL_MS; returns its stop, which waits for a round in progress. */
export function startMaintenance(pg: PGlite, onError: (err: unknown) => void): () => Promise<void> {
  let stopped = false;
  let running = Promise.resolve();
  const tick = () => { running = running.then(() => (stopped ? undefined : maintainGrownTables(pg))).then(() => {}, onError); };
  tick();
  const timer = setInterval(tick, MAINTENANCE_INTERVAL_MS);
  timer.unref();
  return async () => { stopped = true; clearInterval(timer); await running; };
}
