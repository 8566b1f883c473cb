// Authentication and scope enforcement for every route, from one declaration in the route's config:
//   config: { auth: { mode: 'user', scope: 'write:statuses' } }
// Routes without an auth rule are public. `app` accepts app-only (client_credentials) tokens too.
// A list of scopes means any one of them will do (verify_credentials takes `read:accounts` or `profile`).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { forbidden, unauthorized } from '../errors.js';
import { findToken, safeEqual, sha256 } from '../domain/tokens.js';
import { scopeAllows } from '../domain/scopes.js';

export interface AuthRule { mode: 'user' | 'app' | 'optional'; scope?: string | string[] }

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

// --- First-party web session (the web UI at /) -------------------------------------------------
// The page holds no token a script could read: its access token lives in an HttpOnly, SameSite=Strict
// cookie. A cookie is sent by the browser on its own, so it counts only together with a CSRF token
// that a script on our origin can read (a second, readable cookie) and must echo in a header: the
// double-submit pattern. The CSRF token is derived from the session token, so it cannot be forged
// or planted without knowing the session. Required on every method, GET included, to keep one rule.
export const SESSION_COOKIE = 'fb_session';
export const CSRF_COOKIE = 'fb_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export const csrfTokenFor = (sessionToken: string) => sha256(`csrf:${sessionToken}`);

export function readCookie(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** The session cookie's token, if the request also proves it comes from our page. */
function cookieSession(request: FastifyRequest, csrfToken: string | undefined): string | undefined {
  const session = readCookie(request, SESSION_COOKIE);
  if (!session || !csrfToken) return undefined;
  return safeEqual(csrfToken, csrfTokenFor(session)) ? session : undefined;
}
// ------------------------------------------------------------------------------------------------

/**
 * Who is calling: a bearer token (header or access_token), else a web session cookie with its CSRF
 * token. null means anonymous; a presented but unknown token is an error. `csrfToken` overrides the
 * header for the WebSocket handshake, which cannot carry custom headers.
 */
export async function authenticate(ctx: AppContext, request: FastifyRequest, options: { token?: string; csrfToken?: string } = {}): Promise<Auth | null> {
  const header = request.headers[CSRF_HEADER];
  const token = options.token ?? bearer(request) ?? cookieSession(request, options.csrfToken ?? (typeof header === 'string' ? header : undefined));
  if (token === undefined) return null;
  const row = token ? await findToken(ctx.db, token) : undefined;
  if (!row) throw unauthorized('The access token is invalid');
  return { tokenId: row.id, accountId: row.account_id, appId: row.app_id, scopes: row.scopes };
}

/** Applies a route's declared rule to an authentication result. */
export function enforceRule(rule: AuthRule, auth: Auth | null): void {
  if (!auth) {
    if (rule.mode === 'optional') return;
    throw unauthorized('The access token is invalid');
  }
  if (rule.mode === 'user' && !auth.accountId) throw unauthorized('This method requires an authenticated user');
  if (rule.scope && ![rule.scope].flat().some((scope) => scopeAllows(auth.scopes, scope))) throw forbidden('This action is outside the authorized scopes');
}

export function registerAuth(app: FastifyInstance, ctx: AppContext): void {
  app.decorateRequest('auth', null);
  app.addHook('preHandler', async (request) => {
    const rule = request.routeOptions.config.auth;
    if (!rule) return;
    const auth = await authenticate(ctx, request);
    enforceRule(rule, auth);
    request.auth = auth;
  });
}

/** The signed-in account, for routes declared with mode 'user'. */
export function viewer(request: FastifyRequest): string {
  const id = request.auth?.accountId;
  if (!id) throw unauthorized('This method requires an authenticated user');
  return id;
}

export const optionalViewer = (request: FastifyRequest): string | null => request.auth?.accountId ?? null;

export const rule = (mode: AuthRule['mode'], scope?: string | string[]) => ({ auth: { mode, scope } satisfies AuthRule });
