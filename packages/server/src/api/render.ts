// Entities for the routes: load what they are made of (domain/hydration.ts, a fixed number of queries
// per page) and serialize it (serializers.ts, pure). `db` is the context's, or a transaction's when an
// entity must be read inside one.
import type { AppContext } from '../context.js';
import type { Queryable } from '../db/index.js';
import { notFound } from '../errors.js';
import { getAccounts } from '../domain/accounts.js';
import { mediaByIds } from '../domain/media.js';
import type { ConversationRow } from '../domain/conversations.js';
import type { FilterContext } from '../domain/filters.js';
import { hydrateConversations, hydrateFresh, hydrateNotifications, hydrateReportedStatuses, hydrateStatuses, participantsOf, surroundings } from '../domain/hydration.js';
import type { GroupData, GroupRow } from '../domain/notification-groups.js';
import type { NotificationRequestRow } from '../domain/notification-requests.js';
import type { NotificationRow } from '../domain/notifications.js';
import type { FreshStatus, StatusRow } from '../domain/statuses.js';
import { followedAmong, tagUsage } from '../domain/tags.js';
import type { TimelinePage } from '../domain/feed-page.js';
import {
  serializeAccounts, serializeConversations, serializeMedia, serializeNotificationGroups, serializeNotificationRequests, serializeNotifications, serializeStatuses, serializeTag,
  type Entity, type GroupOptions,
} from './serializers.js';
import { statusesJson } from './statuses-json.js';

/**
 * Statuses for the viewer, in the order given, those they may not see left out. `context` is the
 * filter context of the place they are shown (null: one looked up, bookmarks...; see hydrateStatuses).
 */
export async function renderStatuses(ctx: AppContext, viewerId: string | null, rows: StatusRow[], context: FilterContext | null = null, db: Queryable = ctx.db): Promise<Entity[]> {
  if (rows.length === 0) return [];
  return serializeStatuses(ctx.config, await hydrateStatuses(db, ctx, viewerId, rows, context), rows);
}

const EMPTY_PAGE = Buffer.from('[]');

/**
 * A timeline page as JSON text in UTF-8 (statuses-json.ts): from its batch when the statement that
 * found it hydrated it too, else hydrated now. The route sends it as it is (JSON_TYPE).
 */
export async function renderPage(ctx: AppContext, viewerId: string | null, page: TimelinePage, context: FilterContext | null): Promise<Buffer> {
  if (page.rows.length === 0) return EMPTY_PAGE;
  return statusesJson(ctx.config, page.batch ?? await hydrateStatuses(ctx.db, ctx, viewerId, page.rows, context), page.rows);
}

/** The Content-Type Fastify gives the JSON it serializes, for JSON a route sends as text. */
export const JSON_TYPE = 'application/json; charset=utf-8';

/** The statuses a report cites, as the moderator reading it sees them: all of them (hydration.ts). */
export async function renderReportedStatuses(ctx: AppContext, moderatorId: string, rows: StatusRow[]): Promise<Entity[]> {
  if (rows.length === 0) return [];
  return serializeStatuses(ctx.config, await hydrateReportedStatuses(ctx.db, ctx, moderatorId, rows), rows);
}

/** One status; 404 when the viewer may not see it (or, for a reblog, what it reblogs). */
export async function renderStatus(ctx: AppContext, viewerId: string | null, row: StatusRow, db: Queryable = ctx.db): Promise<Entity> {
  const [entity] = await renderStatuses(ctx, viewerId, [row], null, db);
  if (!entity) throw notFound();
  return entity;
}

/** The answer to a post, for its author, built from what creating it returned; a quote shows another status, and is hydrated as any page is. */
export async function renderFreshStatus(ctx: AppContext, fresh: FreshStatus): Promise<Entity> {
  if (fresh.row.quote_of_id) return renderStatus(ctx, fresh.row.account_id, fresh.row);
  const [entity] = serializeStatuses(ctx.config, await hydrateFresh(ctx.db, ctx, fresh), [fresh.row]);
  return entity!;
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
  return serializeNotifications(ctx.config, rows, await hydrateNotifications(ctx.db, ctx, viewerId, rows));
}

export async function renderNotificationGroups(ctx: AppContext, viewerId: string, rows: GroupRow[], data: Map<string, GroupData>, options: GroupOptions): Promise<Entity> {
  const accountIds = rows.flatMap((n) => data.get(n.key)?.sampleAccountIds ?? [n.from_account_id]);
  const loaded = await surroundings(ctx.db, ctx, viewerId, rows.flatMap((n) => n.status_id ?? []), accountIds, {
    context: 'notifications', reportIds: rows.flatMap((n) => n.report_id ?? []), warningIds: rows.flatMap((n) => n.account_warning_id ?? []),
  });
  return serializeNotificationGroups(ctx.config, rows, data, loaded, options);
}

export async function renderNotificationRequests(ctx: AppContext, viewerId: string, rows: NotificationRequestRow[]): Promise<Entity[]> {
  if (rows.length === 0) return [];
  const loaded = await surroundings(ctx.db, ctx, viewerId, rows.flatMap((r) => r.last_status_id ?? []), rows.map((r) => r.from_account_id));
  return serializeNotificationRequests(ctx.config, rows, loaded);
}

export async function renderConversations(ctx: AppContext, viewerId: string, rows: ConversationRow[]): Promise<Entity[]> {
  if (rows.length === 0) return [];
  return serializeConversations(ctx.config, rows, (c) => participantsOf(c, viewerId), await hydrateConversations(ctx.db, ctx, viewerId, rows));
}

/** Tag entities for the given names, in that order; `following` says whether the viewer follows each. */
export async function renderTags(ctx: AppContext, names: string[], viewerId: string | null = null): Promise<Entity[]> {
  const [usages, followed] = await Promise.all([tagUsage(ctx.db, names), followedAmong(ctx.db, viewerId, names)]);
  return usages.map((usage) => serializeTag(ctx.config, usage, followed.has(usage.name)));
}

/** MediaAttachment entities by id (edit history shows each version's). */
export async function renderMedia(ctx: AppContext, ids: string[]): Promise<Map<string, Entity>> {
  const rows = await mediaByIds(ctx.db, ids);
  return new Map([...rows].map(([id, m]) => [id, serializeMedia(ctx.config, m)]));
}
