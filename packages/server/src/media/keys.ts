// Storage keys: made by the server, never taken from a request.
import { createHash } from 'node:crypto';

const KEY = /^(uploads\/\d{1,19}|files\/[0-9a-f]{64}\.[a-z0-9]{2,5})$/;

/** Keys are made by the server, never taken from a request; this refuses anything else (paths above the root). */
export function assertKey(key: string): void {
  if (!KEY.test(key)) throw new Error(`not a media key: ${key}`);
}

const TYPES_BY_EXT: Record<string, string> = {
  jpg: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif', mp4: 'video/mp4', mp3: 'audio/mpeg',
};

/** The content type of a served file, from the extension processing gave it. */
export const typeOfKey = (key: string) => TYPES_BY_EXT[key.slice(key.lastIndexOf('.') + 1)] ?? 'application/octet-stream';

/** Where an upload waits for processing (never served). */
export const uploadKey = (mediaId: string) => `uploads/${mediaId}`;

/** A processed file's content-addressed key. */
export const fileKey = (bytes: Buffer, ext: string) => `files/${createHash('sha256').update(bytes).digest('hex')}.${ext}`;
