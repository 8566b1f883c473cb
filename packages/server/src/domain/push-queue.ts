// The Web Push delivery queue (DESIGN §6: derived work goes through a durable queue that commits with
// the write). Every statement that creates notifications also queues, in the same statement, one
// delivery per push subscription of the recipient that asked for the notification's type and whose
// policy lets its author through. App servers drain the queue (push.ts): a delivery is claimed with
// a lease (FOR UPDATE SKIP LOCKED, so servers never take the same one), sent, and deleted once the
// push service has accepted it; a failure is retried with backoff; a lease that runs out (the server
// died, the database failed over) makes the delivery due again. So every notification is pushed at
// least once, and a push sent twice carries the same notification_id for the client to recognise.
import type { Db, Queryable } from '../db/index.js';

/** Queues pushes for the notifications in `source`, a relation with id, account_id, from_account_id and type. */
export function enqueuePushSql(source: string): string {
  return `insert into push_deliveries (subscription_id, notification_id)
    select ps.id, qn.id from ${source} qn join push_subscriptions ps on ps.account_id = qn.account_id
    where qn.type = any(ps.alerts) and (ps.policy = 'all'
      or (ps.policy = 'followed' and exists (select 1 from follows pf where pf.account_id = qn.account_id and pf.target_account_id = qn.from_account_id))
      or (ps.policy = 'follower' and exists (select 1 from follows pf where pf.account_id = qn.from_account_id and pf.target_account_id = qn.account_id)))
    on conflict do nothing`;
}

/** How long a claimed delivery is a server's to send before another may take it. */
export const LEASE_SECONDS = 60;
/** After this many failed attempts (about a day of backoff) a delivery is dropped. */
export const MAX_ATTEMPTS = 16;

export interface ClaimedDelivery {
  id: string; attempts: number; notification_id: string; account_id: string;
  subscription_id: string; endpoint: string; p256dh: string; auth: string; standard: boolean; access_token: string;
}

/** Claims up to `limit` due deliveries for this server, and forgets those that have failed too often. */
export async function claimDeliveries(db: Db, limit: number): Promise<ClaimedDelivery[]> {
  return db.transaction(async (tx) => {
    await tx.query(`delete from push_deliveries where attempts >= $1`, [MAX_ATTEMPTS]);
    return tx.query<ClaimedDelivery>(
      `with due as (
         select id from push_deliveries where next_attempt_at <= now() order by next_attempt_at limit $1 for update skip locked),
       claimed as (
         update push_deliveries d set attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => $2)
         from due where d.id = due.id returning d.id, d.attempts, d.notification_id, d.subscription_id)
       select c.id, c.attempts, c.notification_id, c.subscription_id, ps.account_id, ps.endpoint, ps.p256dh, ps.auth, ps.standard, ps.access_token
       from claimed c join push_subscriptions ps on ps.id = c.subscription_id`, [limit, LEASE_SECONDS]);
  });
}

/** Whether anything is due: a cheap read before the write that claims. */
export async function anyDue(db: Queryable): Promise<boolean> {
  const [row] = await db.query<{ due: boolean }>('select exists (select 1 from push_deliveries where next_attempt_at <= now()) as due');
  return row?.due ?? false;
}

// Writes go through transactions: on a cluster db.query is a read and may be answered by a standby.

/** The push service took it: done. */
export async function deliveryDone(db: Db, id: string): Promise<void> {
  await db.transaction((tx) => tx.query('delete from push_deliveries where id = $1', [id]));
}

/** Try again later: 2^attempts seconds (capped at an hour), with jitter so retries do not come in waves. */
export async function deliveryFailed(db: Db, id: string, attempts: number, error: string): Promise<void> {
  const delay = Math.min(3600, 2 ** attempts) * (0.75 + Math.random() / 2);
  await db.transaction((tx) => tx.query('update push_deliveries set next_attempt_at = now() + make_interval(secs => $2), last_error = $3 where id = $1',
    [id, delay, error.slice(0, 300)]));
}

/** The endpoint is gone (404/410): so is the subscription, and everything queued for it. */
export async function subscriptionGone(db: Db, subscriptionId: string): Promise<void> {
  await db.transaction((tx) => tx.query('delete from push_subscriptions where id = $1', [subscriptionId]));
}
