// Cheap request classification, done in onRequest before any database work: who is asking (a
// token we have already seen succeed, or anyone else) and how costly the route is.
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Priority } from './concurrency-limit.js';
import { CSRF_HEADER, SESSION_COOKIE, readCookie } from '../api/auth.js';

/** Never shed, limited or challenged: the edge's health checks and scraping must work under attack. */
export const EXEMPT_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/** What a signed-in user is waiting for most: their timeline, their notifications, posting. */
const CRITICAL_ROUTES = new Set([
  'GET /api/v1/timelines/home', 'POST /api/v1/statuses', 'GET /api/v1/notifications', 'GET /api/v1/accounts/verify_credentials',
]);

/** Routes whose cost grows with the data (full-text search, scans of other people's posts). */
const EXPENSIVE_ROUTES = new Set([
  'GET /api/v2/search', 'GET /api/v1/accounts/search', 'GET /api/v1/timelines/public', 'GET /api/v1/timelines/tag/:hashtag',
  'GET /api/v1/accounts/:id/statuses', 'GET /api/v1/statuses/:id/context', 'GET /api/v1/accounts/:id/followers',
  'GET /api/v1/accounts/:id/following', 'GET /api/v1/statuses/:id/favourited_by', 'GET /api/v1/statuses/:id/reblogged_by',
  'POST /oauth/token', 'POST /oauth/authorize', 'POST /api/v1/accounts',
]);

export const routeKey = (request: FastifyRequest) => `${request.method} ${request.routeOptions.url ?? 'unmatched'}`;

/**
 * The token a request carries, as auth.ts reads it: bearer (header or access_token query), else the
 * web UI's session cookie when the request carries a CSRF header. Unverified here: it only counts once
 * the same token has authenticated successfully (KnownTokens), and auth.ts checks the CSRF token.
 */
export function presentedToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header) return /^Bearer\s+(\S{1,200})$/i.exec(header)?.[1];
  const q = (request.query as Record<string, unknown> | undefined)?.access_token;
  if (typeof q === 'string' && q) return q;
  // Signed-in web UI users are signed-in users: without this they were shed and limited as anonymous.
  if (request.headers[CSRF_HEADER]) return readCookie(request, SESSION_COOKIE)?.slice(0, 200) || undefined;
  return undefined;
}

export function isExpensive(request: FastifyRequest): boolean {
  if (EXPENSIVE_ROUTES.has(routeKey(request))) return true;
  // Paging far back is a scan whatever the route; the first page is what people read.
  const q = request.query as Record<string, unknown> | undefined;
  return request.method === 'GET' && q?.max_id !== undefined;
}

/**
 * Tokens that authenticated successfully recently, so the onRequest hooks can trust a token without a
 * database lookup. A forged or random bearer header is not in here and buys nothing: such requests are
 * classified, limited and shed as anonymous. Bounded; entries expire so revocation is seen eventually
 * (authorization itself is always checked against the database by auth.ts).
 */
export class KnownTokens {
  private readonly entries = new Map<string, { accountId: string | null; expiresAt: number }>();

  constructor(private readonly maxEntries = 100_000, private readonly ttlMs = 10 * 60_000, private readonly now: () => number = Date.now) {}

  private static digest(token: string): string {
    return createHash('sha256').update(token).digest('base64url');
  }

  remember(token: string, accountId: string | null): void {
    const key = KnownTokens.digest(token);
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!); // oldest first
    this.entries.set(key, { accountId, expiresAt: this.now() + this.ttlMs });
  }

  forget(token: string): void {
    this.entries.delete(KnownTokens.digest(token));
  }

  /** The account behind a known token (null for app-only tokens), or undefined if not known. */
  lookup(token: string): { accountId: string | null } | undefined {
    const key = KnownTokens.digest(token);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }
}

export interface RequestClass {
  priority: Priority;
  /** Rate-limit principal: `account:<id>` for a known signed-in token, else `address:<ip>`. */
  principal: string;
  signedIn: boolean;
  expensive: boolean;
}

export function classify(request: FastifyRequest, known: KnownTokens): RequestClass {
  const token = presentedToken(request);
  const accountId = token ? known.lookup(token)?.accountId : undefined;
  const expensive = isExpensive(request);
  if (accountId) {
    const priority: Priority = CRITICAL_ROUTES.has(routeKey(request)) ? 'critical' : 'authenticated';
    return { priority, principal: `account:${accountId}`, signedIn: true, expensive };
  }
  return { priority: expensive ? 'anonymous_expensive' : 'anonymous', principal: `address:${request.ip}`, signedIn: false, expensive };
}
