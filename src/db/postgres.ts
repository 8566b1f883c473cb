import postgres from 'postgres';
import type { Db, Queryable, Row } from './db.js';
import { withRetry, type RetryObserver } from './retry.js';

export interface PostgresOptions {
  poolSize: number;
  writeBudgetMs: number;
  readBudgetMs: number;
  /** An operation with no answer for this long is presumed stuck on a vanished host (see below). */
  stallMs: number;
  observer?: RetryObserver;
}

type Sql = ReturnType<typeof postgres>;

/** A stuck operation: retryable like a lost connection. */
class StalledError extends Error {
  readonly code = 'CONNECTION_STALLED';
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('database ping timed out')), ms); })]);
  } finally { clearTimeout(timer); }
}

function isMultiHost(url: string): boolean {
  return /^postgres(ql)?:\/\/[^/]*,/.test(url);
}

export function openPostgres(url: string, options: PostgresOptions): Db {
  const makePool = (max: number, targetSessionAttrs?: 'prefer-standby') => postgres(url, {
    max,
    // A dead primary must be noticed in about a second, not the default 30 s (DESIGN §1).
    connect_timeout: 1,
    keep_alive: 1,
    idle_timeout: 60,
    max_lifetime: 60 * 30,
    onnotice: () => {},
    ...(targetSessionAttrs ? { target_session_attrs: targetSessionAttrs } : {}),
    // No statement_timeout and no cancel request: a commit waiting for the synchronous standby must
    // never be cancelled on a live primary (DESIGN §2 rule 2).
    connection: { application_name: 'firebreak' },
  });
  let primary: Sql = makePool(options.poolSize);
  // In a cluster, reads that cannot reach the primary fall back to any node (a standby will do) so
  // that users keep reading through a failover (DESIGN §2 rule 4).
  const standby: Sql | undefined = isMultiHost(url) ? makePool(Math.max(2, Math.ceil(options.poolSize / 3)), 'prefer-standby') : undefined;

  /**
   * A fire blackholes a host: no reset arrives, so TCP would wait for minutes. An operation that gets
   * no answer within stallMs has its whole pool replaced (the sockets go, nothing is sent to the
   * server) and is retried. For writes that is safe only because every write is idempotent (DESIGN §2
   * rule 3): if the abandoned commit did land, the retry finds its idempotency key.
   */
  async function guarded<T>(pool: Sql, op: (sql: Sql) => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const work = op(pool);
    work.catch(() => {}); // an abandoned operation may fail later; nobody is waiting for it
    try {
      return await Promise.race([
        work,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            if (pool === primary) {
              primary = makePool(options.poolSize);
              pool.end({ timeout: 0 }).catch(() => {});
              for (const l of listeners) void attach(l);
            }
            reject(new StalledError(`no answer from the database within ${options.stallMs} ms`));
          }, options.stallMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  // LISTEN holds one dedicated connection of the primary pool; postgres.js re-subscribes by itself
  // when that connection reconnects (target_session_attrs=primary sends it to the new primary after a
  // failover). A replaced pool takes its listener connection with it, so listeners move to the new pool.
  interface Listener { channel: string; onPayload: (payload: string) => void; pool: Sql | undefined; unlisten: (() => Promise<void>) | undefined }
  const listeners = new Set<Listener>();
  async function attach(l: Listener): Promise<void> {
    for (let delay = 250; listeners.has(l) && l.pool !== primary; delay = Math.min(delay * 2, 5000)) {
      const pool = primary;
      try {
        const { unlisten } = await pool.listen(l.channel, l.onPayload);
        if (pool !== primary || !listeners.has(l)) { await unlisten().catch(() => {}); continue; }
        l.pool = pool;
        l.unlisten = unlisten;
      } catch {
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  const run = <T extends Row>(target: { unsafe: Sql['unsafe'] }, text: string, params?: unknown[]) =>
    target.unsafe(text, (params ?? []) as any[], { prepare: true }) as unknown as Promise<T[]>;

  return {
    kind: 'postgres',
    query: <T extends Row>(text: string, params?: unknown[]) => {
      let attempt = 0;
      return withRetry(options.readBudgetMs, () => {
        attempt++;
        const pool = standby && attempt % 2 === 0 ? standby : primary;
        return guarded(pool, (sql) => run<T>(sql, text, params));
      }, options.observer);
    },
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) =>
      withRetry(options.writeBudgetMs, () =>
        guarded(primary, (sql) => sql.begin((tx) => fn({ query: (text, params) => run(tx as any, text, params) })) as Promise<T>),
      options.observer),
    async exec(text) { await primary.unsafe(text); },
    async notify(channel, payload) { await withRetry(options.readBudgetMs, () => guarded(primary, (sql) => sql.notify(channel, payload)), options.observer); },
    async listen(channel, onPayload) {
      const listener: Listener = { channel, onPayload, pool: undefined, unlisten: undefined };
      listeners.add(listener);
      await attach(listener);
      return async () => { listeners.delete(listener); await listener.unlisten?.().catch(() => {}); };
    },
    // Ready means "can serve": reach the primary, or in a cluster mid-failover at least a standby,
    // since reads are then still served and writes held (DESIGN §2 rules 4 and 5).
    async ping(timeoutMs) {
      try {
        await withTimeout(primary`select 1`, timeoutMs);
      } catch (err) {
        if (!standby) throw err;
        await withTimeout(standby`select 1`, timeoutMs);
      }
    },
    async close() { await Promise.all([primary.end({ timeout: 2 }), standby?.end({ timeout: 2 })]); },
  };
}
