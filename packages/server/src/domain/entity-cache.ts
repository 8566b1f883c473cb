// What entities are made of that no viewer changes and that rarely changes (a status's text, its
// mentions and hashtags; an account's profile), kept in this process's memory so that a page of
// statuses does not load it again (domain/hydration.ts). Each entry is stored under the version its
// row had when it was loaded, and is used only when the database reports that same version for the
// page being read: the database stays the only source of truth, a change made through any app server
// is seen at once (its version differs), and nothing has to invalidate entries. A forgotten version
// bump would show a stale entity, so the versions are defined next to the statements that read them.
//
// A value is shared by every request that reads it: callers copy what they change, never modify it.
// Bounded in bytes (approximately: the JSON length of each value, plus a fixed overhead per entry);
// the least recently used entries go first (a Map iterates in insertion order, and a hit re-inserts).

export const ENTITY_KINDS = ['status', 'account'] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];

interface Entry { version: string; value: unknown; bytes: number }

/** Keys, versions and the Map's bookkeeping per entry, on top of the value itself. */
const ENTRY_OVERHEAD_BYTES = 200;

export class EntityCache {
  private readonly entries = new Map<string, Entry>();
  private used = 0;
  /** Look-ups answered and not, since start (exported as metrics by context.ts). */
  readonly hits: Record<EntityKind, number> = { status: 0, account: 0 };
  readonly misses: Record<EntityKind, number> = { status: 0, account: 0 };

  constructor(readonly maxBytes: number) {}

  /** The value stored for this id at exactly this version, or undefined. */
  get<T>(kind: EntityKind, id: string, version: string): T | undefined {
    const key = `${kind}:${id}`;
    const entry = this.entries.get(key);
    const hit = entry !== undefined && entry.version === version;
    if (!hit) {
      this.misses[kind]++;
      return undefined;
    }
    this.hits[kind]++;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value as T;
  }

  /** Stores a value loaded at `version`, replacing any other version of it; never more than maxBytes in all. */
  set(kind: EntityKind, id: string, version: string, value: unknown): void {
    const key = `${kind}:${id}`;
    this.remove(key);
    const bytes = JSON.stringify(value).length + key.length + version.length + ENTRY_OVERHEAD_BYTES;
    if (bytes > this.maxBytes) return;
    this.entries.set(key, { version, value, bytes });
    this.used += bytes;
    for (const [oldest] of this.entries) {
      if (this.used <= this.maxBytes) break;
      this.remove(oldest);
    }
  }

  /** Approximate bytes held. */
  get bytes(): number { return this.used; }

  get size(): number { return this.entries.size; }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.used -= entry.bytes;
  }
}
