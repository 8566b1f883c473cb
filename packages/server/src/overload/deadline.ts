// Per-request deadlines: a request that has waited past its budget (slow body, queueing, a long
// chain of queries) stops starting new database work and fails with 503, since its client has most
// likely given up. Work already started is never interrupted, and in particular a transaction that
// has begun runs to its end: cancelling a COMMIT that waits for the synchronous standby would leave a
// local-only yet visible commit (DESIGN §2 rule 2). The deadline is carried in AsyncLocalStorage so
// the data layer can check it without every call site passing it along.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Db, Row, Tx } from '../db/index.js';
import { unavailable } from '../errors.js';

export interface RequestDeadline {
  expiresAt: number;
  route: string;
  /** Called when the request starts waiting out a database failover (see the data layer's retries). */
  onDatabaseWait?: () => void;
}

export const deadlineStorage = new AsyncLocalStorage<RequestDeadline>();

/** Throws a 503 if the current request is past its deadline. Outside a request it does nothing. */
export function assertBeforeDeadline(onExceeded?: (deadline: RequestDeadline) => void): void {
  const deadline = deadlineStorage.getStore();
  if (deadline && performance.now() >= deadline.expiresAt) {
    onExceeded?.(deadline);
    throw unavailable('The request took too long; try again', 1);
  }
}

const guarded = Symbol('deadline-guarded');

/**
 * Wraps a Db so that starting a query or a transaction first checks the request's deadline. Statements
 * inside a transaction that has already begun are not checked: it must be allowed to finish.
 */
export function guardWithDeadline(db: Db, onExceeded?: (deadline: RequestDeadline) => void): Db {
  if ((db as unknown as Record<symbol, boolean>)[guarded]) return db;
  const wrapper: Db = Object.create(db);
  // async, so a late query rejects instead of throwing synchronously: inside `Promise.all([a(), b()])`
  // a synchronous throw from b() would leave a()'s promise unhandled and take the process down.
  wrapper.query = async <T extends Row>(sql: string, params?: unknown[]) => { assertBeforeDeadline(onExceeded); return db.query<T>(sql, params); };
  wrapper.transaction = async <T>(fn: (tx: Tx) => Promise<T>) => { assertBeforeDeadline(onExceeded); return db.transaction<T>(fn); };
  Object.defineProperty(wrapper, guarded, { value: true });
  return wrapper;
}
