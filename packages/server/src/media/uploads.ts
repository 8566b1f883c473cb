// Taking an upload in: what the request path checks before anything is stored (cheap checks only:
// the bytes' own type, the size for that type, a container cut short, the pixel count from the
// header), and storing it durably. Decoding happens later, in the processing process.
import type { Metadata } from 'sharp';
import type { AppContext } from '../context.js';
import { payloadTooLarge, unprocessable } from '../errors.js';
import { IMAGE_MATRIX_LIMIT } from './limits.js';
import { fileKey } from './keys.js';
import { looksTruncated, sniff, type Sniffed } from './sniff.js';
import { BadMedia } from './processed.js';

export interface CheckedUpload { bytes: Buffer; sniffed: Sniffed; animated: boolean }

const megabytes = (n: number) => `${Math.round(n / 1024 / 1024)} MB`;

/** The upload as the server will take it, or a 413/422 that says why not. `imageOnly`: avatars, headers, thumbnails. */
export async function checkUpload(ctx: AppContext, file: unknown, options: { imageOnly?: boolean; field?: string } = {}): Promise<CheckedUpload> {
  const field = options.field ?? 'File';
  if (!Buffer.isBuffer(file) || file.length === 0) throw unprocessable(`Validation failed: ${field} can't be blank`);
  const sniffed = sniff(file);
  if (!sniffed || (options.imageOnly && sniffed.kind !== 'image')) throw unprocessable(`Validation failed: ${field} content type is invalid`);
  const { imageSizeLimit, videoSizeLimit } = ctx.config.media;
  const limit = sniffed.kind === 'image' ? imageSizeLimit : videoSizeLimit;
  if (file.length > limit) throw payloadTooLarge(`${field} is too large: ${sniffed.kind === 'image' ? 'images' : 'video and audio'} may be at most ${megabytes(limit)}`);
  let animated = false;
  if (sniffed.kind === 'image') {
    if (looksTruncated(file, sniffed.mime)) throw unprocessable(`Validation failed: ${field} is truncated`);
    // libvips is loaded at the first image, not at start: a server that takes none never holds it.
    // Outside the try: a server that cannot load it fails with a 500, not the client's "not readable".
    const { default: sharp } = await import('sharp');
    let meta: Metadata;
    try {
      // The header only (no decoding): width and height, frames. A decompression bomb stops here.
      meta = await sharp(file, { limitInputPixels: IMAGE_MATRIX_LIMIT }).metadata();
    } catch {
      throw unprocessable(`Validation failed: ${field} is not a readable image`);
    }
    if (!meta.width || !meta.height) throw unprocessable(`Validation failed: ${field} is not a readable image`);
    if (meta.width * meta.height > IMAGE_MATRIX_LIMIT) {
      throw unprocessable(`Validation failed: ${field} is too large: ${meta.width}x${meta.height} is more than ${IMAGE_MATRIX_LIMIT} pixels`);
    }
    animated = sniffed.mime === 'image/gif' && (meta.pages ?? 1) > 1;
  }
  return { bytes: file, sniffed, animated };
}

/** A custom thumbnail (for video and audio above all): processed now, stored, its key and blurhash. */
export async function storeThumbnail(ctx: AppContext, file: unknown): Promise<{ key: string; blurhash: string }> {
  const upload = await checkUpload(ctx, file, { imageOnly: true, field: 'Thumbnail' });
  let processed;
  try {
    processed = await ctx.media.processor.thumbnail(upload.bytes);
  } catch (err) {
    if (err instanceof BadMedia) throw unprocessable(`Validation failed: ${err.message}`);
    throw err;
  }
  const key = fileKey(processed.preview.bytes, processed.preview.ext);
  await ctx.media.store.put(key, processed.preview.bytes, processed.preview.mime);
  return { key, blurhash: processed.blurhash };
}

/** An avatar or header: processed now (it is small and people wait for it), stored, its key. */
export async function storeProfileImage(ctx: AppContext, file: unknown, size: { width: number; height: number }, field: string): Promise<string> {
  const upload = await checkUpload(ctx, file, { imageOnly: true, field });
  let processed;
  try {
    processed = await ctx.media.processor.profileImage(upload.bytes, size);
  } catch (err) {
    if (err instanceof BadMedia) throw unprocessable(`Validation failed: ${err.message}`);
    throw err;
  }
  const key = fileKey(processed.bytes, processed.ext);
  await ctx.media.store.put(key, processed.bytes, processed.mime);
  return key;
}
