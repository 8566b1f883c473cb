// The one data layer: the same SQL (PostgreSQL dialect, $1 parameters) runs on embedded PGlite and on
// PostgreSQL through postgres.js. bigint columns come back as strings on both, so ids never lose bits.
export type Row = Record<string, any>;

export interface Queryable {
  query<T extends Row = Row>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /**
   * Runs fn in one transaction. Connection-class failures (a primary lost mid-failover) are retried
   * with backoff until the write budget is spent, so fn must be idempotent (DESIGN §2 rule 3).
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs several statements at once; used by migrations. */
  exec(sql: string): Promise<void>;
  /** Cheap round trip to the primary: readiness. */
  ping(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}
