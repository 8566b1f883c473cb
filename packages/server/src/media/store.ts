// Where media files live: one interface, three backends (FIREBREAK_MEDIA_STORE).
//   fs        files under FIREBREAK_MEDIA_DIR (the data directory's media/ by default): the embedded default;
//   s3        an S3-compatible bucket (@aws-sdk/client-s3): production;
//   postgres  the database itself (db/blob-store.ts): the three-DC cluster, where it is replicated
//             synchronously to a second DC before an upload is acknowledged.
// Keys are `uploads/<media id>` (what a client sent, never served: it may carry GPS data) and
// `files/<sha256>.<ext>` (what processing made; content-addressed, so a name never changes meaning).
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { MediaConfig } from '../config.js';
import type { Db } from '../db/index.js';
import { blobStore, type Blob } from '../db/blob-store.js';
import { assertKey, typeOfKey } from './keys.js';

export interface Store {
  readonly kind: MediaConfig['store'];
  /** Resolves once the bytes are durable (fsynced; acknowledged by the bucket; committed). */
  put(key: string, bytes: Buffer, contentType: string): Promise<void>;
  get(key: string): Promise<Blob | undefined>;
  delete(key: string): Promise<void>;
}

/** A store and a memory of what it recently served. */
export interface MediaStore extends Store {
  /** From memory when this server served it in the last CACHE_TTL_MS; a popular picture costs no storage round trip. */
  getCached(key: string): Promise<Blob | undefined>;
}

const CACHE_BYTES = 64 * 1024 * 1024;
const CACHE_ENTRY_MAX_BYTES = 8 * 1024 * 1024;
/**
 * Files are content-addressed, so a cached one is never stale, only possibly deleted: this server
 * forgets a file it deletes at once, other servers within this long.
 */
const CACHE_TTL_MS = 60_000;

class CachedStore implements MediaStore {
  private readonly entries = new Map<string, { blob: Blob; at: number }>();
  private bytes = 0;
  /** Deletes so far: a read that a delete overtook must not put the deleted file back in memory. */
  private deletes = 0;
  constructor(private readonly store: Store) {}

  get kind() { return this.store.kind; }
  put(key: string, bytes: Buffer, contentType: string) { return this.store.put(key, bytes, contentType); }
  get(key: string) { return this.store.get(key); }

  async delete(key: string): Promise<void> {
    // Counted as it starts and as it ends: a read that overlaps any part of it is not kept.
    this.deletes++;
    this.forget(key);
    try {
      await this.store.delete(key);
    } finally {
      this.deletes++;
      this.forget(key);
    }
  }

  async getCached(key: string): Promise<Blob | undefined> {
    const hit = this.entries.get(key);
    if (hit && performance.now() - hit.at < CACHE_TTL_MS) {
      this.entries.delete(key);
      this.entries.set(key, hit); // most recently used last
      return hit.blob;
    }
    this.forget(key);
    const deletesBefore = this.deletes;
    const blob = await this.store.get(key);
    if (blob && blob.bytes.length <= CACHE_ENTRY_MAX_BYTES && this.deletes === deletesBefore) {
      this.entries.set(key, { blob, at: performance.now() });
      this.bytes += blob.bytes.length;
      for (const [k] of this.entries) {
        if (this.bytes <= CACHE_BYTES) break;
        this.forget(k);
      }
    }
    return blob;
  }

  private forget(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.blob.bytes.length;
  }
}

export type { Blob };

class FsStore implements Store {
  readonly kind = 'fs' as const;
  constructor(private readonly root: string) {}

  async put(key: string, bytes: Buffer, contentType: string): Promise<void> {
    assertKey(key);
    const path = join(this.root, key);
    await mkdir(dirname(path), { recursive: true });
    // Written aside, fsynced, renamed, and the directory fsynced: a crash leaves the old state or the new.
    const tmp = `${path}.${randomUUID()}.tmp`;
    const file = await open(tmp, 'w');
    try { await file.writeFile(bytes); await file.sync(); } finally { await file.close(); }
    await rename(tmp, path);
    const dir = await open(dirname(path), 'r');
    try { await dir.sync(); } finally { await dir.close(); }
    void contentType; // the extension carries it (typeOfKey)
  }

  async get(key: string): Promise<Blob | undefined> {
    assertKey(key);
    try {
      return { bytes: await readFile(join(this.root, key)), contentType: typeOfKey(key) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    assertKey(key);
    await rm(join(this.root, key), { force: true });
  }
}

class DbStore implements Store {
  readonly kind = 'postgres' as const;
  private readonly blobs: ReturnType<typeof blobStore>;
  constructor(db: Db) { this.blobs = blobStore(db); }
  async put(key: string, bytes: Buffer, contentType: string) { assertKey(key); await this.blobs.put(key, bytes, contentType); }
  async get(key: string) { assertKey(key); return this.blobs.get(key); }
  async delete(key: string) { assertKey(key); await this.blobs.delete(key); }
}

async function openStore(config: MediaConfig, db: Db): Promise<Store> {
  switch (config.store) {
    case 'fs': return new FsStore(config.dir);
    // The AWS SDK is loaded only where it is used: an idle app server held 12 to 22 MB more resident memory with it (BENCHMARKS.md).
    case 's3': return new (await import('./s3-store.js')).S3Store(config.s3);
    case 'postgres': return new DbStore(db);
  }
}

export async function openMediaStore(config: MediaConfig, db: Db): Promise<MediaStore> {
  return new CachedStore(await openStore(config, db));
}
