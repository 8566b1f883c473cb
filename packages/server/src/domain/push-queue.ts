// The Web Push delivery queue (DESIGN §6: derived work goes through a durable queue that commits with
// the write). Every statement that creates notifications also queues, in the same statement, one
// delivery per push subscription of the recipient that asked for the notification's type and whose
// policy lets its author through. App servers drain the queue (push.ts): a delivery is claimed with
// a lease (FOR UPDATE SKIP LOCKED, so servers never take the same one), sent, and deleted once the
// push service has accepted it; a failure is retried with backoff; a lease that runs out (the server
// died, the database failed over) makes the delivery due again. So every notification is pushed at
// least once, and a push sent twice carries the same notification_id for the client to recognise.
import type { Db, Queryable } from '../db/index.js';
import { visibleTo } from './visibility.js';

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
  /** What the payload is made of; `pushable` false when there is nothing to push any more (a status the recipient may no longer see). */
  pushable: boolean; type: string; from_display_name: string; from_username: string; text: string | null; spoiler_text: string | null;
}

/**
 * Claims up to `limit` due deliveries for this server, with what their payloads are made of, in one
 * transaction on the primary (a standby may not show a notification committed a moment ago), and
 * forgets those that have failed too often. Sending them then needs the database no more until
 * settleDeliveries(): a batch costs two transactions, however many pushes it holds, so delivery never
 * crowds the pool the requests need (least of all through a failover).
 */
export async function claimDeliveries(db: Db, limit: number): Promise<ClaimedDelivery[]> {
  return db.transaction(async (tx) => {
    await tx.query(`delete from push_deliveries where attempts >= $1`, [MAX_ATTEMPTS]);
    return tx.query<ClaimedDelivery>(
      `with due as (
         select id from push_deliveries where next_attempt_at <= now() order by next_attempt_at limit $1 for update skip locked),
       claimed as (
         update push_deliveries d set attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => $2)
         from due where d.id = due.id returning d.id, d.attempts, d.notification_id, d.subscription_id)
       select c.id, c.attempts, c.notification_id, c.subscription_id, ps.account_id, ps.endpoint, ps.p256dh, ps.auth, ps.standard, ps.access_token,
         (n.status_id is null or (s.id is not null and ${visibleTo('ps.account_id')})) as pushable,
         n.type, fa.display_name as from_display_name, fa.username as from_username, s.text, s.spoiler_text
       from claimed c join push_subscriptions ps on ps.id = c.subscription_id
       join notifications n on n.id = c.notification_id join accounts fa on fa.id = n.from_account_id
       left join statuses s on s.id = n.status_id`, [limit, LEASE_SECONDS]);
  });
}

/** Whether anything is due: a cheap read before the write that claims. */
export async function anyDue(db: Queryable): Promise<boolean> {
  const [row] = await db.query<{ due: boolean }>('select exists (select 1 from push_deliveries where next_attempt_at <= now()) as due');
  return row?.due ?? false;
}

/** What became of a batch: done (delivered, or nothing to deliver), to retry, or subscriptions gone (404/410). */
export interface Settlement { done: string[]; retry: Array<{ id: string; attempts: number; error: string }>; gone: string[] }

/**
 * Records a batch's outcomes in one transaction. A retry waits 2^attempts seconds (at most an hour),
 * with jitter so retries do not come in waves; a subscription that is gone takes its queue with it.
 * (A lost answer here only means the deliveries' leases run out and they are sent again: at least once.)
 */
export async function settleDeliveries(db: Db, s: Settlement): Promise<void> {
  if (!s.done.length && !s.retry.length && !s.gone.length) return;
  const delays = s.retry.map((r) => Math.min(3600, 2 ** r.attempts) * (0.75 + Math.random() / 2));
  await db.transaction(async (tx) => {
    if (s.done.length) await tx.query('delete from push_deliveries where id = any($1::bigint[])', [s.done]);
    if (s.retry.length) {
      await tx.query(
        `update push_deliveries d set next_attempt_at = now() + make_interval(secs => r.delay), last_error = r.error
         from unnest($1::bigint[], $2::float8[], $3::text[]) as r(id, delay, error) where d.id = r.id`,
        [s.retry.map((r) => r.id), delays, s.retry.map((r) => r.error.slice(0, 300))]);
    }
    if (s.gone.length) await tx.query('delete from push_subscriptions where id = any($1::bigint[])', [s.gone]);
  });
}
