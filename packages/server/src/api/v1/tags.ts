// Hashtags as entities: GET /api/v1/tags/:name and the trending ones (GET /api/v1/trends/tags).
// Following hashtags is not supported yet, so `following` is always false.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { badRequest } from '../../errors.js';
import { trendingTags } from '../../domain/tags.js';
import { rule } from '../auth.js';
import { parsePage } from '../pagination.js';
import { HASHTAG, type Params } from '../params.js';
import { renderTags } from '../render.js';

/** Trends page by offset, as on Mastodon; ids are not used but must still be well-formed, as on every list. */
function limitAndOffset(q: Params, defaultLimit: number, maxLimit: number): { limit: number; offset: number } {
  parsePage(q);
  const limit = q.limit === undefined || q.limit === '' ? defaultLimit : Number(q.limit);
  const offset = q.offset === undefined || q.offset === '' ? 0 : Number(q.offset);
  if (!Number.isInteger(limit) || limit < 1) throw badRequest('limit must be a positive integer');
  if (!Number.isInteger(offset) || offset < 0 || offset > 1000) throw badRequest('offset must be an integer between 0 and 1000');
  return { limit: Math.min(limit, maxLimit), offset };
}

export default async function tags(app: FastifyInstance, ctx: AppContext) {
  app.get<{ Params: { name: string } }>('/api/v1/tags/:name', { config: rule('optional', 'read:statuses') }, async (request) => {
    const name = request.params.name.replace(/^#/, '');
    if (!HASHTAG.test(name)) throw badRequest('Invalid hashtag');
    const [tag] = await renderTags(ctx, [name]);
    return tag;
  });

  // Mastodon answers the bare /api/v1/trends with tags too (its first trends endpoint).
  for (const url of ['/api/v1/trends/tags', '/api/v1/trends']) {
    app.get(url, async (request) => {
      const { limit, offset } = limitAndOffset(request.query as Params, 10, 20);
      return renderTags(ctx, await trendingTags(ctx.db, limit, offset));
    });
  }
}
