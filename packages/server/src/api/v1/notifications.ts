import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import * as notifications from '../../domain/notifications.js';
import { linkHeader, parsePage } from '../../domain/pagination.js';
import { rule, viewer } from '../auth.js';
import { idempotencyKey, idParam, type Params } from '../params.js';
import { idempotentWrite } from '../../domain/idempotency.js';
import { serializeNotifications } from '../serializers.js';

type WithId = { Params: { id: string } };

export default async function notificationRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v1/notifications', { config: rule('user', 'read:notifications') }, async (request, reply) => {
    const q = request.query as Params;
    const me = viewer(request);
    const rows = await notifications.listNotifications(ctx.db, me, parsePage(q, 40, 80), { types: q.types, excludeTypes: q.exclude_types, accountId: q.account_id });
    const link = linkHeader(`${ctx.config.publicUrl}${request.url}`, rows.map((r) => ({ cursor: r.id })), q);
    if (link) reply.header('link', link);
    return serializeNotifications(ctx, ctx.db, me, rows);
  });

  // How many notifications arrived after the notifications marker (Mastodon 4.3), capped at `limit`.
  app.get('/api/v1/notifications/unread_count', { config: rule('user', 'read:notifications') }, async (request) => {
    const { limit } = parsePage(request.query as Params, 100, 1000);
    return { count: await notifications.unreadCount(ctx.db, viewer(request), limit) };
  });

  app.get<WithId>('/api/v1/notifications/:id', { config: rule('user', 'read:notifications') }, async (request) => {
    const me = viewer(request);
    const row = await notifications.getNotification(ctx.db, me, idParam(request.params.id));
    return (await serializeNotifications(ctx, ctx.db, me, [row]))[0];
  });

  app.post('/api/v1/notifications/clear', { config: rule('user', 'write:notifications') }, async (request) => {
    await notifications.clearNotifications(ctx.db, viewer(request));
    return {};
  });

  // A retried dismiss (Idempotency-Key) answers as the first one did, not 404.
  app.post<WithId>('/api/v1/notifications/:id/dismiss', { config: rule('user', 'write:notifications') }, async (request) => {
    const me = viewer(request);
    const id = idParam(request.params.id);
    const { response } = await idempotentWrite(ctx, me, idempotencyKey(request), `POST /api/v1/notifications/${id}/dismiss`, async (tx) => {
      await notifications.dismissNotification(tx, me, id);
      return {};
    });
    return response;
  });
}
