// Authentication and scope enforcement for every route, from one declaration in the route's config:
//   config: { auth: { mode: 'user', scope: 'write:statuses' } }
// Routes without an auth rule are public. `app` accepts app-only (client_credentials) tokens too.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { forbidden, unauthorized } from '../errors.js';
import { findToken } from '../domain/tokens.js';
import { scopeAllows } from '../domain/scopes.js';

export interface AuthRule { mode: 'user' | 'app' | 'optional'; scope?: string }

export interface Auth { tokenId: string; accountId: string | null; appId: string | null; scopes: string[] }

declare module 'fastify' {
  interface FastifyContextConfig { auth?: AuthRule; rateLimitClass?: string }
  interface FastifyRequest { auth: Auth | null }
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S{1,200})$/i.exec(header);
    return match ? match[1] : '';
  }
  const q = (request.query as Record<string, unknown> | undefined)?.access_token;
  return typeof q === 'string' ? q : undefined;
}

export function registerAuth(app: FastifyInstance, ctx: AppContext): void {
  app.decorateRequest('auth', null);
  app.addHook('preHandler', async (request) => {
    const rule = request.routeOptions.config.auth;
    const token = bearer(request);
    if (!rule) return;
    if (token === undefined) {
      if (rule.mode === 'optional') return;
      throw unauthorized('The access token is invalid');
    }
    const row = token ? await findToken(ctx.db, token) : undefined;
    if (!row) throw unauthorized('The access token is invalid');
    if (rule.mode === 'user' && !row.account_id) throw unauthorized('This method requires an authenticated user');
    if (rule.scope && !scopeAllows(row.scopes, rule.scope)) throw forbidden('This action is outside the authorized scopes');
    request.auth = { tokenId: row.id, accountId: row.account_id, appId: row.app_id, scopes: row.scopes };
  });
}

/** The signed-in account, for routes declared with mode 'user'. */
export function viewer(request: FastifyRequest): string {
  const id = request.auth?.accountId;
  if (!id) throw unauthorized('This method requires an authenticated user');
  return id;
}

export const optionalViewer = (request: FastifyRequest): string | null => request.auth?.accountId ?? null;

export const rule = (mode: AuthRule['mode'], scope?: string) => ({ auth: { mode, scope } satisfies AuthRule });
