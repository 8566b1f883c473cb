// Hashtags as entities: GET /api/v1/tags/:name, following them (POST .../follow|unfollow, GET
// /api/v1/followed_tags: their public posts join the home timeline) and the trending ones
// (GET /api/v1/trends/tags).
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { badRequest } from '../../errors.js';
import { followedTags, followTag, trendingTags, unfollowTag } from '../../domain/tags.js';
import { optionalViewer, rule, viewer } from '../auth.js';
import { paginated, parsePage } from '../pagination.js';
import { HASHTAG, type Params } from '../params.js';
import { renderTags } from '../render.js';

type WithName = { Params: { name: string } };

/** Trends page by offset, as on Mastodon; ids are not used but must still be well-formed, as on every list. */
function limitAndOffset(q: Params, defaultLimit: number, maxLimit: number): { limit: number; offset: number } {
  parsePage(q);
  const limit = q.limit === undefined || q.limit === '' ? defaultLimit : Number(q.limit);
  const offset = q.offset === undefined || q.offset === '' ? 0 : Number(q.offset);
  if (!Number.isInteger(limit) || limit < 1) throw badRequest('limit must be a positive integer');
  if (!Number.isInteger(offset) || offset < 0 || offset > 1000) throw badRequest('offset must be an integer between 0 and 1000');
  return { limit: Math.min(limit, maxLimit), offset };
}

function tagName(raw: string): string {
  const name = raw.replace(/^#/, '');
  if (!HASHTAG.test(name)) throw badRequest('Invalid hashtag');
  return name;
}

export default async function tags(app: FastifyInstance, ctx: AppContext) {
  app.get<WithName>('/api/v1/tags/:name', { config: rule('optional', 'read:statuses') }, async (request) => {
    const [tag] = await renderTags(ctx, [tagName(request.params.name)], optionalViewer(request));
    return tag;
  });

  // Following is idempotent by nature: again, it changes nothing and answers the same.
  app.post<WithName>('/api/v1/tags/:name/follow', { config: rule('user', 'write:follows') }, async (request) => {
    const name = tagName(request.params.name);
    await followTag(ctx, viewer(request), name);
    return (await renderTags(ctx, [name], viewer(request)))[0];
  });

  app.post<WithName>('/api/v1/tags/:name/unfollow', { config: rule('user', 'write:follows') }, async (request) => {
    const name = tagName(request.params.name);
    await unfollowTag(ctx.db, viewer(request), name);
    return (await renderTags(ctx, [name], viewer(request)))[0];
  });

  app.get('/api/v1/followed_tags', { config: rule('user', 'read:follows') }, async (request, reply) => {
    const me = viewer(request);
    const rows = await paginated(ctx, request, reply, (page) => followedTags(ctx.db, me, page), { limits: [100, 200] });
    return renderTags(ctx, rows.map((r) => r.name), me);
  });

  // Mastodon answers the bare /api/v1/trends with tags too (its first trends endpoint).
  for (const url of ['/api/v1/trends/tags', '/api/v1/trends']) {
    app.get(url, async (request) => {
      const { limit, offset } = limitAndOffset(request.query as Params, 10, 20);
      return renderTags(ctx, await trendingTags(ctx.db, limit, offset));
    });
  }
}
