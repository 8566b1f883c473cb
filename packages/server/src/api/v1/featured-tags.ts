// Featured hashtags (Mastodon's /api/v1/featured_tags): the hashtags an account shows on its profile.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { unprocessable } from '../../errors.js';
import { getAccount } from '../../domain/accounts.js';
import * as featured from '../../domain/featured-tags.js';
import { rule, viewer } from '../auth.js';
import { parsePage } from '../pagination.js';
import { bodyOf, HASHTAG, idempotencyKey, idParam, str, type Params } from '../params.js';
import { renderTags } from '../render.js';
import { serializeFeaturedTag } from '../serializers.js';

type WithId = { Params: { id: string } };

export default async function featuredTagRoutes(app: FastifyInstance, ctx: AppContext) {
  const entity = (row: featured.FeaturedTagRow) => serializeFeaturedTag(ctx.config, row);

  app.get('/api/v1/featured_tags', { config: rule('user', 'read:accounts') }, async (request) => {
    parsePage(request.query as Params);
    return (await featured.featuredTags(ctx.db, viewer(request))).map(entity);
  });

  app.post('/api/v1/featured_tags', { config: rule('user', 'write:accounts') }, async (request) => {
    const name = (str(bodyOf(request.body), 'name', 200) ?? '').replace(/^#/, '');
    if (!HASHTAG.test(name)) throw unprocessable('Validation failed: Tag is invalid');
    return entity(await featured.featureTag(ctx, viewer(request), name, idempotencyKey(request)));
  });

  app.delete<WithId>('/api/v1/featured_tags/:id', { config: rule('user', 'write:accounts') }, async (request) => {
    await featured.unfeatureTag(ctx, viewer(request), idParam(request.params.id), idempotencyKey(request));
    return {};
  });

  // The hashtags one used most recently and does not feature yet, as Tag entities.
  app.get('/api/v1/featured_tags/suggestions', { config: rule('user', 'read:accounts') }, async (request) => {
    parsePage(request.query as Params);
    return renderTags(ctx, await featured.suggestedTags(ctx.db, viewer(request)), viewer(request));
  });

  // Public, as on Mastodon: they are on the profile.
  app.get<WithId>('/api/v1/accounts/:id/featured_tags', async (request) => {
    parsePage(request.query as Params);
    const account = await getAccount(ctx.db, idParam(request.params.id));
    return (await featured.featuredTags(ctx.db, account.id)).map(entity);
  });
}
