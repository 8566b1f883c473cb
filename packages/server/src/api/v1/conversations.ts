// Direct-message conversations (Mastodon's /api/v1/conversations): the "Direct messages" tab of
// clients. How conversations are grouped and kept is explained in domain/conversations.ts.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import * as conversations from '../../domain/conversations.js';
import { rule, viewer } from '../auth.js';
import { paginated } from '../pagination.js';
import { idempotencyKey, idParam } from '../params.js';
import { renderConversations } from '../render.js';

type WithId = { Params: { id: string } };

export default async function conversationRoutes(app: FastifyInstance, ctx: AppContext) {
  // Newest activity first; max_id/since_id/min_id and the Link header carry the id of a
  // conversation's last status, as on Mastodon.
  app.get('/api/v1/conversations', { config: rule('user', 'read:statuses') }, async (request, reply) => {
    const me = viewer(request);
    return renderConversations(ctx, me, await paginated(ctx, request, reply, (page) => conversations.listConversations(ctx.db, me, page)));
  });

  // For the viewer only: the other participants keep theirs, and a new message brings it back.
  app.delete<WithId>('/api/v1/conversations/:id', { config: rule('user', 'write:conversations') }, async (request) => {
    await conversations.deleteConversation(ctx, viewer(request), idParam(request.params.id), idempotencyKey(request));
    return {};
  });

  // Idempotent by nature: reading twice leaves it read.
  for (const [path, unread] of [['read', false], ['unread', true]] as const) {
    app.post<WithId>(`/api/v1/conversations/:id/${path}`, { config: rule('user', 'write:conversations') }, async (request) => {
      const me = viewer(request);
      const row = await conversations.markConversation(ctx, me, idParam(request.params.id), unread);
      return (await renderConversations(ctx, me, [row]))[0];
    });
  }
}
