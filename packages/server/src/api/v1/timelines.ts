import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { badRequest } from '../../errors.js';
import { getList, listTimeline } from '../../domain/lists.js';
import { homeTimeline, markedStatuses, publicTimeline, tagTimeline } from '../../domain/timelines.js';
import { optionalViewer, rule, viewer } from '../auth.js';
import { paginated, paginatedPage, parsePage } from '../pagination.js';
import { flag, HASHTAG, idParam, isEmptyValue, refuseUnsupported, type Params } from '../params.js';
import { JSON_TYPE, renderPage } from '../render.js';

export default async function timelines(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v1/timelines/home', { config: { ...rule('user', 'read:statuses'), priority: 'critical' } }, async (request, reply) => {
    const me = viewer(request);
    const page = await paginatedPage(ctx, request, reply, (page) => homeTimeline(ctx, me, page));
    return reply.type(JSON_TYPE).send(await renderPage(ctx, me, page, 'home'));
  });

  // A list's timeline: 404 for a list that is not the viewer's, as on Mastodon.
  app.get<{ Params: { id: string } }>('/api/v1/timelines/list/:id', { config: { ...rule('user', 'read:lists'), priority: 'critical' } }, async (request, reply) => {
    const me = viewer(request);
    parsePage(request.query as Params); // bad parameters are refused before any look-up
    const list = await getList(ctx.db, me, idParam(request.params.id));
    const page = await paginatedPage(ctx, request, reply, (page) => listTimeline(ctx, list, page));
    return reply.type(JSON_TYPE).send(await renderPage(ctx, me, page, 'home'));
  });

  app.get('/api/v1/timelines/public', { config: { ...rule('optional', 'read:statuses'), expensive: true } }, async (request, reply) => {
    const q = request.query as Params;
    const me = optionalViewer(request);
    // Every account is local, so remote=true selects nothing (and local=true everything).
    const onlyMedia = flag(q, 'only_media') ?? false;
    const rows = await paginated(ctx, request, reply, async (page) => (flag(q, 'remote') ? [] : publicTimeline(ctx.db, me, page, onlyMedia)));
    return reply.type(JSON_TYPE).send(await renderPage(ctx, me, { rows, batch: null }, 'public'));
  });

  app.get<{ Params: { hashtag: string } }>('/api/v1/timelines/tag/:hashtag', { config: { ...rule('optional', 'read:statuses'), expensive: true } }, async (request, reply) => {
    const q = request.query as Params;
    const tag = request.params.hashtag;
    if (!HASHTAG.test(tag)) throw badRequest('Invalid hashtag');
    for (const more of ['any', 'all', 'none']) refuseUnsupported(`${more}[]`, q[more], isEmptyValue, 'Timelines of several hashtags');
    const me = optionalViewer(request);
    // Every account is local, so remote=true selects nothing.
    const onlyMedia = flag(q, 'only_media') ?? false;
    const rows = await paginated(ctx, request, reply, async (page) => (flag(q, 'remote') ? [] : tagTimeline(ctx.db, me, tag, page, onlyMedia)));
    return reply.type(JSON_TYPE).send(await renderPage(ctx, me, { rows, batch: null }, 'public'));
  });

  for (const table of ['favourites', 'bookmarks'] as const) {
    app.get(`/api/v1/${table}`, { config: rule('user', `read:${table}`) }, async (request, reply) => {
      const me = viewer(request);
      const rows = await paginated(ctx, request, reply, (page) => markedStatuses(ctx.db, table, me, page));
      return reply.type(JSON_TYPE).send(await renderPage(ctx, me, { rows, batch: null }, null));
    });
  }
}
