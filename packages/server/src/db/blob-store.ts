// Media bytes kept in the database (FIREBREAK_MEDIA_STORE=postgres). In the three-DC cluster this
// is what makes an upload as durable as a post: the commit that stores it waits for the synchronous
// standby in another DC (strict synchronous replication), so an acknowledged file survives a fire.
import type { Db } from './db.js';

export interface Blob { bytes: Buffer; contentType: string }

export function blobStore(db: Db) {
  return {
    async put(key: string, bytes: Buffer, contentType: string): Promise<void> {
      // A transaction: writes go to the primary and are retried through a failover (same key, same bytes).
      await db.transaction((tx) => tx.query(
        'insert into media_blobs (key, content_type, bytes) values ($1, $2, $3) on conflict (key) do nothing', [key, contentType, bytes]));
    },
    async get(key: string): Promise<Blob | undefined> {
      const [row] = await db.query<{ bytes: Uint8Array; content_type: string }>('select bytes, content_type from media_blobs where key = $1', [key]);
      return row && { bytes: Buffer.from(row.bytes.buffer, row.bytes.byteOffset, row.bytes.byteLength), contentType: row.content_type };
    },
    async delete(key: string): Promise<void> {
      await db.transaction((tx) => tx.query('delete from media_blobs where key = $1', [key]));
    },
  };
}
