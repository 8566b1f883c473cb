// Operator endpoints: read and switch under-attack mode (FIREBREAK_ADMIN_TOKEN as a bearer token;
// absent when no admin token is configured), and the public challenge endpoint clients solve.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { badRequest, notFound, unauthorized } from '../errors.js';
import { safeEqual } from '../domain/tokens.js';
import { bearerToken } from '../api/auth.js';
import type { OverloadState } from './index.js';

export const ADMIN_PREFIX = '/api/firebreak/admin/';

export async function registerAdminRoutes(app: FastifyInstance, ctx: AppContext, state: OverloadState): Promise<void> {
  // Anyone may fetch a challenge; issuing one is an HMAC, no storage.
  app.get('/api/firebreak/challenge', async (_request, reply) => {
    state.metrics.challenges.inc({ outcome: 'issued' });
    reply.header('cache-control', 'no-store');
    return state.proofOfWork.issue();
  });

  const adminToken = ctx.config.adminToken;
  const requireAdmin = (request: FastifyRequest) => {
    if (!adminToken) throw notFound('Not found');
    const given = bearerToken(request) ?? '';
    if (!safeEqual(given, adminToken)) throw unauthorized('The admin token is invalid');
  };
  const view = () => ({ under_attack: state.underAttack, pow_difficulty: state.proofOfWork.difficulty });

  app.get(`${ADMIN_PREFIX}under_attack`, { config: { rateLimitClass: 'admin' } }, async (request) => {
    requireAdmin(request);
    return view();
  });

  app.put(`${ADMIN_PREFIX}under_attack`, { config: { rateLimitClass: 'admin' } }, async (request) => {
    requireAdmin(request);
    const enabled = (request.body as Record<string, unknown> | undefined)?.enabled;
    const value = enabled === true || enabled === 'true' ? true : enabled === false || enabled === 'false' ? false : undefined;
    if (value === undefined) throw badRequest('enabled must be true or false');
    state.underAttack = value;
    state.metrics.underAttack.set(value ? 1 : 0);
    request.log.warn({ underAttack: value }, 'under-attack mode switched');
    return view();
  });
}
