// Direct-message conversations (Mastodon's /api/v1/conversations): the "Direct messages" tab of
// clients. How conversations are grouped and kept is explained in src/domain/conversations.ts.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import * as conversations from '../../domain/conversations.js';
import { idempotentWrite } from '../../domain/idempotency.js';
import { linkHeader, parsePage } from '../../domain/pagination.js';
import { rule, viewer } from '../auth.js';
import { idempotencyKey, idParam, type Params } from '../params.js';
import { serializeConversations } from '../serializers.js';

type WithId = { Params: { id: string } };

export default async function conversationRoutes(app: FastifyInstance, ctx: AppContext) {
  // Newest activity first; max_id/since_id/min_id and the Link header carry the id of a
  // conversation's last status, as on Mastodon.
  app.get('/api/v1/conversations', { config: rule('user', 'read:statuses') }, async (request, reply) => {
    const q = request.query as Params;
    const me = viewer(request);
    const rows = await conversations.listConversations(ctx.db, me, parsePage(q, 20, 40));
    const link = linkHeader(`${ctx.config.publicUrl}${request.url}`, rows, q);
    if (link) reply.header('link', link);
    return serializeConversations(ctx, ctx.db, me, rows);
  });

  // For the viewer only: the other participants keep theirs, and a new message brings it back.
  // A retried delete (Idempotency-Key) answers as the first one did, not 404.
  app.delete<WithId>('/api/v1/conversations/:id', { config: rule('user', 'write:conversations') }, async (request) => {
    const me = viewer(request);
    const id = idParam(request.params.id);
    const { response } = await idempotentWrite(ctx, me, idempotencyKey(request), `DELETE /api/v1/conversations/${id}`, async (tx) => {
      await conversations.deleteConversation(tx, me, id);
      return {};
    });
    return response;
  });

  // Idempotent by nature: reading twice leaves it read.
  app.post<WithId>('/api/v1/conversations/:id/read', { config: rule('user', 'write:conversations') }, async (request) => {
    const me = viewer(request);
    const id = idParam(request.params.id);
    const row = await ctx.db.transaction((tx) => conversations.markConversationRead(tx, me, id));
    return (await serializeConversations(ctx, ctx.db, me, [row]))[0];
  });
}
