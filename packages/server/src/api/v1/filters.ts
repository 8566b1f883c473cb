// Filters, Mastodon's v1 API: a view of the v2 filters (../v2/filters.ts) in which each keyword is a
// filter of its own, with its filter's contexts and expiry, and "irreversible" for the hide action.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import * as filters from '../../domain/filters.js';
import { rule, viewer } from '../auth.js';
import { parsePage } from '../pagination.js';
import { bodyOf, flag, idempotencyKey, idParam, str, type Params } from '../params.js';
import { serializeV1Filter } from '../serializers.js';
import { contextParam, expiresInParam } from '../v2/filters.js';

type WithId = { Params: { id: string } };

function v1Input(body: Params): filters.V1Input {
  return {
    phrase: str(body, 'phrase', filters.MAX_KEYWORD * 2), context: contextParam(body), irreversible: flag(body, 'irreversible'),
    wholeWord: flag(body, 'whole_word'), expiresIn: expiresInParam(body),
  };
}

const entity = (f: filters.V1Filter) => serializeV1Filter(f.keyword, f.filter);

export default async function v1FilterRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v1/filters', { config: rule('user', 'read:filters') }, async (request) => {
    parsePage(request.query as Params);
    return (await filters.v1Filters(ctx.db, viewer(request))).map(entity);
  });
  app.get<WithId>('/api/v1/filters/:id', { config: rule('user', 'read:filters') }, async (request) =>
    entity(await filters.getV1Filter(ctx.db, viewer(request), idParam(request.params.id))));
  app.post('/api/v1/filters', { config: rule('user', 'write:filters') }, async (request) =>
    entity(await filters.createV1Filter(ctx, viewer(request), v1Input(bodyOf(request.body)), idempotencyKey(request))));
  app.put<WithId>('/api/v1/filters/:id', { config: rule('user', 'write:filters') }, async (request) =>
    entity(await filters.updateV1Filter(ctx, viewer(request), idParam(request.params.id), v1Input(bodyOf(request.body)))));
  app.delete<WithId>('/api/v1/filters/:id', { config: rule('user', 'write:filters') }, async (request) => {
    await filters.deleteV1Filter(ctx, viewer(request), idParam(request.params.id), idempotencyKey(request));
    return {};
  });
}
