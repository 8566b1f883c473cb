// OAuth 2.0: authorization code (with PKCE S256, out-of-band and real redirect URIs), client
// credentials, refresh tokens, the password grant (first-party clients), revocation, RFC 8414 metadata.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { oauthError } from '../errors.js';
import { passwordLogin, signIn, signInWithCode } from '../domain/login.js';
import { ALL_SCOPES, parseScopes, scopesWithin } from '../domain/scopes.js';
import {
  clientSecretMatches, consumeAuthorizationCode, createAuthorizationCode, findAppByClientId, findAuthorizationCode, issueToken, pkceMatches, refreshToken, revokeToken, type AppRow,
} from '../domain/tokens.js';
import { escapeHtml } from '../domain/text.js';
import { bodyOf, str, type Params } from './params.js';

export const OOB = 'urn:ietf:wg:oauth:2.0:oob';

const invalidClient = () => oauthError('invalid_client', 'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.', 'unauthorized');

/** RFC 6749 2.3.1: HTTP Basic carries the form-urlencoded id and secret; malformed is a failed authentication. */
function formDecode(value: string): string {
  try { return decodeURIComponent(value.replace(/\+/g, ' ')); } catch { throw invalidClient(); }
}

/** Client credentials from the body or HTTP Basic. */
function clientCredentials(request: FastifyRequest, body: Params): { clientId?: string; clientSecret?: string } {
  const basic = /^Basic\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  if (basic) {
    const decoded = Buffer.from(basic[1]!, 'base64').toString();
    const colon = decoded.indexOf(':');
    if (colon < 0) throw invalidClient();
    return { clientId: formDecode(decoded.slice(0, colon)), clientSecret: formDecode(decoded.slice(colon + 1)) };
  }
  return { clientId: str(body, 'client_id', 200), clientSecret: str(body, 'client_secret', 200) };
}

/** The calling app. A secret, when sent, must be right; `secretRequired` for confidential flows. */
async function authenticateClient(ctx: AppContext, request: FastifyRequest, body: Params, secretRequired: boolean): Promise<AppRow> {
  const { clientId, clientSecret } = clientCredentials(request, body);
  const app = clientId ? await findAppByClientId(ctx.db, clientId) : undefined;
  if (!app) throw invalidClient();
  if ((secretRequired || clientSecret !== undefined) && !clientSecretMatches(app, clientSecret ?? '')) {
    throw oauthError('invalid_client', 'Client authentication failed.', 'unauthorized');
  }
  return app;
}

const tokenResponse = (t: { access_token: string; refresh_token: string; scopes: string[]; created_at: Date }) => ({
  access_token: t.access_token, token_type: 'Bearer', scope: t.scopes.join(' '),
  created_at: Math.floor(t.created_at.getTime() / 1000), ...(t.refresh_token ? { refresh_token: t.refresh_token } : {}),
});

interface AuthorizeRequest { app: AppRow; redirectUri: string; scopes: string[]; state: string; codeChallenge: string | null }

async function readAuthorizeRequest(ctx: AppContext, p: Params): Promise<AuthorizeRequest> {
  if (str(p, 'response_type', 20) !== 'code') throw oauthError('unsupported_response_type', 'Only response_type=code is supported');
  const app = await findAppByClientId(ctx.db, str(p, 'client_id', 200) ?? '');
  if (!app) throw oauthError('invalid_client', 'Unknown client_id', 'unauthorized');
  const redirectUri = str(p, 'redirect_uri', 2000) ?? app.redirect_uris[0]!;
  if (!app.redirect_uris.includes(redirectUri)) throw oauthError('invalid_request', 'redirect_uri is not registered for this app');
  const scopes = parseScopes(p.scope, app.scopes.join(' '));
  if (!scopesWithin(scopes, app.scopes)) throw oauthError('invalid_scope', 'The requested scope is not registered for this app');
  const method = str(p, 'code_challenge_method', 10);
  const codeChallenge = str(p, 'code_challenge', 200) ?? null;
  if (codeChallenge && method !== 'S256') throw oauthError('invalid_request', 'code_challenge_method must be S256');
  return { app, redirectUri, scopes, state: str(p, 'state', 500) ?? '', codeChallenge };
}

