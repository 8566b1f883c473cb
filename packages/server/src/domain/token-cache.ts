// Working tokens remembered for reads, so that a timeline read does not spend a database round trip
// on its token. Only reads use it (auth.ts): writes and anything that needs a permission look the
// token up in the database every time.
//
// A revocation reaches this cache as an event: tokens.ts publishes `tokens.revoked` here after
// commit, and the revoking transaction itself notifies the other servers, so the event exists if
// and only if the revocation committed (event-relay.ts). What can still miss it is a server whose
// LISTEN was reconnecting (a failover): the cache is emptied whenever that happens. An entry also
// lives at most TTL_MS, whatever happens. So a revoked token may answer a read on another server for
// the few milliseconds its NOTIFY takes to arrive, never longer. Only tokens that work are kept (a
// pending or disabled account's are looked up again every time), keyed by the token's SHA-256.
import { ExpiringCache } from './expiring-cache.js';
import type { LiveToken } from './tokens.js';

export const TOKEN_CACHE_TTL_MS = 10_000;
export const TOKEN_CACHE_MAX_ENTRIES = 50_000;

export class TokenCache {
  private readonly byHash: ExpiringCache<LiveToken>;

  constructor(ttlMs = TOKEN_CACHE_TTL_MS, maxEntries = TOKEN_CACHE_MAX_ENTRIES, now: () => number = Date.now) {
    this.byHash = new ExpiringCache(ttlMs, maxEntries, now);
  }

  get size(): number { return this.byHash.size; }
  get hits(): number { return this.byHash.hits; }
  get misses(): number { return this.byHash.misses; }

  get(hash: string): LiveToken | undefined { return this.byHash.get(hash); }

  mark(): number { return this.byHash.mark(); }

  /** Keeps a token the database just answered with, if it works and no eviction overtook the look-up. */
  put(hash: string, token: LiveToken, mark: number): void {
    if (token.approved === false || token.functional === false) return;
    this.byHash.put(hash, token, mark);
  }

  /** Forgets revoked tokens. Revocations name tokens by id, the cache holds them by hash: they are rare enough to find by a scan. */
  evict(tokenIds: Iterable<string>): void {
    const ids = new Set(tokenIds);
    this.byHash.evictWhere((token) => ids.has(token.id));
  }

  /** Forgets everything: revocations may have been missed. */
  clear(): void { this.byHash.clear(); }
}
