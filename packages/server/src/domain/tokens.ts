// Apps, authorization codes and tokens. Secrets are random; only their SHA-256 is stored, so a
// database leak does not hand out working tokens.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Queryable } from '../db/index.js';

export const randomSecret = (bytes = 32) => randomBytes(bytes).toString('base64url');
export const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface AppRow { id: string; name: string; website: string | null; redirect_uris: string[]; scopes: string[]; client_id: string; client_secret: string }

export async function createApp(db: Queryable, input: { name: string; website: string | null; redirectUris: string[]; scopes: string[] }): Promise<AppRow> {
  const [row] = await db.query<AppRow>(
    `insert into apps (name, website, redirect_uris, scopes, client_id, client_secret)
     values ($1, $2, $3, $4, $5, $6) returning *`,
    [input.name, input.website, input.redirectUris, input.scopes, randomSecret(24), randomSecret(32)]);
  return row!;
}

export async function getApp(db: Queryable, id: string): Promise<AppRow | undefined> {
  const [row] = await db.query<AppRow>('select * from apps where id = $1', [id]);
  return row;
}

export async function findAppByClientId(db: Queryable, clientId: string): Promise<AppRow | undefined> {
  const [row] = await db.query<AppRow>('select * from apps where client_id = $1', [clientId]);
  return row;
}

export interface IssuedToken { access_token: string; refresh_token: string; scopes: string[]; created_at: Date }

export async function issueToken(db: Queryable, appId: string | null, accountId: string | null, scopes: string[]): Promise<IssuedToken> {
  const access = randomSecret();
  const refresh = accountId ? randomSecret() : null;
  const [row] = await db.query<{ created_at: Date }>(
    `insert into tokens (app_id, account_id, access_hash, refresh_hash, scopes) values ($1, $2, $3, $4, $5) returning created_at`,
    [appId, accountId, sha256(access), refresh ? sha256(refresh) : null, scopes]);
  return { access_token: access, refresh_token: refresh ?? '', scopes, created_at: row!.created_at };
}

export interface TokenRow { id: string; app_id: string | null; account_id: string | null; scopes: string[] }

export async function findToken(db: Queryable, accessToken: string): Promise<TokenRow | undefined> {
  const [row] = await db.query<TokenRow>(
    'select id, app_id, account_id, scopes from tokens where access_hash = $1 and revoked_at is null', [sha256(accessToken)]);
  return row;
}

/** Ends a web session: revokes its token, given the session token itself (the cookie's value). */
export async function revokeSessionToken(db: Queryable, tokenId: string, sessionToken: string): Promise<void> {
  await db.query('update tokens set revoked_at = now() where id = $1 and access_hash = $2', [tokenId, sha256(sessionToken)]);
}

export async function revokeToken(db: Queryable, appId: string, token: string): Promise<void> {
  const hash = sha256(token);
  await db.query('update tokens set revoked_at = now() where app_id = $1 and (access_hash = $2 or refresh_hash = $2) and revoked_at is null', [appId, hash]);
}

/** Refresh rotates: the old token pair stops working and a new one with the same grant is issued. */
export async function refreshToken(db: Queryable, appId: string, refresh: string): Promise<IssuedToken | undefined> {
  const [old] = await db.query<TokenRow>(
    `update tokens set revoked_at = now() where app_id = $1 and refresh_hash = $2 and revoked_at is null
     returning id, app_id, account_id, scopes`, [appId, sha256(refresh)]);
  if (!old) return undefined;
  return issueToken(db, appId, old.account_id, old.scopes);
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
