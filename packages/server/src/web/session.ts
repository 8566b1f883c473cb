// Sign up, sign in and sign out for the web UI. A session is an access token of the built-in
// "Firebreak Web" app (migration 0003), given to the browser only as an HttpOnly cookie; a second,
// readable cookie carries the CSRF token the page echoes on every API call (see api/auth.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { ApiError, forbidden, unauthorized } from '../errors.js';
import { CSRF_COOKIE, SESSION_COOKIE, authenticate, csrfTokenFor, readCookie } from '../api/auth.js';
import { bodyOf, idempotencyKey, str } from '../api/params.js';
import { registerAccount, registrationKey } from '../domain/accounts.js';
import { passwordLogin } from '../domain/login.js';
import { findAppByClientId, issueToken, revokeSessionToken, signOutElsewhere } from '../domain/tokens.js';
import { WEB_CLIENT_ID } from '../db/migrations/0003-web-sessions.js';

const SESSION_DAYS = 30;
const WEB_SCOPES = ['read', 'write', 'follow'];

/**
 * Login CSRF: a cross-site form could sign the victim into the attacker's account. Browsers send
 * Origin on every POST, so these endpoints accept only posts from our own origin.
 */
function requireSameOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  let host: string | undefined;
  try { host = origin ? new URL(origin).host : undefined; } catch { host = undefined; }
  if (!host || host !== request.headers.host) throw forbidden('Cross-origin sign-in requests are refused');
}

function isHttps(ctx: AppContext, request: FastifyRequest): boolean {
  return request.protocol === 'https' || ctx.config.publicUrl.startsWith('https:');
}

function cookie(name: string, value: string, opts: { httpOnly: boolean; secure: boolean; maxAgeSeconds: number }): string {
  return [`${name}=${encodeURIComponent(value)}`, 'Path=/', `Max-Age=${opts.maxAgeSeconds}`, 'SameSite=Strict',
    ...(opts.httpOnly ? ['HttpOnly'] : []), ...(opts.secure ? ['Secure'] : [])].join('; ');
}

function setSessionCookies(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, token: string | null): void {
  const secure = isHttps(ctx, request);
  const maxAgeSeconds = token ? SESSION_DAYS * 86400 : 0;
  reply.header('set-cookie', [
    cookie(SESSION_COOKIE, token ?? '', { httpOnly: true, secure, maxAgeSeconds }),
    cookie(CSRF_COOKIE, token ? csrfTokenFor(token) : '', { httpOnly: false, secure, maxAgeSeconds }),
  ]);
  reply.header('cache-control', 'no-store');
}

async function startSession(ctx: AppContext, request: FastifyRequest, reply: FastifyReply, accountId: string): Promise<void> {
  const app = await findAppByClientId(ctx.db, WEB_CLIENT_ID);
  if (!app) throw new Error('the Firebreak Web app is missing: migration 0003 did not run');
  const token = await issueToken(ctx.db, app.id, accountId, WEB_SCOPES);
  setSessionCookies(ctx, request, reply, token.access_token);
}

export default async function session(app: FastifyInstance, ctx: AppContext) {
  app.post('/auth/sign_in', { config: { rateLimitClass: 'login' } }, async (request, reply) => {
    requireSameOrigin(request);
    const body = bodyOf(request.body);
    let accountId: string;
    try {
      accountId = await passwordLogin(ctx, str(body, 'login', 320) ?? '', str(body, 'password', 200) ?? '', request.ip);
    } catch (err) {
      if (err instanceof ApiError && err.statusCode === 429) throw err;
      throw unauthorized('Wrong e-mail, username or password');
    }
    await startSession(ctx, request, reply, accountId);
    return { ok: true };
  });

  app.post('/auth/sign_up', { config: { rateLimitClass: 'register' } }, async (request, reply) => {
    requireSameOrigin(request);
    if (!ctx.config.registrationsOpen) throw forbidden('Registrations are closed on this server');
    // The page sends an Idempotency-Key and retries through failovers: a retry finds its account.
    const key = idempotencyKey(request);
    const account = await registerAccount(ctx.db, bodyOf(request.body), ctx.config.passwordHashing, key && registrationKey('web', key));
    await startSession(ctx, request, reply, account.id);
    return { ok: true };
  });

  // Sign-out needs the CSRF token too (a cross-site page must not be able to sign people out).
  app.post('/auth/sign_out', async (request, reply) => {
    requireSameOrigin(request);
    const auth = await authenticate(ctx, request).catch(() => null);
    const sessionToken = readCookie(request, SESSION_COOKIE);
    if (auth && sessionToken) await revokeSessionToken(ctx, auth.tokenId, sessionToken);
    setSessionCookies(ctx, request, reply, null);
    return { ok: true };
  });

  // Signs every other session and app out (this one stays), with their open streams: for someone who
  // fears another device or app has their account.
  app.post('/auth/sign_out_everywhere', async (request) => {
    requireSameOrigin(request);
    const auth = await authenticate(ctx, request);
    const sessionToken = readCookie(request, SESSION_COOKIE);
    if (!auth?.accountId || !sessionToken) throw unauthorized('Sign in first');
    return { ok: true, signed_out: await signOutElsewhere(ctx, auth.accountId, auth.tokenId) };
  });
}
