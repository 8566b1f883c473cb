// Sign up, sign in and sign out for the web UI. A session is an access token of the built-in
// "Firebreak Web" app (migration 0003), given to the browser only as an HttpOnly cookie; a second,
// readable cookie carries the CSRF token the page echoes on every API call (see api/auth.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { ApiError, forbidden, unauthorized, unprocessable } from '../errors.js';
import { CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, authenticate, csrfTokenFor, readCookie } from '../api/auth.js';
import { bodyOf, idempotencyKey, str } from '../api/params.js';
import { getAccount, registrationKey } from '../domain/accounts.js';
import { confirmPassword, signIn, signInWithCode, type SignInResult } from '../domain/login.js';
import { registrationSettings, signUp, usableInvite } from '../domain/registrations.js';
import { disableTwoFactor, enableTwoFactor, regenerateRecoveryCodes, startTwoFactorSetup, twoFactorEnabled } from '../domain/two-factor.js';
import { findAppByClientId, issueToken, revokeSessionToken, signOutElsewhere } from '../domain/tokens.js';
import { WEB_CLIENT_ID } from '../db/migrations/0003-web-sessions.js';

const SESSION_DAYS = 30;
// Staff moderate from the web UI through the admin API (their role's permissions still decide), and
// the page subscribes to Web Push: hence admin and push (migration 0012 gave the app these scopes).
const WEB_SCOPES = ['read', 'write', 'follow', 'push', 'admin:read', 'admin:write'];

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

/** The signed-in web session (cookie and CSRF token), for what only the web UI's settings may do. */
async function webSession(ctx: AppContext, request: FastifyRequest): Promise<{ accountId: string; tokenId: string }> {
  // Browsers send no Origin on a same-origin GET; the CSRF token (required below) is the proof there.
  if (request.method !== 'GET') requireSameOrigin(request);
  const auth = await authenticate(ctx, request);
  if (!auth?.accountId || !readCookie(request, SESSION_COOKIE) || !request.headers[CSRF_HEADER]) throw unauthorized('Sign in first');
  return { accountId: auth.accountId, tokenId: auth.tokenId };
}

/** Wrong credentials read the same whatever was wrong; a lockout (429) or a refusal (403: suspended...) says so. */
function signInError(err: unknown): Error {
  if (err instanceof ApiError && (err.statusCode === 429 || err.statusCode === 403)) return err;
  return unauthorized('Wrong e-mail, username or password');
}

export default async function session(app: FastifyInstance, ctx: AppContext) {
  // Two steps when the account has two-factor sign-in: the password answers with a challenge (no
  // session yet), and the challenge with a code makes the session.
  app.post('/auth/sign_in', { config: { rateLimitClass: 'login' } }, async (request, reply) => {
    requireSameOrigin(request);
    const body = bodyOf(request.body);
    const challenge = str(body, 'challenge', 200);
    if (challenge !== undefined) {
      const accountId = await signInWithCode(ctx, challenge, str(body, 'code', 40) ?? '', request.ip);
      await startSession(ctx, request, reply, accountId);
      return { ok: true };
    }
    let result: SignInResult;
    try {
      result = await signIn(ctx, str(body, 'login', 320) ?? '', str(body, 'password', 200) ?? '', request.ip);
    } catch (err) {
      throw signInError(err);
    }
    if ('challenge' in result) return { ok: false, two_factor: true, challenge: result.challenge };
    await startSession(ctx, request, reply, result.accountId);
    return { ok: true };
  });

  // Under the registration mode: an account that waits for approval gets no session (it could not
  // use one); the page says so. An invite code (from /invite/:code) lets its holder in.
  app.post('/auth/sign_up', { config: { rateLimitClass: 'register' } }, async (request, reply) => {
    requireSameOrigin(request);
    // The page sends an Idempotency-Key and retries through failovers: a retry finds its account.
    const key = idempotencyKey(request);
    const body = bodyOf(request.body);
    const account = await signUp(ctx, {
      input: body, key: key && registrationKey('web', key), address: request.ip,
      reason: str(body, 'reason', 5000) ?? null, inviteCode: str(body, 'invite_code', 100) || null,
    });
    if (!account.approved) return { ok: true, pending: true };
    await startSession(ctx, request, reply, account.id);
    return { ok: true };
  });

  // What a sign-up page needs to know: the mode, and whether an invite still works.
  app.get('/auth/registrations', async (request) => {
    const settings = await registrationSettings(ctx.db);
    const code = str(request.query as Record<string, unknown>, 'invite_code', 100);
    const invite = code ? await usableInvite(ctx.db, code) : undefined;
    return { mode: settings.mode, reason_required: settings.reasonRequired, message: settings.message, ...(code !== undefined ? { invite_valid: invite !== undefined } : {}) };
  });

  // Two-factor sign-in, set up and removed here, with the password (web UI settings only).
  app.get('/auth/two_factor', async (request) => {
    const { accountId } = await webSession(ctx, request);
    return { enabled: await twoFactorEnabled(ctx.db, accountId) };
  });

  const passwordFirst = async (request: FastifyRequest) => {
    const { accountId } = await webSession(ctx, request);
    const account = await getAccount(ctx.db, accountId);
    if (!(await confirmPassword(ctx, account, str(bodyOf(request.body), 'password', 200) ?? '', request.ip))) {
      throw unprocessable('Validation failed: Current password is invalid', { password: [{ error: 'ERR_INVALID', description: 'is invalid' }] });
    }
    return account;
  };

  app.post('/auth/two_factor/setup', { config: { rateLimitClass: 'login' } }, async (request) => {
    const account = await passwordFirst(request);
    const setup = await startTwoFactorSetup(ctx.db, account.id, account.username, `Firebreak (${ctx.config.domain})`);
    if (setup === 'already_enabled') throw unprocessable('Two-factor sign-in is already on');
    return setup;
  });

  app.post('/auth/two_factor/enable', { config: { rateLimitClass: 'login' } }, async (request) => {
    const { accountId } = await webSession(ctx, request);
    const result = await enableTwoFactor(ctx.db, accountId, str(bodyOf(request.body), 'code', 40) ?? '');
    if (result === 'wrong_code') throw unprocessable('Validation failed: The code is wrong; check the time on your device', { code: [{ error: 'ERR_INVALID', description: 'is wrong' }] });
    if (result === 'not_pending') throw unprocessable('Start the set-up again: there is no two-factor set-up waiting for a code');
    return { recovery_codes: result };
  });

  app.post('/auth/two_factor/recovery_codes', { config: { rateLimitClass: 'login' } }, async (request) => {
    const account = await passwordFirst(request);
    const codes = await regenerateRecoveryCodes(ctx.db, account.id);
    if (!codes) throw unprocessable('Two-factor sign-in is off');
    return { recovery_codes: codes };
  });

  app.post('/auth/two_factor/disable', { config: { rateLimitClass: 'login' } }, async (request) => {
    const account = await passwordFirst(request);
    await disableTwoFactor(ctx.db, account.id);
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
