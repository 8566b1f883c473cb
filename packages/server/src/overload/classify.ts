// Cheap request classification, done in onRequest before any database work: who is asking (a
// token we have already seen succeed, or anyone else) and how costly the route is.
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Priority } from './concurrency-limit.js';
import { presentedToken } from '../api/auth.js';

/**
 * What a route declares about itself in its config, beside its auth rule:
 *   exempt: never shed, limited or challenged (health checks and scraping must work under attack);
 *   priority 'critical': what a signed-in user waits for most (their timeline, notifications, posting);
 *   expensive: its cost grows with the data (full-text search, scans of other people's posts).
 */
declare module 'fastify' {
  interface FastifyContextConfig { exempt?: boolean; priority?: 'critical'; expensive?: boolean }
}

export const routeKey = (request: FastifyRequest) => `${request.method} ${request.routeOptions.url ?? 'unmatched'}`;

export const isExempt = (request: FastifyRequest) => request.routeOptions.config.exempt === true;

/**
 * The token a request presents (api/auth.ts reads it), unverified: it only counts once the same token
 * has authenticated successfully (KnownTokens). Signed-in web UI users present their session cookie.
 */
export function tokenOf(request: FastifyRequest): string | undefined {
  return presentedToken(request)?.token || undefined;
}

export function isExpensive(request: FastifyRequest): boolean {
  if (request.routeOptions.config.expensive) return true;
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
  const token = tokenOf(request);
  const accountId = token ? known.lookup(token)?.accountId : undefined;
  const expensive = isExpensive(request);
  if (accountId) {
    const priority: Priority = request.routeOptions.config.priority === 'critical' ? 'critical' : 'authenticated';
    return { priority, principal: `account:${accountId}`, signedIn: true, expensive };
  }
  return { priority: expensive ? 'anonymous_expensive' : 'anonymous', principal: `address:${request.ip}`, signedIn: false, expensive };
}
