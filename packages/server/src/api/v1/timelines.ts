import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { badRequest } from '../../errors.js';
import { homeTimeline, markedStatuses, publicTimeline, tagTimeline } from '../../domain/timelines.js';
import { optionalViewer, rule, viewer } from '../auth.js';
import { paginated } from '../pagination.js';
import { flag, HASHTAG, type Params } from '../params.js';
import { renderStatuses } from '../render.js';

export default async function timelines(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v1/timelines/home', { config: { ...rule('user', 'read:statuses'), priority: 'critical' } }, async (request, reply) => {
    const me = viewer(request);
    return renderStatuses(ctx, me, await paginated(ctx, request, reply, (page) => homeTimeline(ctx, me, page)));
  });

  app.get('/api/v1/timelines/public', { config: { ...rule('optional', 'read:statuses'), expensive: true } }, async (request, reply) => {
    const q = request.query as Params;
    const me = optionalViewer(request);
    // Every account is local, so remote=true selects nothing (and local=true everything).
    const onlyMedia = flag(q, 'only_media') ?? false;
    return renderStatuses(ctx, me, await paginated(ctx, request, reply, async (page) => (flag(q, 'remote') ? [] : publicTimeline(ctx.db, me, page, onlyMedia))));
  });

  app.get<{ Params: { hashtag: string } }>('/api/v1/timelines/tag/:hashtag', { config: { ...rule('optional', 'read:statuses'), expensive: true } }, async (request, reply) => {
    const tag = request.params.hashtag;
    if (!HASHTAG.test(tag)) throw badRequest('Invalid hashtag');
    const me = optionalViewer(request);
    const onlyMedia = flag(request.query as Params, 'only_media') ?? false;
    return renderStatuses(ctx, me, await paginated(ctx, request, reply, (page) => tagTimeline(ctx.db, me, tag, page, onlyMedia)));
  });

  for (const table of ['favourites', 'bookmarks'] as const) {
    app.get(`/api/v1/${table}`, { config: rule('user', `read:${table}`) }, async (request, reply) => {
      const me = viewer(request);
      return renderStatuses(ctx, me, await paginated(ctx, request, reply, (page) => markedStatuses(ctx.db, table, me, page)));
    });
  }
}
