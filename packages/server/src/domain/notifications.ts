// Notifications: who is told what, and the list behind GET /api/v1/notifications.
// Types are Mastodon's. A reply is a `mention`, as on Mastodon (which has no `reply` type): the author
// of the replied-to status is notified even when the reply does not @mention them, and clients find
// replies among mentions by `status.in_reply_to_account_id`.
import type { AppContext } from '../context.js';
import type { Queryable } from '../db/index.js';
import { notFound } from '../errors.js';
import type { NotificationRef } from './events.js';
import { idempotentWrite } from './idempotency.js';
import { enqueuePushSql } from './push-queue.js';
import { keysetPage, type PageParams } from './pagination.js';
import { visibleTo } from './visibility.js';

export const NOTIFICATION_TYPES = ['mention', 'status', 'reblog', 'follow', 'follow_request', 'favourite', 'poll', 'update', 'quote', 'quoted_update',
  'admin.sign_up', 'admin.report', 'severed_relationships', 'moderation_warning'] as const;

/**
 * Excludes notifications from accounts the recipient (`$1`-style parameter) blocks or mutes with
 * notifications, from suspended accounts, and from silenced (limited) accounts the recipient does not
 * follow, as Mastodon filters them. What staff are told (a report, a sign-up) passes whoever it is from.
 */
const notificationAllowed = (recipient: string, actor: string, type = "''") => `not exists (select 1 from blocks where account_id = ${recipient} and target_account_id = ${actor})
       and not exists (select 1 from mutes where account_id = ${recipient} and target_account_id = ${actor} and notifications)
       and not exists (select 1 from accounts fa where fa.id = ${actor} and (fa.suspended_at is not null
         or (fa.silenced_at is not null and not (${type} like 'admin.%')
           and not exists (select 1 from follows ff where ff.account_id = ${recipient} and ff.target_account_id = ${actor}))))`;

export interface NotificationRow {
  id: string; account_id: string; from_account_id: string; type: string; status_id: string | null; created_at: Date;
  /** admin.report: the report; moderation_warning: the warning. */
  report_id: string | null; account_warning_id: string | null;
}

export const NOTIFICATION_COLUMNS = 'n.id, n.account_id, n.from_account_id, n.type, n.status_id, n.created_at, n.report_id, n.account_warning_id';

/**
 * Records a notification unless it is to oneself, the recipient blocks or mutes the actor, or the
 * recipient may not see the status it is about (a followers-only reply to someone who does not
 * follow its author, a direct post that does not mention them): a notification never leaks a post.
 */
export async function notify(db: Queryable, recipientId: string, fromId: string, type: string, statusId: string | null): Promise<string | undefined> {
  if (recipientId === fromId) return undefined;
  const [row] = await db.query<{ id: string }>(
    `with created as (
       insert into notifications (account_id, from_account_id, type, status_id)
       select $1, $2, $3, $4
       where ${notificationAllowed('$1', '$2', '$3')}
         and ($4::bigint is null or exists (select 1 from statuses s where s.id = $4 and ${visibleTo('$1')}))
       returning id, account_id, from_account_id, type),
     pushed as (${enqueuePushSql('created')})
     select id from created`, [recipientId, fromId, type, statusId]);
  return row?.id;
}

/**
 * Tells every account whose role has `permission` (domain/roles.ts) of a new report or sign-up, except
 * those in `except` (the reporter, the reported). Staff whose login is disabled or suspended are not told.
 */
export async function notifyStaff(db: Queryable, roleIds: number[], fromId: string, type: 'admin.report' | 'admin.sign_up', reportId: string | null, except: string[]): Promise<NotificationRef[]> {
  const rows = await db.query<{ id: string; account_id: string }>(
    `with created as (
       insert into notifications (account_id, from_account_id, type, report_id)
       select a.id, $2, $3, $4 from accounts a
       where a.role_id = any($1::int[]) and not (a.id = any($5::bigint[])) and a.suspended_at is null and not a.disabled
       returning id, account_id, from_account_id, type),
     pushed as (${enqueuePushSql('created')})
     select id, account_id from created`, [roleIds, fromId, type, reportId, except]);
  return rows.map((r) => ({ id: r.id, accountId: r.account_id }));
}

/**
 * The warned account hears of a moderation decision (moderation_warning, with the AccountWarning). As
 * on Mastodon the notification is "from" its recipient: which moderator decided is not shown.
 */
export async function notifyWarning(db: Queryable, targetId: string, warningId: string): Promise<NotificationRef> {
  const [row] = await db.query<{ id: string }>(
    `with created as (
       insert into notifications (account_id, from_account_id, type, account_warning_id) values ($1, $1, 'moderation_warning', $2)
       returning id, account_id, from_account_id, type),
     pushed as (${enqueuePushSql('created')})
     select id from created`, [targetId, warningId]);
  return { id: row!.id, accountId: targetId };
}

