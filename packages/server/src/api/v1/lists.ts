// Lists (Mastodon's /api/v1/lists): CRUD, members, and which of one's lists hold an account. The
// list's timeline is GET /api/v1/timelines/list/:id (timelines.ts). Rules: domain/lists.ts.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { unprocessable } from '../../errors.js';
import { getAccount } from '../../domain/accounts.js';
import * as lists from '../../domain/lists.js';
import { rule, viewer } from '../auth.js';
import { paginated, parsePage } from '../pagination.js';
import { bodyOf, flag, idempotencyKey, idParam, list, str, type Params } from '../params.js';
import { renderAccounts } from '../render.js';
import { serializeList } from '../serializers.js';

type WithId = { Params: { id: string } };

function listInput(body: Params): lists.ListInput {
  const policy = str(body, 'replies_policy', 20);
  if (policy !== undefined && !(lists.REPLIES_POLICIES as readonly string[]).includes(policy)) {
    throw unprocessable(`Validation failed: '${policy.slice(0, 20)}' is not a valid replies_policy`);
  }
  return { title: str(body, 'title', 1000), repliesPolicy: policy as lists.RepliesPolicy | undefined, exclusive: flag(body, 'exclusive') };
}

/** account_ids[] from the body, or from the query string (Tusky sends DELETE's parameters there). */
function accountIds(request: { body: unknown; query: unknown }): string[] {
  const body = bodyOf(request.body);
  const source = body.account_ids !== undefined || body['account_ids[]'] !== undefined ? body : (request.query as Params);
  return list(source, 'account_ids', lists.MAX_MEMBERS).map(idParam);
}

export default async function listRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v1/lists', { config: rule('user', 'read:lists') }, async (request) => {
    parsePage(request.query as Params); // not paginated (at most 50), but a malformed cursor is still refused
    return (await lists.listsOf(ctx.db, viewer(request))).map(serializeList);
  });

  app.get<WithId>('/api/v1/lists/:id', { config: rule('user', 'read:lists') }, async (request) =>
    serializeList(await lists.getList(ctx.db, viewer(request), idParam(request.params.id))));

  app.post('/api/v1/lists', { config: rule('user', 'write:lists') }, async (request) =>
    serializeList(await lists.createList(ctx, viewer(request), listInput(bodyOf(request.body)), idempotencyKey(request))));

  app.put<WithId>('/api/v1/lists/:id', { config: rule('user', 'write:lists') }, async (request) =>
    serializeList(await lists.updateList(ctx.db, viewer(request), idParam(request.params.id), listInput(bodyOf(request.body)))));

  app.delete<WithId>('/api/v1/lists/:id', { config: rule('user', 'write:lists') }, async (request) => {
    await lists.deleteList(ctx, viewer(request), idParam(request.params.id), idempotencyKey(request));
    return {};
  });

  // limit=0 lists every member (at most MAX_MEMBERS), as Mastodon does.
  app.get<WithId>('/api/v1/lists/:id/accounts', { config: rule('user', 'read:lists') }, async (request, reply) => {
    const unlimited = (request.query as Params).limit === '0';
    if (!unlimited) parsePage(request.query as Params); // bad parameters are refused before any look-up
    const list = await lists.getList(ctx.db, viewer(request), idParam(request.params.id));
    if (unlimited) return renderAccounts(ctx, (await lists.listMembers(ctx.db, list, null)).map((m) => m.accountId));
    const rows = await paginated(ctx, request, reply, (page) => lists.listMembers(ctx.db, list, page), { limits: [40, 80] });
    return renderAccounts(ctx, rows.map((r) => r.accountId));
  });

  app.post<WithId>('/api/v1/lists/:id/accounts', { config: rule('user', 'write:lists') }, async (request) => {
    await lists.addMembers(ctx, viewer(request), idParam(request.params.id), accountIds(request), idempotencyKey(request));
    return {};
  });

  app.delete<WithId>('/api/v1/lists/:id/accounts', { config: rule('user', 'write:lists') }, async (request) => {
    await lists.removeMembers(ctx.db, viewer(request), idParam(request.params.id), accountIds(request));
    return {};
  });

  app.get<WithId>('/api/v1/accounts/:id/lists', { config: rule('user', 'read:lists') }, async (request) => {
    const account = await getAccount(ctx.db, idParam(request.params.id));
    parsePage(request.query as Params);
    return (await lists.listsWithMember(ctx.db, viewer(request), account.id)).map(serializeList);
  });
}
