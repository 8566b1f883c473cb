// Invite links (a Firebreak addition: Mastodon manages invites in its server-rendered pages). Staff
// whose role may invite create links that let their holder sign up at /invite/:code whatever the
// registration mode, past approval too, until they expire or are used up; those who manage invites
// see and expire everyone's. Creating is safe to retry with an Idempotency-Key.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { unprocessable } from '../../errors.js';
import { idempotentWrite } from '../../domain/idempotency.js';
import { createInvite, expireInvite, listInvites, REGISTRATION_LIMITS } from '../../domain/registrations.js';
import { can } from '../../domain/roles.js';
import { rule, viewer, viewerRole } from '../auth.js';
import { paginated } from '../pagination.js';
import { bodyOf, idempotencyKey, idParam, str, type Params } from '../params.js';
import { serializeInvite } from '../serializers/admin.js';

type WithId = { Params: { id: string } };

/** A positive integer, or null when absent or empty (no limit). */
function optionalCount(body: Params, name: string): number | null {
  const raw = body[name];
  if (raw === undefined || raw === null || raw === '') return null;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw unprocessable(`${name} must be an integer`);
  return n;
}

export default async function invites(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v1/invites', { config: rule('user', 'read:accounts', ['invite_users', 'manage_invites']) }, async (request, reply) => {
    const everyone = can(viewerRole(request), 'manage_invites');
    const rows = await paginated(ctx, request, reply, (page) => listInvites(ctx.db, viewer(request), everyone, page), { limits: [40, 80] });
    return rows.map((i) => serializeInvite(ctx.config, i));
  });

  app.post('/api/v1/invites', { config: rule('user', 'write:accounts', 'invite_users') }, async (request) => {
    const body = bodyOf(request.body);
    const input = { maxUses: optionalCount(body, 'max_uses'), expiresIn: optionalCount(body, 'expires_in'), comment: str(body, 'comment', REGISTRATION_LIMITS.inviteComment * 2) ?? '' };
    const { response } = await idempotentWrite(ctx, viewer(request), idempotencyKey(request), 'POST /api/v1/invites', async (tx) =>
      serializeInvite(ctx.config, await createInvite(tx, viewer(request), input)));
    return response;
  });

  app.delete<WithId>('/api/v1/invites/:id', { config: rule('user', 'write:accounts', ['invite_users', 'manage_invites']) }, async (request) => {
    const everyone = can(viewerRole(request), 'manage_invites');
    return serializeInvite(ctx.config, await ctx.db.transaction((tx) => expireInvite(tx, viewer(request), everyone, idParam(request.params.id))));
  });
}
