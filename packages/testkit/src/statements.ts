// Which statements a piece of work ran through `db.query`, for tests that count them (one statement
// per page, no read-back after a post, nothing before a request is shed). Only the work's own: the
// server's background loops (feed outbox, push delivery, media jobs) poll the same database on
// timers outside the work's async context, and a count that took them in failed at random.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Queryable } from '@firebreak/server/db/db.js';

export interface Recorded<T> { result: T; statements: string[]; parameters: unknown[][] }

export async function statementsOf<T>(db: Queryable, during: () => Promise<T>): Promise<Recorded<T>> {
  const statements: string[] = [];
  const parameters: unknown[][] = [];
  const inside = new AsyncLocalStorage<true>();
  const query = db.query;
  db.query = ((sql: string, params?: unknown[]) => {
    if (inside.getStore()) { statements.push(sql); parameters.push(params ?? []); }
    return query.call(db, sql, params);
  }) as typeof query;
  try {
    return { result: await inside.run(true, during), statements, parameters };
  } finally {
    db.query = query;
  }
}
