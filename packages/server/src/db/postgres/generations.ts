// Pool generations: how the data layer lets go of a host that has gone silent without cancelling
// anything on it.
import type { Connector, Role, Sql } from './connector.js';
import { StalledError } from './stall.js';

/** One generation of a pool. When it is abandoned for a new one, every operation waiting on it is told. */
export class Generation {
  // A set of waiters that each operation leaves when it ends, not one promise that every operation
  // races: a promise that never settles keeps every reaction ever attached to it, and with them each
  // operation's result rows, for as long as the pool lives (hundreds of MB after a minute of load).
  private readonly waiting = new Set<(reason: Error) => void>();
  private goneReason: Error | undefined;

  constructor(readonly sql: Sql) {}

  /** Calls reject if this generation is (or gets) abandoned; the returned function stops waiting. */
  onGone(reject: (reason: Error) => void): () => void {
    if (this.goneReason) { reject(this.goneReason); return () => {}; }
    this.waiting.add(reject);
    return () => { this.waiting.delete(reject); };
  }

  abandon(reason: Error): void {
    this.goneReason = reason;
    for (const reject of this.waiting) reject(reason);
    this.waiting.clear();
  }
}

export interface PoolSettings {
  poolSize: number;
  /** An operation with no answer for this long is presumed stuck on a vanished host. */
  stallMs: number;
}

/**
 * The current generation of each pool: the primary pool, and in a cluster a standby pool.
 *
 * A fire blackholes a host: no reset arrives, so TCP would wait for minutes. The pool's generation
 * is abandoned instead: its sockets are dropped (nothing is sent to the server, so no commit is
 * cancelled), every operation waiting on it fails as retryable, and a new generation connects to
 * whichever host is now the primary. For writes that is safe only because every write is
 * idempotent (DESIGN §2 rule 3): if the abandoned commit did land, the retry finds its key.
 */
export class Pools {
  private readonly current: Record<Role, Generation | undefined>;
  private readonly abandonedHooks: Array<(role: Role, generation: Generation) => void> = [];
  private closed = false;

  constructor(private readonly connector: Connector, private readonly settings: PoolSettings) {
    // In a cluster, reads that cannot reach the primary fall back to any node (a standby will do) so
    // that users keep reading through a failover (DESIGN §2 rule 4).
    this.current = { primary: this.fresh('primary'), standby: connector.cluster ? this.fresh('standby') : undefined };
  }

  get primary(): Generation { return this.current.primary!; }
  /** Only in a cluster. */
  get standby(): Generation | undefined { return this.current.standby; }

  /** Runs after a generation has been replaced and its connections dropped. */
  onAbandoned(hook: (role: Role, generation: Generation) => void): void { this.abandonedHooks.push(hook); }

  /** Replaces generation with a fresh one, unless it has been replaced already or the pools are closed. */
  abandon(role: Role, generation: Generation, reason: Error): void {
    if (this.closed || this.current[role] !== generation) return;
    this.current[role] = this.fresh(role);
    generation.abandon(reason);
    generation.sql.end({ timeout: 0 }).catch(() => {});
    for (const hook of this.abandonedHooks) hook(role, generation);
  }

  /** Runs op on the current generation; no answer within stallMs abandons that generation. */
  async guarded<T>(role: Role, op: (sql: Sql) => Promise<T>): Promise<T> {
    const generation = this.current[role]!;
    let timer: NodeJS.Timeout | undefined;
    let leave = () => {};
    const work = op(generation.sql);
    work.catch(() => {}); // an abandoned operation may fail later; nobody is waiting for it
    try {
      return await Promise.race([
        work,
        new Promise<never>((_, reject) => {
          leave = generation.onGone(reject);
          timer = setTimeout(() => {
            const err = new StalledError(`no answer from the database within ${this.settings.stallMs} ms`);
            this.abandon(role, generation, err);
            reject(err);
          }, this.settings.stallMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
      leave();
    }
  }

  /** From now on nothing is abandoned: close is under way (the heartbeat may still be running). */
  close(): void { this.closed = true; }

  /** Ends the current generations' connections, waiting up to timeoutSeconds for running queries. */
  async end(timeoutSeconds: number): Promise<void> {
    await Promise.all([this.primary.sql.end({ timeout: timeoutSeconds }), this.standby?.sql.end({ timeout: timeoutSeconds })]);
  }

  private fresh(role: Role): Generation {
    const standbyPoolSize = Math.max(2, Math.ceil(this.settings.poolSize / 3));
    return new Generation(role === 'primary' ? this.connector.open(this.settings.poolSize, 'primary') : this.connector.open(standbyPoolSize, 'standby'));
  }
}
