// Replay-safe writes for operations that are not idempotent by nature (DESIGN §2 rule 3).
// Creating a status has its own key table (statuses.ts). Favourites, follows, bookmarks and the like
// need nothing: repeating them leaves the same state and answers the same way. But deleting a status
// or dismissing a notification twice answers 404 the second time, so a client retrying through a
// failover (the first answer lost on the way) would see an error for a write that worked. Here the
// answer is stored under the client's Idempotency-Key in the write's own transaction, and a retry
// gets the stored answer back.
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../context.js';
import type { Queryable, Tx } from '../db/index.js';
import { unprocessable } from '../errors.js';

/** How long a key is remembered (Mastodon keeps its status keys for an hour). */
const KEEP = '1 day';

export interface IdempotentResult<T> { response: T; replayed: boolean }

/**
 * Runs `work` in one transaction that also claims (accountId, key) and stores its answer. The same key
 * again (a retry, or a concurrent duplicate, which waits on the claim) returns the stored answer; the
 * same key for a different request is 422. Without a client key a fresh one is used, so the data
 * layer's own retry of an ambiguous commit still finds the answer.
 */
export async function idempotentWrite<T>(ctx: AppContext, accountId: string, key: string | null, request: string, work: (tx: Tx) => Promise<T>): Promise<IdempotentResult<T>> {
  const k = key ?? `internal:${randomUUID()}`;
  return ctx.db.transaction(async (tx) => {
    const [claimed] = await tx.query(
      `insert into idempotent_requests (account_id, key, request, response) values ($1, $2, $3, 'null'::jsonb)
       on conflict do nothing returning 1 as claimed`, [accountId, k, request]);
    if (!claimed) {
      const [stored] = await tx.query<{ request: string; response: unknown }>('select request, response from idempotent_requests where account_id = $1 and key = $2', [accountId, k]);
      if (stored!.request !== request) throw unprocessable('Idempotency-Key was already used for a different request');
      const response = typeof stored!.response === 'string' ? JSON.parse(stored!.response) : stored!.response;
      return { response: response as T, replayed: true };
    }
    const response = await work(tx);
    await tx.query('update idempotent_requests set response = $3::jsonb where account_id = $1 and key = $2', [accountId, k, JSON.stringify(response ?? null)]);
    // Forget this account's old keys while we are here: a few rows, found through the primary key.
    await tx.query(`delete from idempotent_requests where account_id = $1 and created_at < now() - interval '${KEEP}'`, [accountId]);
    return { response, replayed: false };
  });
}

/**
 * Whether `key` already holds a completed answer to `request`, for writes that must not even start
 * again (a password change whose current password has changed since). 422 if the key was used for
 * another request.
 */
export async function storedAnswer(db: Queryable, accountId: string, key: string, request: string): Promise<boolean> {
  const [stored] = await db.query<{ request: string }>('select request from idempotent_requests where account_id = $1 and key = $2', [accountId, key]);
  if (stored && stored.request !== request) throw unprocessable('Idempotency-Key was already used for a different request');
  return stored !== undefined;
}
