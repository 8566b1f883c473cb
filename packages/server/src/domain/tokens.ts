// Apps, authorization codes and tokens. Secrets are random; only their SHA-256 is stored, so a
// database leak does not hand out working tokens.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AppContext } from '../context.js';
import type { Queryable, Tx } from '../db/index.js';
import { publish } from './events.js';
import type { TokenCache } from './token-cache.js';

export const randomSecret = (bytes = 32) => randomBytes(bytes).toString('base64url');
export const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface AppRow { id: string; name: string; website: string | null; redirect_uris: string[]; scopes: string[]; client_id: string; client_secret_hash: string }

/** A new app, and its client secret: shown this once, kept only as a hash. */
export async function createApp(db: Queryable, input: { name: string; website: string | null; redirectUris: string[]; scopes: string[] }): Promise<{ app: AppRow; clientSecret: string }> {
  const clientSecret = randomSecret(32);
  const [app] = await db.query<AppRow>(
    `insert into apps (name, website, redirect_uris, scopes, client_id, client_secret_hash)
     values ($1, $2, $3, $4, $5, $6) returning *`,
    [input.name, input.website, input.redirectUris, input.scopes, randomSecret(24), sha256(clientSecret)]);
  return { app: app!, clientSecret };
}

export const clientSecretMatches = (app: AppRow, secret: string) => safeEqual(sha256(secret), app.client_secret_hash);

export async function getApp(db: Queryable, id: string): Promise<AppRow | undefined> {
  const [row] = await db.query<AppRow>('select * from apps where id = $1', [id]);
  return row;
}

export async function findAppByClientId(db: Queryable, clientId: string): Promise<AppRow | undefined> {
  const [row] = await db.query<AppRow>('select * from apps where client_id = $1', [clientId]);
  return row;
}

export interface IssuedToken { access_token: string; refresh_token: string; scopes: string[]; created_at: Date }

/**
 * A new access token (and, for an account, a refresh token). `familyId` is the token it was rotated
 * from's family; a new grant starts its own family.
 */
export async function issueToken(db: Queryable, appId: string | null, accountId: string | null, scopes: string[], familyId: string | null = null): Promise<IssuedToken> {
  const access = randomSecret();
  const refresh = accountId ? randomSecret() : null;
  const [row] = await db.query<{ created_at: Date }>(
    `insert into tokens (id, app_id, account_id, access_hash, refresh_hash, scopes, family_id)
     select n.id, $1, $2, $3, $4, $5, coalesce($6, n.id) from (select next_id() as id) n returning created_at`,
    [appId, accountId, sha256(access), refresh ? sha256(refresh) : null, scopes, familyId]);
  return { access_token: access, refresh_token: refresh ?? '', scopes, created_at: row!.created_at };
}

export interface TokenRow { id: string; app_id: string | null; account_id: string | null; scopes: string[] }

/** A working token, with what its account's role and state allow (null fields for an app-only token). */
export interface LiveToken extends TokenRow { role_id: number | null; approved: boolean | null; functional: boolean | null }

export function findToken(db: Queryable, accessToken: string): Promise<LiveToken | undefined> {
  return tokenByHash(db, sha256(accessToken));
}

/** findToken for a read: from the cache when it holds the token, else from the database (then kept). */
export async function findTokenForRead(db: Queryable, cache: TokenCache, accessToken: string): Promise<LiveToken | undefined> {
  const hash = sha256(accessToken);
  const cached = cache.get(hash);
  if (cached) return cached;
  const mark = cache.mark();
  const row = await tokenByHash(db, hash);
  if (row) cache.put(hash, row, mark);
  return row;
}

async function tokenByHash(db: Queryable, hash: string): Promise<LiveToken | undefined> {
  const [row] = await db.query<LiveToken>(
    `select t.id, t.app_id, t.account_id, t.scopes, a.role_id, a.approved,
       a.id is null or (not a.disabled and a.suspended_at is null) as functional
     from tokens t left join accounts a on a.id = t.account_id
     where t.access_hash = $1 and t.revoked_at is null`, [hash]);
  return row;
}

/** The ids among `ids` of tokens that still work: open streams re-check theirs now and then. */
export async function liveTokenIds(db: Queryable, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.query<{ id: string }>('select id from tokens where id = any($1::bigint[]) and revoked_at is null', [ids]);
  return new Set(rows.map((r) => r.id));
}

/** Revokes the tokens `where` selects (a condition on `t`, parameters from $1) and says so when `tx` commits. */
async function revokeWhere(ctx: AppContext, tx: Tx, where: string, params: unknown[], extraSet = ''): Promise<string[]> {
  const rows = await tx.query<{ id: string }>(
    `update tokens t set revoked_at = now()${extraSet} where ${where} and t.revoked_at is null returning t.id`, params);
  const ids = rows.map((r) => r.id);
  // A revoked token's push subscription goes with it (it also holds the token itself: push.ts).
  if (ids.length) await tx.query('delete from push_subscriptions where token_id = any($1::bigint[])', [ids]);
  // Small events: NOTIFY payloads are limited to 8000 bytes. The other servers' copies go with the
  // commit (their token caches must hear of every revocation: event-relay.ts).
  for (let i = 0; i < ids.length; i += 100) {
    const data = { tokenIds: ids.slice(i, i + 100) };
    publish(ctx.events, tx, 'tokens.revoked', data);
    await ctx.relay.shareWithCommit(tx, { event: 'tokens.revoked', data });
  }
  return ids;
}

