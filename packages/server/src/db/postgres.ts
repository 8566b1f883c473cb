import postgres from 'postgres';
import type { Driver, Queryable, Row } from './db.js';
import { isRetryable, withRetry, type RetryObserver } from './retry.js';

export interface PostgresOptions {
  poolSize: number;
  writeBudgetMs: number;
  readBudgetMs: number;
  /** An operation with no answer for this long is presumed stuck on a vanished host (see below). */
  stallMs: number;
  /** In a cluster, a read the primary has not answered within this long is also sent to a standby. */
  hedgeMs: number;
  /**
   * In a cluster, how long the primary's heartbeat connection may go unanswered before the primary is
   * presumed gone and every operation waiting on it is abandoned and retried. 0 turns it off.
   */
  heartbeatTimeoutMs: number;
  observer?: RetryObserver;
}

type Sql = ReturnType<typeof postgres>;

/** A stuck operation: retryable like a lost connection. */
class StalledError extends Error {
  readonly code = 'CONNECTION_STALLED';
}

/** One generation of a pool. When it is abandoned for a new one, every operation waiting on it is told. */
interface Pool { sql: Sql; onGone(reject: (reason: Error) => void): () => void; abandon(reason: Error): void }

function generation(sql: Sql): Pool {
  // A set of waiters that each operation leaves when it ends, not one promise that every operation
  // races: a promise that never settles keeps every reaction ever attached to it, and with them each
  // operation's result rows, for as long as the pool lives (hundreds of MB after a minute of load).
  const waiting = new Set<(reason: Error) => void>();
  let goneReason: Error | undefined;
  return {
    sql,
    onGone(reject) {
      if (goneReason) { reject(goneReason); return () => {}; }
      waiting.add(reject);
      return () => { waiting.delete(reject); };
    },
    abandon(reason) {
      goneReason = reason;
      for (const reject of waiting) reject(reason);
      waiting.clear();
    },
  };
}

async function withTimeout<T>(work: Promise<T>, ms: number, message = 'database ping timed out'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new StalledError(message)), ms); })]);
  } finally { clearTimeout(timer); }
}

const AUTHORITY = /^(postgres(?:ql)?:\/\/(?:[^@/]*@)?)([^/?]*)(.*)$/;

/** The host:port list of a (multi-host) URL, in its order. */
export function urlHosts(url: string): string[] {
  return (AUTHORITY.exec(url)?.[2] ?? '').split(',').filter(Boolean);
}

/** The same URL with its host list replaced. */
export function withHosts(url: string, hosts: string[]): string {
  return url.replace(AUTHORITY, (_all, head: string, _hosts: string, tail: string) => `${head}${hosts.join(',')}${tail}`);
}

const HEARTBEAT_PERIOD_MS = 500;
const FINDER_ROUND_MS = 750;

