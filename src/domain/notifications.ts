import type { Queryable } from '../db/index.js';
import { notFound, badRequest } from '../errors.js';
import { keyset, type PageParams } from './pagination.js';

export const NOTIFICATION_TYPES = ['mention', 'status', 'reblog', 'follow', 'follow_request', 'favourite', 'poll', 'update', 'quote', 'quoted_update', 'admin.sign_up', 'admin.report'] as const;

export interface NotificationRow { id: string; account_id: string; from_account_id: string; type: string; status_id: string | null; created_at: Date }

/** Records a notification unless it is to oneself or the recipient blocks or mutes the actor. */
export async function notify(db: Queryable, recipientId: string, fromId: string, type: string, statusId: string | null): Promise<string | undefined> {
  if (recipientId === fromId) return undefined;
  const [row] = await db.query<{ id: string }>(
    `insert into notifications (account_id, from_account_id, type, status_id)
     select $1, $2, $3, $4
     where not exists (select 1 from blocks where account_id = $1 and target_account_id = $2)
       and not exists (select 1 from mutes where account_id = $1 and target_account_id = $2 and notifications)
     returning id`, [recipientId, fromId, type, statusId]);
  return row?.id;
}

function typeList(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const list = (Array.isArray(value) ? value : [value]).map(String);
  for (const t of list) if (!(NOTIFICATION_TYPES as readonly string[]).includes(t)) throw badRequest(`Unknown notification type: ${t}`);
  return list;
}

export async function listNotifications(db: Queryable, accountId: string, page: PageParams, filters: { types?: unknown; excludeTypes?: unknown; accountId?: unknown }): Promise<NotificationRow[]> {
  const params: unknown[] = [accountId];
  const conditions = ['n.account_id = $1'];
  const types = typeList(filters.types);
  const excluded = typeList(filters.excludeTypes);
  if (types) { params.push(types); conditions.push(`n.type = any($${params.length}::text[])`); }
  if (excluded) { params.push(excluded); conditions.push(`not (n.type = any($${params.length}::text[]))`); }
  if (typeof filters.accountId === 'string' && /^\d{1,19}$/.test(filters.accountId)) { params.push(filters.accountId); conditions.push(`n.from_account_id = $${params.length}`); }
  const k = keyset(page, 'n.id', params);
  const rows = await db.query<NotificationRow>(
    `select n.id, n.account_id, n.from_account_id, n.type, n.status_id, n.created_at from notifications n
     where ${conditions.join(' and ')} and ${k.where} order by ${k.order} limit ${k.limit}`, params);
  return k.ascending ? rows.reverse() : rows;
}

export async function getNotification(db: Queryable, accountId: string, id: string): Promise<NotificationRow> {
  const [row] = await db.query<NotificationRow>('select * from notifications where id = $1 and account_id = $2', [id, accountId]);
  if (!row) throw notFound();
  return row;
}

export async function dismissNotification(db: Queryable, accountId: string, id: string): Promise<void> {
  const rows = await db.query('delete from notifications where id = $1 and account_id = $2 returning id', [id, accountId]);
  if (rows.length === 0) throw notFound();
}

export async function clearNotifications(db: Queryable, accountId: string): Promise<void> {
  await db.query('delete from notifications where account_id = $1', [accountId]);
}
