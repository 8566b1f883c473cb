// A bounded map whose entries expire, for what this server remembers of the database to save a
// round trip: never the only copy of anything. Entries are dropped by key when an event says they
// changed (evict), all at once when events may have been missed (clear), and otherwise when they
// expire or are the oldest of too many.
//
// The race every such cache has: a read from the database starts, the row changes and its event
// evicts the (absent) entry, then the read's stale answer is stored. mark() before the read and
// put(..., mark) after it refuse an answer that any eviction may have overtaken.
export class ExpiringCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();
  private evictions = 0;
  hits = 0;
  misses = 0;

  constructor(private readonly ttlMs: number, private readonly maxEntries: number, private readonly now: () => number = Date.now) {}

  get size(): number { return this.entries.size; }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt > this.now()) { this.hits++; return entry.value; }
    if (entry) this.entries.delete(key);
    this.misses++;
    return undefined;
  }

  /** Taken before the database read whose answer put() may keep. */
  mark(): number { return this.evictions; }

  /** Keeps `value` unless something was evicted since `mark`; returns whether it did. */
  put(key: string, value: V, mark: number): boolean {
    if (mark !== this.evictions) return false;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, expiresAt: this.now() + this.ttlMs });
    return true;
  }

  /** Drops the entries whose value `matches` (a scan: for what changes rarely, such as revocations). */
  evictWhere(matches: (value: V) => boolean): void {
    this.evictions++;
    for (const [key, entry] of this.entries) if (matches(entry.value)) this.entries.delete(key);
  }

  evict(keys: Iterable<string>): void {
    this.evictions++;
    for (const key of keys) this.entries.delete(key);
  }

  clear(): void {
    this.evictions++;
    this.entries.clear();
  }
}
