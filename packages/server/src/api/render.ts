// Entities for the routes: load what they are made of (domain/hydration.ts, a fixed number of queries
// per page) and serialize it (serializers.ts, pure). `db` is the context's, or a transaction's when an
// entity must be read inside one.
import type { AppContext } from '../context.js';
import type { Queryable } from '../db/index.js';
import { notFound } from '../errors.js';
import { getAccounts } from '../domain/accounts.js';
import type { ConversationRow } from '../domain/conversations.js';
import { hydrateConversations, hydrateNotifications, hydrateReportedStatuses, hydrateStatuses, participantsOf } from '../domain/hydration.js';
import type { NotificationRow } from '../domain/notifications.js';
import type { StatusRow } from '../domain/statuses.js';
import { tagUsage } from '../domain/tags.js';
import { serializeAccounts, serializeConversations, serializeNotifications, serializeStatuses, serializeTag, type Entity } from './serializers.js';

export async function renderStatuses(ctx: AppContext, viewerId: string | null, rows: StatusRow[], db: Queryable = ctx.db): Promise<Entity[]> {
  if (rows.length === 0) return [];
  return serializeStatuses(ctx.config, await hydrateStatuses(db, viewerId, rows), rows);
}

/** The statuses a report cites, as the moderator reading it sees them: all of them (hydration.ts). */
export async function renderReportedStatuses(ctx: AppContext, moderatorId: string, rows: StatusRow[]): Promise<Entity[]> {
  if (rows.length === 0) return [];
  return serializeStatuses(ctx.config, await hydrateReportedStatuses(ctx.db, moderatorId, rows), rows);
}

/** One status; 404 when the viewer may not see it (or, for a reblog, what it reblogs). */
export async function renderStatus(ctx: AppContext, viewerId: string | null, row: StatusRow, db: Queryable = ctx.db): Promise<Entity> {
  const [entity] = await renderStatuses(ctx, viewerId, [row], db);
  if (!entity) throw notFound();
  return entity;
}

/**
 * The accounts among `ids` that exist, in that order. Suspended accounts are left out of lists
 * (followers, who favourited, blocks...), as Mastodon leaves them out.
 */
export async function renderAccounts(ctx: AppContext, ids: string[]): Promise<Entity[]> {
  const accounts = await getAccounts(ctx.db, ids);
  for (const [id, a] of accounts) if (a.suspended_at) accounts.delete(id);
  return serializeAccounts(ctx.config, ids, accounts);
}

export async function renderNotifications(ctx: AppContext, viewerId: string, rows: NotificationRow[]): Promise<Entity[]> {
  if (rows.length === 0) return [];
  return serializeNotifications(ctx.config, rows, await hydrateNotifications(ctx.db, viewerId, rows));
}

export async function renderConversations(ctx: AppContext, viewerId: string, rows: ConversationRow[]): Promise<Entity[]> {
  if (rows.length === 0) return [];
  return serializeConversations(ctx.config, rows, (c) => participantsOf(c, viewerId), await hydrateConversations(ctx.db, viewerId, rows));
}

/** Tag entities for the given names, in that order. */
export async function renderTags(ctx: AppContext, names: string[]): Promise<Entity[]> {
  return (await tagUsage(ctx.db, names)).map((usage) => serializeTag(ctx.config, usage));
}