/** Signs an account out everywhere (a suspension, a disabled login): every token, every open stream. */
export function revokeAccountTokens(ctx: AppContext, tx: Tx, accountId: string): Promise<string[]> {
  return revokeWhere(ctx, tx, 't.account_id = $1', [accountId]);
}

/** RFC 7009: an app revokes one of its tokens, by its access or its refresh token. */
export async function revokeToken(ctx: AppContext, appId: string, token: string): Promise<void> {
  const hash = sha256(token);
  await ctx.db.transaction((tx) => revokeWhere(ctx, tx, 't.app_id = $1 and (t.access_hash = $2 or t.refresh_hash = $2)', [appId, hash]));
}

/** Ends a web session: revokes its token, given the session token itself (the cookie's value). */
export async function revokeSessionToken(ctx: AppContext, tokenId: string, sessionToken: string): Promise<void> {
  await ctx.db.transaction((tx) => revokeWhere(ctx, tx, 't.id = $1 and t.access_hash = $2', [tokenId, sha256(sessionToken)]));
}

/** "Sign out everywhere else": every token of the account but the one asking, with their streams. */
export async function signOutElsewhere(ctx: AppContext, accountId: string, keepTokenId: string): Promise<number> {
  return (await ctx.db.transaction((tx) => revokeOtherTokens(ctx, tx, accountId, keepTokenId))).length;
}

/** Signs the account out everywhere but `keepTokenId` (every app, every session, every stream). */
export function revokeOtherTokens(ctx: AppContext, tx: Tx, accountId: string, keepTokenId: string): Promise<string[]> {
  return revokeWhere(ctx, tx, 't.account_id = $1 and t.id <> $2', [accountId, keepTokenId]);
}

/** A rotated refresh token presented again this soon is a retry (its answer was lost), not a theft. */
const REFRESH_RETRY_SECONDS = 30;

/**
 * Refresh rotates: the old token pair stops working and a new one with the same grant is issued. A
 * refresh token that was rotated away longer ago than a retry would take is a stolen copy or a replay
 * (RFC 6819 5.2.2.3): the whole family, the current token included, is revoked, and the caller must
 * authorize again. Within the retry window a repeat gets a new pair of the same family, so a refresh
 * whose answer was lost in a failover does not sign its user out.
 */
export async function refreshToken(ctx: AppContext, appId: string, refresh: string): Promise<IssuedToken | undefined> {
  return ctx.db.transaction(async (tx) => {
    const [old] = await tx.query<TokenRow & { family_id: string; revoked: boolean; rotated: 'recently' | 'long ago' | null; family_live: boolean }>(
      `select id, app_id, account_id, scopes, family_id, revoked_at is not null as revoked,
         case when refreshed_at is null then null when refreshed_at > now() - make_interval(secs => $3) then 'recently' else 'long ago' end as rotated,
         exists (select 1 from tokens f where f.family_id = tokens.family_id and f.revoked_at is null) as family_live
       from tokens where app_id = $1 and refresh_hash = $2 for update`, [appId, sha256(refresh), REFRESH_RETRY_SECONDS]);
    if (!old) return undefined;
    if (old.revoked) {
      // A retry, unless the family was revoked since (a password change, a sign-out, a detected theft).
      if (old.rotated === 'recently' && old.family_live) return issueToken(tx, appId, old.account_id, old.scopes, old.family_id);
      if (old.rotated === 'long ago') await revokeWhere(ctx, tx, 't.family_id = $1', [old.family_id]);
      return undefined;
    }
    await revokeWhere(ctx, tx, 't.id = $1', [old.id], ', refreshed_at = now()');
    return issueToken(tx, appId, old.account_id, old.scopes, old.family_id);
  });
}
export async function createAuthorizationCode(db: Queryable, input: { appId: string; accountId: string; redirectUri: string; scopes: string[]; codeChallenge: string | null }): Promise<string> {
  const code = randomSecret();
  await db.query(
    `insert into oauth_codes (code_hash, app_id, account_id, redirect_uri, scopes, code_challenge, expires_at)
     values ($1, $2, $3, $4, $5, $6, now() + interval '10 minutes')`,
    [sha256(code), input.appId, input.accountId, input.redirectUri, input.scopes, input.codeChallenge]);
  return code;
}

export interface CodeRow { app_id: string; account_id: string; redirect_uri: string; scopes: string[]; code_challenge: string | null }

/** An unused, unexpired code, left unused (consumeAuthorizationCode uses it up). */
export async function findAuthorizationCode(db: Queryable, code: string): Promise<CodeRow | undefined> {
  const [row] = await db.query<CodeRow>(
    'select app_id, account_id, redirect_uri, scopes, code_challenge from oauth_codes where code_hash = $1 and not used and expires_at > now()', [sha256(code)]);
  return row;
}

/** A code works once, within ten minutes. */
export async function consumeAuthorizationCode(db: Queryable, appId: string, code: string): Promise<CodeRow | undefined> {
  const [row] = await db.query<CodeRow>(
    `update oauth_codes set used = true where code_hash = $1 and app_id = $2 and not used and expires_at > now()
     returning app_id, account_id, redirect_uri, scopes, code_challenge`, [sha256(code), appId]);
  return row;
}

export function pkceMatches(verifier: string, challenge: string): boolean {
  return safeEqual(createHash('sha256').update(verifier).digest('base64url'), challenge);
}
