// Filters, Mastodon's v2 API: filters with their keywords and statuses. What filters do and their
// limits: domain/filters.ts. The v1 API over the same filters: ../v1/filters.ts.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { unprocessable } from '../../errors.js';
import * as filters from '../../domain/filters.js';
import { rule, viewer } from '../auth.js';
import { parsePage } from '../pagination.js';
import { attributesList, bodyOf, flag, idempotencyKey, idParam, list, optionalIdParam, str, type Params } from '../params.js';
import { serializeFilter, serializeFilterKeyword, serializeFilterStatus } from '../serializers.js';

type WithId = { Params: { id: string } };

/** context[]: some of Mastodon's filter contexts; undefined when not given. */
export function contextParam(body: Params): filters.FilterContext[] | undefined {
  if (body.context === undefined && body['context[]'] === undefined) return undefined;
  const given = list(body, 'context', filters.FILTER_CONTEXTS.length * 2);
  for (const c of given) if (!(filters.FILTER_CONTEXTS as readonly string[]).includes(c)) throw unprocessable('Validation failed: Context is invalid');
  return [...new Set(given)] as filters.FilterContext[];
}

/** expires_in: seconds from now; empty or null means never; undefined when not given. */
export function expiresInParam(body: Params): number | null | undefined {
  const v = body.expires_in;
  if (v === undefined) return undefined;
  if (v === null || v === '') return null;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,12}$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > filters.MAX_EXPIRES_IN) throw unprocessable(`Validation failed: expires_in must be a number of seconds between 1 and ${filters.MAX_EXPIRES_IN}`);
  return n;
}

function keywordChange(p: Params): filters.KeywordChange {
  return { id: optionalIdParam(p, 'id') ?? undefined, keyword: str(p, 'keyword', filters.MAX_KEYWORD * 2), wholeWord: flag(p, 'whole_word'), destroy: flag(p, '_destroy') ?? false };
}

function filterInput(body: Params): filters.FilterInput {
  const action = str(body, 'filter_action', 20);
  if (action !== undefined && !(filters.FILTER_ACTIONS as readonly string[]).includes(action)) throw unprocessable(`Validation failed: '${action.slice(0, 20)}' is not a valid filter_action`);
  return {
    title: str(body, 'title', filters.MAX_TITLE * 2), context: contextParam(body), action: action as filters.FilterAction | undefined,
    expiresIn: expiresInParam(body), keywords: attributesList(body, 'keywords_attributes', filters.MAX_KEYWORDS).map(keywordChange),
  };
}

export default async function filterRoutes(app: FastifyInstance, ctx: AppContext) {
  const read = rule('user', 'read:filters');
  const write = rule('user', 'write:filters');

  app.get('/api/v2/filters', { config: read }, async (request) => {
    parsePage(request.query as Params); // not paginated (at most 100), but a malformed cursor is still refused
    return (await filters.filtersOf(ctx.db, viewer(request))).map((f) => serializeFilter(f));
  });
  app.get<WithId>('/api/v2/filters/:id', { config: read }, async (request) =>
    serializeFilter(await filters.getFilter(ctx.db, viewer(request), idParam(request.params.id))));
  app.post('/api/v2/filters', { config: write }, async (request) =>
    serializeFilter(await filters.createFilter(ctx, viewer(request), filterInput(bodyOf(request.body)), idempotencyKey(request))));
  app.put<WithId>('/api/v2/filters/:id', { config: write }, async (request) =>
    serializeFilter(await filters.updateFilter(ctx, viewer(request), idParam(request.params.id), filterInput(bodyOf(request.body)), idempotencyKey(request))));
  app.delete<WithId>('/api/v2/filters/:id', { config: write }, async (request) => {
    await filters.deleteFilter(ctx, viewer(request), idParam(request.params.id), idempotencyKey(request));
    return {};
  });

  app.get<WithId>('/api/v2/filters/:id/keywords', { config: read }, async (request) => {
    parsePage(request.query as Params);
    return (await filters.getFilter(ctx.db, viewer(request), idParam(request.params.id))).keywords.map(serializeFilterKeyword);
  });
  app.post<WithId>('/api/v2/filters/:id/keywords', { config: write }, async (request) =>
    serializeFilterKeyword(await filters.addKeyword(ctx, viewer(request), idParam(request.params.id), keywordChange(bodyOf(request.body)), idempotencyKey(request))));
  app.get<WithId>('/api/v2/filters/keywords/:id', { config: read }, async (request) =>
    serializeFilterKeyword(await filters.getKeyword(ctx.db, viewer(request), idParam(request.params.id))));
  app.put<WithId>('/api/v2/filters/keywords/:id', { config: write }, async (request) =>
    serializeFilterKeyword(await filters.updateKeyword(ctx, viewer(request), idParam(request.params.id), keywordChange(bodyOf(request.body)))));
  app.delete<WithId>('/api/v2/filters/keywords/:id', { config: write }, async (request) => {
    await filters.deleteKeyword(ctx, viewer(request), idParam(request.params.id), idempotencyKey(request));
    return {};
  });

  app.get<WithId>('/api/v2/filters/:id/statuses', { config: read }, async (request) => {
    parsePage(request.query as Params);
    return (await filters.getFilter(ctx.db, viewer(request), idParam(request.params.id))).statuses.map(serializeFilterStatus);
  });
  app.post<WithId>('/api/v2/filters/:id/statuses', { config: write }, async (request) =>
    serializeFilterStatus(await filters.addFilterStatus(ctx, viewer(request), idParam(request.params.id), optionalIdParam(bodyOf(request.body), 'status_id'), idempotencyKey(request))));
  app.get<WithId>('/api/v2/filters/statuses/:id', { config: read }, async (request) =>
    serializeFilterStatus(await filters.getFilterStatus(ctx.db, viewer(request), idParam(request.params.id))));
  app.delete<WithId>('/api/v2/filters/statuses/:id', { config: write }, async (request) => {
    await filters.deleteFilterStatus(ctx, viewer(request), idParam(request.params.id), idempotencyKey(request));
    return {};
  });
}
