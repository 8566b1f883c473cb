// Follow requests for locked accounts: GET /api/v1/follow_requests and authorize / reject.
// The :id is the requesting account's id, as on Mastodon; answers are the Relationship with it.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import * as rel from '../../domain/relationships.js';
import { rule, viewer } from '../auth.js';
import { paginated } from '../pagination.js';
import { idParam } from '../params.js';
import { renderAccounts } from '../render.js';

type WithId = { Params: { id: string } };

export default async function followRequests(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v1/follow_requests', { config: rule('user', 'read:follows') }, async (request, reply) => {
    const rows = await paginated(ctx, request, reply, (page) => rel.listFollowRequests(ctx.db, viewer(request), page), { limits: [40, 80] });
    return renderAccounts(ctx, rows.map((r) => r.accountId));
  });

  for (const [path, act] of [['authorize', rel.authorizeFollowRequest], ['reject', rel.rejectFollowRequest]] as const) {
    app.post<WithId>(`/api/v1/follow_requests/:id/${path}`, { config: rule('user', 'write:follows') }, async (request) => {
      const me = viewer(request);
      const requester = idParam(request.params.id);
      await act(ctx, me, requester);
      const [relationship] = await rel.relationships(ctx.db, me, [requester]);
      return relationship;
    });
  }
}
