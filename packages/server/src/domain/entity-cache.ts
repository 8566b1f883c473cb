// What entities are made of that no viewer changes and that rarely changes (a status's text, its
// mentions and hashtags; an account's profile), kept in this process's memory so that a page of
// statuses does not load it again (domain/hydration.ts). Each entry is stored under the version its
// row had when it was loaded, and is used only when the database reports that same version for the
// page being read: the database stays the only source of truth, a change made through any app server
// is seen at once (its version differs), and nothing has to invalidate entries. A forgotten version
// bump would show a stale entity, so the versions are defined next to the statements that read them.
//
// A value is shared by every request that reads it: callers copy what they change, never modify it.
// Bounded in bytes, approximately: twice the JSON length of each value (the value, and the JSON text
// the API keeps beside it: api/statuses-json.ts), plus a fixed overhead per entry. What goes first is
// the oldest entry not read since the eviction last passed it (a second chance: a Map iterates in
// insertion order; a hit only marks its entry, and the eviction moves a marked one to the back). A hit
// that moved its entry itself cost a Map delete and insert on every read of every status.

export const ENTITY_KINDS = ['status', 'account'] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];

interface Entry { version: string; value: unknown; bytes: number; read: boolean }

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
    entry.read = true;
    return entry.value as T;
  }

  /** Stores a value loaded at `version`, replacing any other version of it; never more than maxBytes in all. */
  set(kind: EntityKind, id: string, version: string, value: unknown): void {
    const key = `${kind}:${id}`;
    this.remove(key);
    const bytes = 2 * JSON.stringify(value).length + key.length + version.length + ENTRY_OVERHEAD_BYTES;
    if (bytes > this.maxBytes) return;
    this.entries.set(key, { version, value, bytes, read: false });
    this.used += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.used <= this.maxBytes) break;
      if (entry.read) {
        entry.read = false;
        this.entries.delete(oldest);
        this.entries.set(oldest, entry);
      } else {
        this.remove(oldest);
      }
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
