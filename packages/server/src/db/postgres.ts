// PostgreSQL through postgres.js, riding through failovers (DESIGN §2). The parts live in postgres/:
//   connector.ts         connection settings; the host order new pools are opened with
//   generations.ts       pool generations: a silent host's pool is abandoned, never cancelled
//   failure-detector.ts  the primary's heartbeat and the primary finder that reorders the hosts
//   hedged-reads.ts      reads sent to a standby too when the primary is slow or failing
//   listeners.ts         LISTEN that follows the primary pool across generations
//   readiness.ts         the ping behind /readyz, on connections of its own
import type { Driver, Queryable, Row } from './db.js';
import { RetryWake, withRetry, type RetryObserver } from './retry.js';
import { Connector, runPrepared } from './postgres/connector.js';
import { FailureDetector } from './postgres/failure-detector.js';
import { Pools } from './postgres/generations.js';
import { HedgedReads } from './postgres/hedged-reads.js';
import { Listeners } from './postgres/listeners.js';
import { ReadinessProbes } from './postgres/readiness.js';

import { urlHosts } from './postgres/hosts.js';
export { urlHosts, withHosts } from './postgres/hosts.js';

export interface PostgresOptions {
  poolSize: number;
  writeBudgetMs: number;
  readBudgetMs: number;
  /** An operation with no answer for this long is presumed stuck on a vanished host (see Pools). */
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

export function openPostgres(url: string, options: PostgresOptions): Driver {
  const connector = new Connector(url);
  const pools = new Pools(connector, options);
  const probes = new ReadinessProbes(pools, connector);
  const listeners = new Listeners(() => pools.primary);
  pools.onAbandoned((role, generation) => {
    probes.forget(generation);
    if (role === 'primary') listeners.reattach();
  });
  // Operations pausing between attempts try again as soon as the primary is found.
  const wake = new RetryWake();
  const detector = new FailureDetector(connector, pools, options.heartbeatTimeoutMs, {
    ...options.observer,
    onPrimaryFound: (host) => { options.observer?.onPrimaryFound?.(host); wake.wake(); },
  });
  detector.start();
  const reads = new HedgedReads(pools, detector, options.hedgeMs, options.observer);

  return {
    kind: 'postgres',
    query: <T extends Row>(text: string, params?: unknown[]) =>
      withRetry(options.readBudgetMs, () => reads.attempt<T>(text, params), options.observer, wake),
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) =>
      withRetry(options.writeBudgetMs, () =>
        pools.guarded('primary', (sql) => sql.begin((tx) => fn({ query: (text, params) => runPrepared(tx as any, text, params) })) as Promise<T>),
      options.observer, wake),
    async exec(text) { await pools.primary.sql.unsafe(text); },
    async notify(channel, payload) { await withRetry(options.readBudgetMs, () => pools.guarded('primary', (sql) => sql.notify(channel, payload)), options.observer, wake); },
    listen: (channel, onPayload, onSubscribed) => listeners.add(channel, onPayload, onSubscribed),
    ping: (timeoutMs) => probes.ping(timeoutMs),
    // One host: it is the primary. Several: the first is this server's own DC's (cluster env).
    primaryIsLocal: async (timeoutMs) => !connector.cluster || probes.primaryIs(urlHosts(url)[0]!, timeoutMs),
    async close() {
      pools.close();
      listeners.close();
      await detector.stop();
      await Promise.all([pools.end(2), probes.end(2)]);
    },
  };
}
