import postgres from 'postgres';
import type { Db, Queryable, Row } from './db.js';
import { withRetry, type RetryObserver } from './retry.js';

export interface PostgresOptions {
  poolSize: number;
  writeBudgetMs: number;
  readBudgetMs: number;
  observer?: RetryObserver;
}

export function openPostgres(url: string, options: PostgresOptions): Db {
  const sql = postgres(url, {
    max: options.poolSize,
    // A dead primary must be noticed in about a second, not the default 30 s (DESIGN §1).
    connect_timeout: 1,
    idle_timeout: 60,
    max_lifetime: 60 * 30,
    onnotice: () => {},
    // No statement_timeout and no client-side cancel: a commit waiting for the synchronous standby
    // must never be cancelled (DESIGN §2 rule 2).
    connection: { application_name: 'firebreak' },
  });
  const run = <T extends Row>(target: { unsafe: typeof sql.unsafe }, text: string, params?: unknown[]) =>
    target.unsafe(text, (params ?? []) as any[], { prepare: true }) as unknown as Promise<T[]>;
  return {
    kind: 'postgres',
    query: (text, params) => withRetry(options.readBudgetMs, () => run(sql, text, params), options.observer),
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) =>
      withRetry(options.writeBudgetMs, () =>
        sql.begin((tx) => fn({ query: (text, params) => run(tx as any, text, params) })) as Promise<T>,
      options.observer),
    async exec(text) { await sql.unsafe(text); },
    async notify(channel, payload) { await withRetry(options.readBudgetMs, () => sql.notify(channel, payload), options.observer); },
    // postgres.js keeps one dedicated connection for listeners and re-subscribes after reconnecting,
    // so after a failover the listener follows the new primary (target_session_attrs=primary).
    async listen(channel, onPayload) { const { unlisten } = await sql.listen(channel, onPayload); return unlisten; },
    async ping(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          sql`select 1`,
          new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('database ping timed out')), timeoutMs); }),
        ]);
      } finally { clearTimeout(timer); }
    },
    async close() { await sql.end({ timeout: 2 }); },
  };
}