export function openPostgres(url: string, options: PostgresOptions): Driver {
  // postgres.js tries a multi-host URL's hosts in order, and a silent host costs a whole connect
  // timeout each time. After a failover the hosts are reordered (see findPrimary): the primary first
  // for the primary pool, live standbys first for the standby pool, silent hosts last.
  const hosts = urlHosts(url);
  let order = { primary: hosts, standby: hosts };
  const makeSql = (max: number, targetSessionAttrs?: 'prefer-standby') => postgres(withHosts(url, targetSessionAttrs ? order.standby : order.primary), {
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
  const cluster = hosts.length > 1;
  const standbyPoolSize = Math.max(2, Math.ceil(options.poolSize / 3));
  const fresh = (which: 'primary' | 'standby') =>
    generation(which === 'primary' ? makeSql(options.poolSize) : makeSql(standbyPoolSize, 'prefer-standby'));
  // In a cluster, reads that cannot reach the primary fall back to any node (a standby will do) so
  // that users keep reading through a failover (DESIGN §2 rule 4).
  const pools: { primary: Pool; standby: Pool | undefined } = { primary: fresh('primary'), standby: cluster ? fresh('standby') : undefined };
  let closed = false;
  /** The heartbeat's last word on the primary (always true without a heartbeat). */
  let primaryAnswering = true;
  /**
   * Readiness probes ask on a connection of their own per pool generation: behind a busy pool's queue
   * the ping timed out under load, the edge took the server out of rotation, and a busy server became
   * an outage (flood drill).
   */
  const probes = new Map<Pool, Sql>();
  const probe = (which: 'primary' | 'standby'): Sql => {
    const pool = pools[which]!;
    let sql = probes.get(pool);
    if (!sql) probes.set(pool, sql = which === 'primary' ? makeSql(1) : makeSql(1, 'prefer-standby'));
    return sql;
  };
  const endProbe = (pool: Pool) => { probes.get(pool)?.end({ timeout: 0 }).catch(() => {}); probes.delete(pool); };

  /**
   * A fire blackholes a host: no reset arrives, so TCP would wait for minutes. The pool's generation
   * is abandoned instead: its sockets are dropped (nothing is sent to the server, so no commit is
   * cancelled), every operation waiting on it fails as retryable, and a new generation connects to
   * whichever host is now the primary. For writes that is safe only because every write is
   * idempotent (DESIGN §2 rule 3): if the abandoned commit did land, the retry finds its key.
   */
  function abandon(which: 'primary' | 'standby', pool: Pool, reason: Error): void {
    if (closed || pools[which] !== pool) return;
    pools[which] = fresh(which);
    pool.abandon(reason);
    pool.sql.end({ timeout: 0 }).catch(() => {});
    endProbe(pool);
    if (which === 'primary') for (const l of listeners) void attach(l);
  }

  /** Runs op on the current generation; no answer within stallMs abandons that generation. */
  async function guarded<T>(which: 'primary' | 'standby', op: (sql: Sql) => Promise<T>): Promise<T> {
    const pool = pools[which]!;
    let timer: NodeJS.Timeout | undefined;
    let leave = () => {};
    const work = op(pool.sql);
    work.catch(() => {}); // an abandoned operation may fail later; nobody is waiting for it
    try {
      return await Promise.race([
        work,
        new Promise<never>((_, reject) => {
          leave = pool.onGone(reject);
          timer = setTimeout(() => {
            const err = new StalledError(`no answer from the database within ${options.stallMs} ms`);
            abandon(which, pool, err);
            reject(err);
          }, options.stallMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
      leave();
    }
  }

  /**
   * The failure detector: a connection of its own asks the primary `select 1` twice a second. When
   * the answer does not come within heartbeatTimeoutMs the primary's host has gone silent (a fire, a
   * cut link), and the primary pool is abandoned at once rather than each operation waiting out its
   * own stall timeout. A quick refusal (no primary mid-election) abandons nothing: there is nothing
   * stuck to free.
   */
  async function heartbeat(): Promise<void> {
    let sql = makeSql(1);
    while (!closed) {
      // Twice a second while all is well; four times a second while looking for a new primary.
      await new Promise((r) => setTimeout(r, primaryAnswering ? HEARTBEAT_PERIOD_MS : HEARTBEAT_PERIOD_MS / 2));
      if (closed) break;
      if (primaryAnswering) {
        const pool = pools.primary;
        try {
          const query = sql`select 1`;
          query.catch(() => {});
          await withTimeout(query, options.heartbeatTimeoutMs, 'the primary stopped answering');
          continue;
        } catch (err) {
          primaryAnswering = false;
          if (err instanceof StalledError) abandon('primary', pool, err);
        }
      }
      // The primary is gone or moving: ask every host at once which one is primary now, and point
      // new connections there instead of letting each try the hosts one by one.
      const found = await findPrimary();
      if (closed || !found) continue;
      if (found.primary[0] !== order.primary[0]) abandon('primary', pools.primary, new StalledError('the primary moved'));
      if (found.standby[0] !== order.standby[0] && pools.standby) abandon('standby', pools.standby, new StalledError('the standby order changed'));
      order = found;
      sql.end({ timeout: 0 }).catch(() => {});
      sql = makeSql(1);
      primaryAnswering = true;
    }
    await sql.end({ timeout: 0 }).catch(() => {});
  }

  /**
   * Asks every host directly, in parallel, whether it is in recovery, and orders the hosts by the
   * answers. It settles as soon as one host says "primary", or after FINDER_ROUND_MS: a silent host
   * would otherwise hold the answer for a whole timeout. Hosts that have not answered go last.
   */
  function findPrimary(): Promise<typeof order | undefined> {
    const roles = new Map<string, 'primary' | 'standby' | 'silent'>();
    return new Promise((resolve) => {
      let settled = false;
      const settle = () => {
        if (settled) return;
        settled = true;
        const having = (role: string) => hosts.filter((h) => roles.get(h) === role);
        const [primaries, standbys] = [having('primary'), having('standby')];
        const rest = hosts.filter((h) => !primaries.includes(h) && !standbys.includes(h));
        // None, or two at once (an isolated old primary not yet demoted): keep the order we have.
        if (primaries.length !== 1) { resolve(undefined); return; }
        resolve({ primary: [...primaries, ...standbys, ...rest], standby: [...standbys, ...primaries, ...rest] });
      };
      // A round is short; the next one starts a moment later and sees a promotion that happens now.
      setTimeout(settle, FINDER_ROUND_MS);
      let pending = hosts.length;
      for (const host of hosts) {
        void askRole(host).then((role) => {
          roles.set(host, role);
          if (role === 'primary' || --pending === 0) settle();
        });
      }
    });
  }

  async function askRole(host: string): Promise<'primary' | 'standby' | 'silent'> {
    // Without target_session_attrs: a standby must answer too, to be told apart from a silent host.
    const sql = postgres(withHosts(url, [host]).replace(/([?&])target_session_attrs=[^&]*&?/, '$1').replace(/[?&]$/, ''), {
      max: 1, connect_timeout: 1, fetch_types: false, idle_timeout: 1, onnotice: () => {},
      connection: { application_name: 'firebreak-primary-finder' },
    });
    try {
      const query = sql<Array<{ standby: boolean }>>`select pg_is_in_recovery() as standby`;
      query.catch(() => {});
      const [row] = await withTimeout(query, options.heartbeatTimeoutMs);
      return row?.standby ? 'standby' : 'primary';
    } catch {
      return 'silent';
    } finally {
      sql.end({ timeout: 0 }).catch(() => {});
    }
  }
  const heartbeatDone = cluster && options.heartbeatTimeoutMs > 0 ? heartbeat() : Promise.resolve();

  /**
   * One read attempt. On a cluster it is hedged: when the primary has not answered within
   * hedgeMs, or has failed, the same read goes to a standby too and the first answer wins. A lost
   * primary then costs readers under a second, not a stall timeout plus a retry.
   */
  function readAttempt<T extends Row>(text: string, params?: unknown[]): Promise<T[]> {
    if (!pools.standby) return guarded('primary', (sql) => run<T>(sql, text, params));
    // While the heartbeat says the primary is failing, a standby is asked first: a request makes
    // several reads in a row, and each waiting out the hedge delay would add up to seconds.
    const [first, second] = primaryAnswering ? ['primary', 'standby'] as const : ['standby', 'primary'] as const;
    return new Promise<T[]>((resolve, reject) => {
      let failures = 0;
      let secondStarted = false;
      const fail = (err: unknown) => {
        if (!isRetryable(err) || ++failures === 2) { clearTimeout(timer); reject(err); return; }
        startSecond();
      };
      const startSecond = () => {
        if (secondStarted) return;
        secondStarted = true;
        options.observer?.onHedge?.();
        guarded(second, (sql) => run<T>(sql, text, params)).then(resolve, fail);
      };
      const timer = setTimeout(startSecond, options.hedgeMs);
      guarded(first, (sql) => run<T>(sql, text, params)).then((rows) => { clearTimeout(timer); resolve(rows); }, fail);
    });
  }

  // LISTEN holds one dedicated connection of the primary pool; postgres.js re-subscribes by itself
  // when that connection reconnects (target_session_attrs=primary sends it to the new primary after a
  // failover). An abandoned generation takes its listener connection with it, so listeners move on.
  interface Listener { channel: string; onPayload: (payload: string) => void; pool: Pool | undefined; unlisten: (() => Promise<void>) | undefined }
  const listeners = new Set<Listener>();
  async function attach(l: Listener): Promise<void> {
    for (let delay = 250; listeners.has(l) && l.pool !== pools.primary; delay = Math.min(delay * 2, 5000)) {
      const pool = pools.primary;
      try {
        const { unlisten } = await pool.sql.listen(l.channel, l.onPayload);
        if (pool !== pools.primary || !listeners.has(l)) { await unlisten().catch(() => {}); continue; }
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
    query: <T extends Row>(text: string, params?: unknown[]) =>
      withRetry(options.readBudgetMs, () => readAttempt<T>(text, params), options.observer),
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) =>
      withRetry(options.writeBudgetMs, () =>
        guarded('primary', (sql) => sql.begin((tx) => fn({ query: (text, params) => run(tx as any, text, params) })) as Promise<T>),
      options.observer),
    async exec(text) { await pools.primary.sql.unsafe(text); },
    async notify(channel, payload) { await withRetry(options.readBudgetMs, () => guarded('primary', (sql) => sql.notify(channel, payload)), options.observer); },
    async listen(channel, onPayload) {
      const listener: Listener = { channel, onPayload, pool: undefined, unlisten: undefined };
      listeners.add(listener);
      await attach(listener);
      return async () => { listeners.delete(listener); await listener.unlisten?.().catch(() => {}); };
    },
    // Ready means "can serve": reach the primary, or in a cluster mid-failover at least a standby,
    // since reads are then still served and writes held (DESIGN §2 rules 4 and 5). Both are asked at
    // once so the answer comes within timeoutMs even when the primary's host has gone silent; each
    // on its probe connection (see probes).
    async ping(timeoutMs) {
      const ask = (which: 'primary' | 'standby') => withTimeout(probe(which)`select 1`, timeoutMs);
      if (!pools.standby) { await ask('primary'); return; }
      try {
        await Promise.any([ask('primary'), ask('standby')]);
      } catch (err) {
        throw (err as AggregateError).errors?.[0] ?? err;
      }
    },
    async close() {
      closed = true;
      await heartbeatDone;
      await Promise.all([pools.primary.sql.end({ timeout: 2 }), pools.standby?.sql.end({ timeout: 2 }), ...[...probes.values()].map((sql) => sql.end({ timeout: 2 }))]);
    },
  };
}
