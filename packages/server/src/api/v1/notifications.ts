// Notifications, one by one (GET /api/v1/notifications), the notification requests that hold what
// the policy filtered (/api/v1/notifications/requests), and the policy's first API (v1, booleans).
// The grouped list and the current policy API are in ../v2/notifications.ts.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { notFound } from '../../errors.js';
import * as notifications from '../../domain/notifications.js';
import * as requests from '../../domain/notification-requests.js';
import { rule, viewer } from '../auth.js';
import { paginated, parsePage } from '../pagination.js';
import { bodyOf, flag, idempotencyKey, idParam, list, optionalIdParam, type Params } from '../params.js';
import { renderNotificationRequests, renderNotifications } from '../render.js';

type WithId = { Params: { id: string } };

/** types[], exclude_types[], account_id and include_filtered, as both notification APIs take them. */
export function notificationFilters(q: Params): notifications.NotificationFilters {
  return {
    types: notifications.typeList(q.types), excludeTypes: notifications.typeList(q.exclude_types),
    accountId: optionalIdParam(q, 'account_id') ?? undefined, includeFiltered: flag(q, 'include_filtered') ?? false,
  };
}

/** The policy as the v1 API showed it (Mastodon 4.3's first version): filtered or not, per kind of sender. */
async function policyV1(ctx: AppContext, accountId: string) {
  const p = await requests.getPolicy(ctx.db, accountId);
  return {
    filter_not_following: p.for_not_following !== 'accept', filter_not_followers: p.for_not_followers !== 'accept',
    filter_new_accounts: p.for_new_accounts !== 'accept', filter_private_mentions: p.for_private_mentions !== 'accept', summary: p.summary,
  };
}

export default async function notificationRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v1/notifications', { config: { ...rule('user', 'read:notifications'), priority: 'critical' } }, async (request, reply) => {
    const me = viewer(request);
    const filters = notificationFilters(request.query as Params);
    return renderNotifications(ctx, me, await paginated(ctx, request, reply, (page) => notifications.listNotifications(ctx.db, me, page, filters), { limits: [40, 80] }));
  });

  // How many notifications arrived after the notifications marker (Mastodon 4.3), capped at `limit`.
  app.get('/api/v1/notifications/unread_count', { config: rule('user', 'read:notifications') }, async (request) => {
    const q = request.query as Params;
    const { limit } = parsePage(q, 100, 1000);
    return { count: await notifications.unreadCount(ctx.db, viewer(request), limit, notificationFilters(q)) };
  });

  app.get('/api/v1/notifications/policy', { config: rule('user', 'read:notifications') }, async (request) => policyV1(ctx, viewer(request)));

  app.patch('/api/v1/notifications/policy', { config: rule('user', 'write:notifications') }, async (request) => {
    const body = bodyOf(request.body);
    const me = viewer(request);
    const filtering = (name: string) => { const on = flag(body, name); return on === undefined ? undefined : on ? 'filter' as const : 'accept' as const; };
    await requests.updatePolicy(ctx.db, me, {
      for_not_following: filtering('filter_not_following'), for_not_followers: filtering('filter_not_followers'),
      for_new_accounts: filtering('filter_new_accounts'), for_private_mentions: filtering('filter_private_mentions'),
    });
    return policyV1(ctx, me);
  });

  app.get('/api/v1/notifications/requests', { config: rule('user', 'read:notifications') }, async (request, reply) => {
    const me = viewer(request);
    return renderNotificationRequests(ctx, me, await paginated(ctx, request, reply, (page) => requests.listRequests(ctx.db, me, page), { limits: [40, 80] }));
  });

  // Accepted requests are merged at once, in the transaction that accepts them (Mastodon does it in
  // the background and answers false until it is done).
  app.get('/api/v1/notifications/requests/merged', { config: rule('user', 'read:notifications') }, async () => ({ merged: true }));

  app.get<WithId>('/api/v1/notifications/requests/:id', { config: rule('user', 'read:notifications') }, async (request) => {
    const me = viewer(request);
    const [entity] = await renderNotificationRequests(ctx, me, [await requests.getRequest(ctx.db, me, idParam(request.params.id))]);
    if (!entity) throw notFound();
    return entity;
  });

  for (const [verb, accept] of [['accept', true], ['dismiss', false]] as const) {
    app.post<WithId>(`/api/v1/notifications/requests/:id/${verb}`, { config: rule('user', 'write:notifications') }, async (request) => {
      await requests.decideRequest(ctx, viewer(request), idParam(request.params.id), accept, idempotencyKey(request));
      return {};
    });
    app.post(`/api/v1/notifications/requests/${verb}`, { config: rule('user', 'write:notifications') }, async (request) => {
      const ids = list(bodyOf(request.body), 'id', 100).map(idParam);
      await requests.decideRequests(ctx, viewer(request), ids, accept);
      return {};
    });
  }

  app.get<WithId>('/api/v1/notifications/:id', { config: rule('user', 'read:notifications') }, async (request) => {
    const me = viewer(request);
    const row = await notifications.getNotification(ctx.db, me, idParam(request.params.id));
    const [entity] = await renderNotifications(ctx, me, [row]);
    if (!entity) throw notFound(); // about a status the reader may no longer see
    return entity;
  });

  app.post('/api/v1/notifications/clear', { config: rule('user', 'write:notifications') }, async (request) => {
    await notifications.clearNotifications(ctx.db, viewer(request));
    return {};
  });

  app.post<WithId>('/api/v1/notifications/:id/dismiss', { config: rule('user', 'write:notifications') }, async (request) => {
    await notifications.dismissNotification(ctx, viewer(request), idParam(request.params.id), idempotencyKey(request));
    return {};
  });
}
