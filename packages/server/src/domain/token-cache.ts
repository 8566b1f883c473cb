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
import type { LiveToken } from './tokens.js';

export const TOKEN_CACHE_TTL_MS = 10_000;
export const TOKEN_CACHE_MAX_ENTRIES = 50_000;

interface Entry { token: LiveToken; expiresAt: number }

export class TokenCache {
  private readonly byHash = new Map<string, Entry>();
  private readonly hashById = new Map<string, string>();
  /** Counts evictions: a look-up that started before one may have read a token since revoked. */
  private evictions = 0;
  hits = 0;
  misses = 0;

  constructor(private readonly ttlMs = TOKEN_CACHE_TTL_MS, private readonly maxEntries = TOKEN_CACHE_MAX_ENTRIES, private readonly now: () => number = Date.now) {}

  get size(): number { return this.byHash.size; }

  get(hash: string): LiveToken | undefined {
    const entry = this.byHash.get(hash);
    if (entry && entry.expiresAt > this.now()) { this.hits++; return entry.token; }
    if (entry) this.remove(hash, entry.token.id);
    this.misses++;
    return undefined;
  }

  /** A mark to pass to put(): taken before the database look-up whose answer put() keeps. */
  mark(): number { return this.evictions; }

  /**
   * Keeps a token the database just answered with, unless something was evicted since `mark` (the
   * answer may predate a revocation that has already been applied here) or the token does not work.
   */
  put(hash: string, token: LiveToken, mark: number): void {
    if (mark !== this.evictions || token.approved === false || token.functional === false) return;
    this.byHash.delete(hash);
    if (this.byHash.size >= this.maxEntries) {
      const [oldestHash, oldest] = this.byHash.entries().next().value!;
      this.remove(oldestHash, oldest.token.id);
    }
    this.byHash.set(hash, { token, expiresAt: this.now() + this.ttlMs });
    this.hashById.set(token.id, hash);
  }

  /** Forgets revoked tokens, by id. */
  evict(tokenIds: Iterable<string>): void {
    this.evictions++;
    for (const id of tokenIds) {
      const hash = this.hashById.get(id);
      if (hash !== undefined) this.remove(hash, id);
    }
  }

  /** Forgets everything: revocations may have been missed. */
  clear(): void {
    this.evictions++;
    this.byHash.clear();
    this.hashById.clear();
  }

  private remove(hash: string, id: string): void {
    this.byHash.delete(hash);
    if (this.hashById.get(id) === hash) this.hashById.delete(id);
  }
}
