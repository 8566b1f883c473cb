// Authentication, scope and permission enforcement for every route, from one declaration in the
// route's config:
//   config: { auth: { mode: 'user', scope: 'write:statuses' } }
//   config: { auth: { mode: 'user', scope: 'admin:read:reports', permission: 'manage_reports' } }
// Routes without an auth rule are public. `app` accepts app-only (client_credentials) tokens too.
// A list of scopes means any one of them will do (verify_credentials takes `read:accounts` or `profile`);
// a list of permissions likewise. A permission is the account's role's (domain/roles.ts), checked
// against the database on every request: a role taken away takes effect at once.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { forbidden, unauthorized } from '../errors.js';
import { findToken, findTokenForRead, safeEqual, sha256 } from '../domain/tokens.js';
import { scopeAllows } from '../domain/scopes.js';
import { can, type Permission } from '../domain/roles.js';

export interface AuthRule { mode: 'user' | 'app' | 'optional'; scope?: string | string[]; permission?: Permission | Permission[] }

export interface Auth { tokenId: string; accountId: string | null; appId: string | null; scopes: string[]; roleId: number | null }

declare module 'fastify' {
  /** queryToken: the route takes its token as ?access_token= too (only the streaming API does). */
  interface FastifyContextConfig { auth?: AuthRule; queryToken?: boolean }
  interface FastifyRequest { auth: Auth | null }
}

/** The Authorization header's bearer token; '' for a header of another form, undefined without one. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  return /^Bearer\s+(\S{1,200})$/i.exec(header)?.[1] ?? '';
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

/** A cookie's value; a malformed one (bad percent-encoding) counts as absent. */
export function readCookie(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try { return decodeURIComponent(part.slice(eq + 1).trim()); } catch { return undefined; }
    }
  }
  return undefined;
}
// ------------------------------------------------------------------------------------------------

/**
 * The token a request presents, read the one way every part of the server reads it: a bearer token
 * (the header; the access_token parameter on streaming), else the web session cookie when the request carries a
 * CSRF token (`csrfToken` stands in for the header on a WebSocket handshake, which cannot send one).
 * '' is a malformed credential. Unverified: authenticate() checks the token and the CSRF pairing;
 * the overload classifier trusts it only once it has authenticated (KnownTokens).
 */
export function presentedToken(request: FastifyRequest, csrfToken?: string): { token: string; csrf?: string } | undefined {
  const bearer = bearerToken(request);
  if (bearer !== undefined) return { token: bearer };
  // In the query string only where Mastodon takes it there (the streaming API, whose WebSocket
  // handshake cannot carry a header): elsewhere a URL with a token ends up in logs and Referer headers.
  const q = request.routeOptions.config.queryToken ? (request.query as Record<string, unknown> | undefined)?.access_token : undefined;
  if (typeof q === 'string') return { token: q };
  const header = request.headers[CSRF_HEADER];
  const csrf = csrfToken ?? (typeof header === 'string' ? header : undefined);
  const session = csrf ? readCookie(request, SESSION_COOKIE) : undefined;
  return session ? { token: session, csrf } : undefined;
}

/**
 * Who is calling: null means anonymous (a session cookie without its matching CSRF token counts for
 * nothing: a cross-site request carries the cookie, never the token); a presented but unknown token is
 * an error. `token` is one given another way (a WebSocket subprotocol).
 */
export async function authenticate(ctx: AppContext, request: FastifyRequest, options: { token?: string; csrfToken?: string; rule?: AuthRule } = {}): Promise<Auth | null> {
  const presented = options.token !== undefined ? { token: options.token } : presentedToken(request, options.csrfToken);
  if (presented === undefined) return null;
  const { token, csrf } = presented;
  if (csrf !== undefined && !safeEqual(csrf, csrfTokenFor(token))) return null;
  const row = !token ? undefined : readsOnly(request, options.rule) ? await findTokenForRead(ctx.db, ctx.tokenCache, token) : await findToken(ctx.db, token);
  if (!row) throw unauthorized('The access token is invalid');
  // Mastodon's words. A suspended or disabled account's tokens are revoked too; this also covers a
  // token issued from an authorization code granted before the suspension.
  if (row.approved === false) throw forbidden('Your login is currently pending approval');
  if (row.functional === false) throw forbidden('Your login is currently disabled');
  return { tokenId: row.id, accountId: row.account_id, appId: row.app_id, scopes: row.scopes, roleId: row.role_id };
}

/**
 * A read may take its token from memory (domain/token-cache.ts); a write, and anything that needs a
 * permission (a role can be taken away), looks it up in the database.
 */
const readsOnly = (request: FastifyRequest, rule: AuthRule | undefined) => (request.method === 'GET' || request.method === 'HEAD') && !rule?.permission;

/** Applies a route's declared rule to an authentication result. */
export function enforceRule(rule: AuthRule, auth: Auth | null): void {
  if (!auth) {
    if (rule.mode === 'optional') return;
    throw unauthorized('The access token is invalid');
  }
  if (rule.mode === 'user' && !auth.accountId) throw unauthorized('This method requires an authenticated user');
  if (rule.scope && ![rule.scope].flat().some((scope) => scopeAllows(auth.scopes, scope))) throw forbidden('This action is outside the authorized scopes');
  if (rule.permission && !(auth.accountId && can(auth.roleId, ...[rule.permission].flat()))) throw forbidden('This action is not allowed');
}

export function registerAuth(app: FastifyInstance, ctx: AppContext): void {
  app.decorateRequest('auth', null);
  app.addHook('preHandler', async (request) => {
    const rule = request.routeOptions.config.auth;
    if (!rule) return;
    const auth = await authenticate(ctx, request, { rule });
    enforceRule(rule, auth);
    request.auth = auth;
    if (auth?.accountId) ctx.activity.record(auth.accountId);
  });
}

/** The signed-in account, for routes declared with mode 'user'. */
export function viewer(request: FastifyRequest): string {
  const id = request.auth?.accountId;
  if (!id) throw unauthorized('This method requires an authenticated user');
  return id;
}

export const optionalViewer = (request: FastifyRequest): string | null => request.auth?.accountId ?? null;

export const rule = (mode: AuthRule['mode'], scope?: string | string[], permission?: Permission | Permission[]) =>
  ({ auth: { mode, scope, ...(permission ? { permission } : {}) } satisfies AuthRule });

/** The signed-in account's role id (auth.ts loaded it with the token). */
export const viewerRole = (request: FastifyRequest): number => request.auth?.roleId ?? -99;
