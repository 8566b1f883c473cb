// Which database failures are worth retrying, and the bounded retry loop around them.
// A failover shows up as refused/reset connections, "read-only transaction" from a demoted primary,
// or admin shutdown; all of these mean "try again on the (new) primary", none means "bad request".
import { unavailable } from '../errors.js';

const retryableNodeCodes = new Set([
  'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT', 'CONNECTION_STALLED',
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN',
]);
const retryableSqlStates = new Set(['25006', '57P01', '57P02', '57P03', '40001', '40P01', '53300']);

export function isRetryable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return false;
  return retryableNodeCodes.has(code) || retryableSqlStates.has(code) || code.startsWith('08');
}

export interface RetryObserver {
  onRetry?(err: unknown, attempt: number): void;
  /** A read the primary was slow to answer went to a standby as well (see the postgres driver). */
  onHedge?(): void;
  /** The failure detector's heartbeat to the primary failed (a multi-host URL only). */
  onPrimaryLost?(reason: string): void;
  /** The failure detector found the primary (again): the host new connections go to first. */
  onPrimaryFound?(host: string): void;
}

/**
 * Ends the pauses of every retry waiting out its backoff, when the failure detector finds the (new)
 * primary: in a fire drill the operations waiting through the failover otherwise slept up to a
 * second more after the primary answered, each, before trying it.
 */
export class RetryWake {
  private readonly waiting = new Set<() => void>();

  /** Resolves after `ms`, or at the next wake(), whichever comes first. */
  pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => { clearTimeout(timer); this.waiting.delete(done); resolve(); };
      const timer = setTimeout(done, ms);
      this.waiting.add(done);
    });
  }

  wake(): void {
    for (const done of [...this.waiting]) done();
  }

  /** Retries pausing now. */
  get size(): number { return this.waiting.size; }
}

export async function withRetry<T>(budgetMs: number, fn: () => Promise<T>, observer: RetryObserver = {}, wake = new RetryWake()): Promise<T> {
  const deadline = Date.now() + budgetMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isRetryable(err)) throw err;
      const pause = Math.min(1000, 50 * 2 ** Math.min(attempt, 5));
      if (Date.now() + pause > deadline) {
        throw unavailable('The database is failing over; try again shortly', 2);
      }
      observer.onRetry?.(err, attempt);
      await wake.pause(pause);
    }
  }
}
