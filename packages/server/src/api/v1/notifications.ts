import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { notFound } from '../../errors.js';
import * as notifications from '../../domain/notifications.js';
import { rule, viewer } from '../auth.js';
import { paginated, parsePage } from '../pagination.js';
import { idempotencyKey, idParam, type Params } from '../params.js';
import { renderNotifications } from '../render.js';

type WithId = { Params: { id: string } };

export default async function notificationRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v1/notifications', { config: { ...rule('user', 'read:notifications'), priority: 'critical' } }, async (request, reply) => {
    const q = request.query as Params;
    const me = viewer(request);
    const filters = { types: q.types, excludeTypes: q.exclude_types, accountId: q.account_id };
    return renderNotifications(ctx, me, await paginated(ctx, request, reply, (page) => notifications.listNotifications(ctx.db, me, page, filters), { limits: [40, 80] }));
  });

  // How many notifications arrived after the notifications marker (Mastodon 4.3), capped at `limit`.
  app.get('/api/v1/notifications/unread_count', { config: rule('user', 'read:notifications') }, async (request) => {
    const { limit } = parsePage(request.query as Params, 100, 1000);
    return { count: await notifications.unreadCount(ctx.db, viewer(request), limit) };
  });

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
