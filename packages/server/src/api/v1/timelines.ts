import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { badRequest } from '../../errors.js';
import { linkHeader, parsePage } from '../../domain/pagination.js';
import type { StatusRow } from '../../domain/statuses.js';
import { homeTimeline, markedStatuses, publicTimeline, tagTimeline } from '../../domain/timelines.js';
import { optionalViewer, rule, viewer } from '../auth.js';
import { flag, type Params } from '../params.js';
import { serializeStatuses } from '../serializers.js';

export default async function timelines(app: FastifyInstance, ctx: AppContext) {
  const respond = async (request: FastifyRequest, reply: FastifyReply, rows: Array<StatusRow & { cursor?: string }>) => {
    const link = linkHeader(`${ctx.config.publicUrl}${request.url}`, rows.map((r) => ({ cursor: r.cursor ?? r.id })), request.query as Params);
    if (link) reply.header('link', link);
    return serializeStatuses(ctx, ctx.db, optionalViewer(request), rows);
  };

  app.get('/api/v1/timelines/home', { config: rule('user', 'read:statuses') }, async (request, reply) =>
    respond(request, reply, await homeTimeline(ctx.db, viewer(request), parsePage(request.query as Params))));

  app.get('/api/v1/timelines/public', { config: rule('optional', 'read:statuses') }, async (request, reply) => {
    const q = request.query as Params;
    const page = parsePage(q);
    // Every account is local and there are no media attachments yet, so these filters select nothing.
    if (flag(q, 'remote') || flag(q, 'only_media')) return [];
    return respond(request, reply, await publicTimeline(ctx.db, optionalViewer(request), page));
  });

  app.get<{ Params: { hashtag: string } }>('/api/v1/timelines/tag/:hashtag', { config: rule('optional', 'read:statuses') }, async (request, reply) => {
    const tag = request.params.hashtag;
    if (!/^[\p{L}\p{N}_]{1,100}$/u.test(tag)) throw badRequest('Invalid hashtag');
    return respond(request, reply, await tagTimeline(ctx.db, optionalViewer(request), tag, parsePage(request.query as Params)));
  });

  app.get('/api/v1/favourites', { config: rule('user', 'read:favourites') }, async (request, reply) =>
    respond(request, reply, await markedStatuses(ctx.db, 'favourites', viewer(request), parsePage(request.query as Params))));

  app.get('/api/v1/bookmarks', { config: rule('user', 'read:bookmarks') }, async (request, reply) =>
    respond(request, reply, await markedStatuses(ctx.db, 'bookmarks', viewer(request), parsePage(request.query as Params))));
}