function page(reply: FastifyReply, title: string, body: string, status = 200) {
  reply.code(status).type('text/html; charset=utf-8')
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
    .header('x-frame-options', 'DENY').header('referrer-policy', 'no-referrer');
  return reply.send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)} · Firebreak</title>
<style>body{font:16px system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem;color:#0f1419}label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.6rem;font:inherit;box-sizing:border-box}button{margin-top:1rem;padding:.6rem 1.2rem;font:inherit;border-radius:2rem;border:0;background:#0f1419;color:#fff}.err{color:#b00020}code{word-break:break-all;font-size:1.1rem}</style>
</head><body>${body}</body></html>`);
}

/** The sign-in form, or (with `challenge`: the password was right) the two-factor code form. */
function authorizeForm(req: AuthorizeRequest, error?: string, challenge?: string): string {
  const hidden: Record<string, string> = { response_type: 'code', client_id: req.app.client_id, redirect_uri: req.redirectUri, scope: req.scopes.join(' '), state: req.state, code_challenge: req.codeChallenge ?? '', code_challenge_method: req.codeChallenge ? 'S256' : '' };
  if (challenge) hidden.challenge = challenge;
  const fields = challenge
    ? `<label for="code">Code from your authenticator app (or a recovery code)</label><input id="code" name="code" autocomplete="one-time-code" inputmode="numeric" required autofocus>`
    : `<label for="username">E-mail or username</label><input id="username" name="username" autocomplete="username" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>`;
  return `<h1>Authorize ${escapeHtml(req.app.name)}</h1>
<p>${escapeHtml(req.app.name)} asks for: <strong>${req.scopes.map(escapeHtml).join(', ')}</strong></p>
${error ? `<p class="err" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/oauth/authorize">
${Object.entries(hidden).map(([k, v]) => `<input type="hidden" name="${k}" value="${escapeHtml(v)}">`).join('\n')}
${fields}
<button type="submit">${challenge ? 'Verify' : 'Authorize'}</button></form>`;
}

/** What a failed sign-in on the authorization page says: a lockout or a refusal in its own words, anything else the same. */
function signInMessage(err: unknown): { message: string; status: number } {
  const e = err as { statusCode?: number; message?: string };
  if (e.statusCode === 429) return { message: 'Too many failed attempts. Try again in a few minutes.', status: 429 };
  if (e.statusCode === 403) return { message: e.message ?? 'This account may not sign in.', status: 403 };
  return { message: 'Wrong e-mail, username or password.', status: 401 };
}

export default async function oauth(app: FastifyInstance, ctx: AppContext) {
  app.get('/oauth/authorize', async (request, reply) => {
    const req = await readAuthorizeRequest(ctx, request.query as Params);
    return page(reply, 'Authorize', authorizeForm(req));
  });

  app.post('/oauth/authorize', { config: { rateLimitClass: 'login', expensive: true } }, async (request, reply) => {
    const body = bodyOf(request.body);
    const req = await readAuthorizeRequest(ctx, body);
    const challenge = str(body, 'challenge', 200);
    let accountId: string;
    try {
      if (challenge !== undefined) {
        accountId = await signInWithCode(ctx, challenge, str(body, 'code', 40) ?? '', request.ip);
      } else {
        const result = await signIn(ctx, str(body, 'username', 320) ?? '', str(body, 'password', 200) ?? '', request.ip);
        // Two-factor sign-in: the password was right; the code comes next.
        if ('challenge' in result) return page(reply, 'Authorize', authorizeForm(req, undefined, result.challenge));
        accountId = result.accountId;
      }
    } catch (err) {
      const { message, status } = challenge !== undefined && (err as { statusCode?: number }).statusCode === 401
        ? { message: (err as Error).message, status: 401 } : signInMessage(err);
      // A wrong code keeps the challenge (it works until it expires); an expired one starts over.
      const keep = challenge !== undefined && message === 'Wrong code' ? challenge : undefined;
      return page(reply, 'Authorize', authorizeForm(req, message, keep), status);
    }
    const code = await createAuthorizationCode(ctx.db, { appId: req.app.id, accountId, redirectUri: req.redirectUri, scopes: req.scopes, codeChallenge: req.codeChallenge });
    if (req.redirectUri === OOB) return page(reply, 'Authorization code', `<h1>Authorization code</h1><p>Copy this code into ${escapeHtml(req.app.name)}:</p><p><code id="code">${escapeHtml(code)}</code></p>`);
    const target = new URL(req.redirectUri);
    target.searchParams.set('code', code);
    if (req.state) target.searchParams.set('state', req.state);
    return reply.redirect(target.toString(), 302);
  });

  app.post('/oauth/token', { config: { rateLimitClass: 'login', expensive: true } }, async (request) => {
    const body = bodyOf(request.body);
    const grant = str(body, 'grant_type', 50);
    if (grant === 'authorization_code') {
      const code = str(body, 'code', 200) ?? '';
      const verifier = str(body, 'code_verifier', 200);
      const redirectUri = str(body, 'redirect_uri', 2000);
      // Everything is checked before the code is used up: a wrong secret, verifier or redirect URI
      // must not burn the rightful client's code (RFC 6749 4.1.3; 10.5).
      const pending = await findAuthorizationCode(ctx.db, code);
      // Public clients prove themselves with PKCE; confidential clients with their secret.
      const client = await authenticateClient(ctx, request, body, !pending?.code_challenge);
      const invalidCode = () => oauthError('invalid_grant', 'The authorization code is invalid, expired or already used.');
      if (!pending || pending.app_id !== client.id) throw invalidCode();
      if (pending.code_challenge && (!verifier || !pkceMatches(verifier, pending.code_challenge))) throw oauthError('invalid_grant', 'The code_verifier does not match the code_challenge.');
      if (redirectUri !== pending.redirect_uri) throw oauthError('invalid_grant', 'redirect_uri is required and must match the authorization request.');
      const row = await consumeAuthorizationCode(ctx.db, client.id, code);
      if (!row) throw invalidCode();
      return tokenResponse(await issueToken(ctx.db, client.id, row.account_id, row.scopes));
    }
    if (grant === 'client_credentials') {
      const client = await authenticateClient(ctx, request, body, true);
      const scopes = parseScopes(body.scope, 'read');
      if (!scopesWithin(scopes, client.scopes)) throw oauthError('invalid_scope', 'The requested scope is not registered for this app');
      return tokenResponse(await issueToken(ctx.db, client.id, null, scopes));
    }
    if (grant === 'refresh_token') {
      const client = await authenticateClient(ctx, request, body, true);
      const issued = await refreshToken(ctx, client.id, str(body, 'refresh_token', 200) ?? '');
      if (!issued) throw oauthError('invalid_grant', 'The refresh token is invalid, expired or revoked.');
      return tokenResponse(issued);
    }
    if (grant === 'password') {
      const client = await authenticateClient(ctx, request, body, true);
      const scopes = parseScopes(body.scope, 'read');
      if (!scopesWithin(scopes, client.scopes)) throw oauthError('invalid_scope', 'The requested scope is not registered for this app');
      const accountId = await passwordLogin(ctx, str(body, 'username', 320) ?? '', str(body, 'password', 200) ?? '', request.ip);
      return tokenResponse(await issueToken(ctx.db, client.id, accountId, scopes));
    }
    throw oauthError('unsupported_grant_type', 'The authorization grant type is not supported by the authorization server.');
  });

  app.post('/oauth/revoke', async (request) => {
    const body = bodyOf(request.body);
    const client = await authenticateClient(ctx, request, body, true);
    await revokeToken(ctx, client.id, str(body, 'token', 200) ?? '');
    return {};
  });

  app.get('/.well-known/oauth-authorization-server', async () => {
    const base = ctx.config.publicUrl;
    return {
      issuer: `${base}/`, service_documentation: 'https://docs.joinmastodon.org/',
      authorization_endpoint: `${base}/oauth/authorize`, token_endpoint: `${base}/oauth/token`,
      revocation_endpoint: `${base}/oauth/revoke`, app_registration_endpoint: `${base}/api/v1/apps`,
      scopes_supported: [...ALL_SCOPES], response_types_supported: ['code'], response_modes_supported: ['query', 'fragment', 'form_post'],
      code_challenge_methods_supported: ['S256'], grant_types_supported: ['authorization_code', 'password', 'client_credentials', 'refresh_token'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    };
  });
}