/**
 * `status` notifications: followers who asked to be notified of an account's posts (follow with
 * notify=true) hear of each new post it makes that they may see, except replies to others (as on
 * Mastodon) and except where they were already notified of that post (a mention).
 */
export async function notifySubscribers(db: Queryable, authorId: string, statusId: string, alreadyNotified: string[]): Promise<Array<{ id: string; accountId: string }>> {
  const rows = await db.query<{ id: string; account_id: string }>(
    `with created as (
       insert into notifications (account_id, from_account_id, type, status_id)
       select f.account_id, $1, 'status', $2 from follows f
       where f.target_account_id = $1 and f.notify and not (f.account_id = any($3::bigint[]))
         and ${notificationAllowed('f.account_id', '$1')}
         and exists (select 1 from statuses s where s.id = $2 and ${visibleTo('f.account_id')})
       returning id, account_id, from_account_id, type),
     pushed as (${enqueuePushSql('created')})
     select id, account_id from created`, [authorId, statusId, alreadyNotified]);
  return rows.map((r) => ({ id: r.id, accountId: r.account_id }));
}

/** Types Mastodon knows; unknown ones are ignored rather than refused, as Mastodon does, so newer clients keep working. */
function typeList(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value : [value]).map(String).filter((t) => (NOTIFICATION_TYPES as readonly string[]).includes(t));
}

export async function listNotifications(db: Queryable, accountId: string, page: PageParams, filters: { types?: unknown; excludeTypes?: unknown; accountId?: unknown }): Promise<NotificationRow[]> {
  const params: unknown[] = [accountId];
  // Blocking or muting (with notifications) someone also hides what they did before.
  // A notification about a status the recipient may no longer see (edited to leave them out, a
  // block since) is not listed; hydration leaves such statuses out of every response anyway.
  const conditions = ['n.account_id = $1', notificationAllowed('$1', 'n.from_account_id', 'n.type'),
    `(n.status_id is null or exists (select 1 from statuses s where s.id = n.status_id and ${visibleTo('$1')}))`];
  const types = typeList(filters.types);
  const excluded = typeList(filters.excludeTypes);
  if (types) { params.push(types); conditions.push(`n.type = any($${params.length}::text[])`); }
  if (excluded) { params.push(excluded); conditions.push(`not (n.type = any($${params.length}::text[]))`); }
  if (typeof filters.accountId === 'string' && /^\d{1,19}$/.test(filters.accountId)) { params.push(filters.accountId); conditions.push(`n.from_account_id = $${params.length}`); }
  return keysetPage<NotificationRow>(db, page, 'n.id', params, (k) =>
    `select ${NOTIFICATION_COLUMNS} from notifications n
     where ${conditions.join(' and ')} and ${k.where} order by ${k.order} limit ${k.limit}`);
}

/** One of the account's notifications, or undefined (someone else's, dismissed, or undone since). */
export async function findNotification(db: Queryable, accountId: string, id: string): Promise<NotificationRow | undefined> {
  const [row] = await db.query<NotificationRow>(`select ${NOTIFICATION_COLUMNS} from notifications n where n.id = $1 and n.account_id = $2`, [id, accountId]);
  return row;
}

export async function getNotification(db: Queryable, accountId: string, id: string): Promise<NotificationRow> {
  const row = await findNotification(db, accountId, id);
  if (!row) throw notFound();
  return row;
}

/** A retried dismiss (same Idempotency-Key) succeeds as the first one did, not 404. */
export async function dismissNotification(ctx: AppContext, accountId: string, id: string, key: string | null): Promise<void> {
  await idempotentWrite(ctx, accountId, key, `POST /api/v1/notifications/${id}/dismiss`, async (tx) => {
    const rows = await tx.query('delete from notifications where id = $1 and account_id = $2 returning id', [id, accountId]);
    if (rows.length === 0) throw notFound();
    return {};
  });
}

export async function clearNotifications(db: Queryable, accountId: string): Promise<void> {
  await db.query('delete from notifications where account_id = $1', [accountId]);
}

/** Notifications newer than the account's notifications marker (all of them without one), up to `limit`. */
export async function unreadCount(db: Queryable, accountId: string, limit: number): Promise<number> {
  const [row] = await db.query<{ n: string }>(
    `select count(*) as n from (
       select 1 from notifications n
       where n.account_id = $1 and n.id > coalesce((select last_read_id from markers where account_id = $1 and timeline = 'notifications'), 0)
         and ${notificationAllowed('$1', 'n.from_account_id', 'n.type')}
       limit $2) unread`, [accountId, limit]);
  return Number(row?.n ?? 0);
}
