// The one data layer: the same SQL (PostgreSQL dialect, $1 parameters) runs on embedded PGlite and on
// PostgreSQL through postgres.js. bigint columns come back as strings on both, so ids never lose bits.
export type Row = Record<string, any>;

export interface Queryable {
  query<T extends Row = Row>(sql: string, params?: unknown[]): Promise<T[]>;
}

/** A transaction in progress. */
export interface Tx extends Queryable {
  /**
   * Runs `hook` once the transaction has committed, and never if it does not (a retried attempt's
   * hooks are dropped with it). This is where the domain publishes what a write did (events for
   * streaming, caches): nobody hears of a change that could still be rolled back.
   */
  afterCommit(hook: () => void): void;
}

/** Whether `db` is a transaction (what it reads may still be rolled back). */
export const isTransaction = (db: Queryable): db is Tx => 'afterCommit' in db;

/** What each driver (PGlite, postgres.js) provides; openDb() gives its transactions their hooks. */
export interface Driver extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /**
   * Runs fn in one transaction. Connection-class failures (a primary lost mid-failover) are retried
   * with backoff until the write budget is spent, so fn must be idempotent (DESIGN §2 rule 3).
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs several statements at once; used by migrations. */
  exec(sql: string): Promise<void>;
  /**
   * Cross-server signals (PostgreSQL LISTEN/NOTIFY): every app server connected to the same database
   * hears what any of them publishes. Delivery is best effort: a notification sent while a listener
   * is reconnecting (a failover) is lost, so use it for live updates, never for state.
   */
  notify(channel: string, payload: string): Promise<void>;
  /**
   * Calls onPayload for each notification on channel until the returned function is called;
   * onSubscribed each time the subscription is made, the first time and after every reconnection
   * (notifications sent in between were lost).
   */
  listen(channel: string, onPayload: (payload: string) => void, onSubscribed?: () => void): Promise<() => Promise<void>>;
  /** Cheap round trip to the primary: readiness. */
  ping(timeoutMs: number): Promise<void>;
  /** Whether the primary is this server's local database (the first host of a multi-host URL; always, with one). */
  primaryIsLocal(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** The data layer as the rest of the server sees it: a driver whose transactions have after-commit hooks. */
export interface Db extends Omit<Driver, 'transaction'> {
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
}
