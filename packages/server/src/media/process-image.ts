// Still images with sharp (libvips): orientation applied, every piece of metadata dropped (EXIF and
// its GPS position, XMP, ICC after conversion to sRGB), scaled to Mastodon's sizes, a blurhash from
// the preview. Runs in the processing process (worker.ts), never in the app server.
import sharp from 'sharp';
import type { Metadata, Sharp } from 'sharp';
import { encode } from 'blurhash';
import { IMAGE_MATRIX_LIMIT, ORIGINAL_PIXELS, SMALL_PIXELS } from './limits.js';
import { BadMedia, type OutputFile, type Processed } from './processed.js';

sharp.concurrency(1);
sharp.cache(false);

const OPTIONS = { limitInputPixels: IMAGE_MATRIX_LIMIT, failOn: 'truncated' } as const;

/** Width and height scaled (never up) so their product is at most `pixels`. */
export function fitArea(width: number, height: number, pixels: number): { width: number; height: number } {
  if (width * height <= pixels) return { width, height };
  const scale = Math.sqrt(pixels / (width * height));
  return { width: Math.max(1, Math.floor(width * scale)), height: Math.max(1, Math.floor(height * scale)) };
}

export function open(input: Buffer): Sharp {
  return sharp(input, OPTIONS);
}

/** The decoder's word on the input, as a BadMedia with a clear message. */
export async function inspect(input: Buffer): Promise<Metadata> {
  try {
    const meta = await open(input).metadata();
    if (!meta.width || !meta.height) throw new BadMedia('File is not an image');
    if (meta.width * meta.height > IMAGE_MATRIX_LIMIT) throw new BadMedia(`Image is too large: ${meta.width}x${meta.height} is more than ${IMAGE_MATRIX_LIMIT} pixels`);
    return meta;
  } catch (err) {
    if (err instanceof BadMedia) throw err;
    throw new BadMedia(`File could not be read as an image (${(err as Error).message})`);
  }
}

type Format = 'jpeg' | 'png' | 'webp';
const EXT: Record<Format, string> = { jpeg: 'jpg', png: 'png', webp: 'webp' };

/** JPEG stays JPEG, PNG and WebP stay themselves; AVIF becomes JPEG (not every app decodes it), a still GIF PNG. */
function outputFormat(format: string | undefined, hasAlpha: boolean): Format {
  if (format === 'png' || format === 'webp') return format;
  if (format === 'gif') return 'png';
  return hasAlpha ? 'png' : 'jpeg';
}

async function encodeAs(image: Sharp, format: Format, quality: number): Promise<{ file: OutputFile; width: number; height: number }> {
  const piped = format === 'jpeg' ? image.jpeg({ quality, mozjpeg: true }) : format === 'png' ? image.png({ compressionLevel: 8 }) : image.webp({ quality });
  const { data, info } = await piped.toBuffer({ resolveWithObject: true });
  return { file: { bytes: data, ext: EXT[format], mime: `image/${format}` }, width: info.width, height: info.height };
}

const dims = (width: number, height: number) => ({ width, height, size: `${width}x${height}`, aspect: width / height });

export async function blurhashOf(image: Buffer): Promise<string> {
  const { data, info } = await sharp(image).resize(32, 32, { fit: 'inside' }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return encode(new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength), info.width, info.height, 4, 4);
}

/** A preview (640x360's area) and its blurhash, from a still image already decoded once. */
export async function previewOf(image: Buffer, format: Format): Promise<{ preview: OutputFile; blurhash: string; width: number; height: number }> {
  const meta = await sharp(image).metadata();
  const size = fitArea(meta.width!, meta.height!, SMALL_PIXELS);
  const small = await encodeAs(sharp(image).resize(size.width, size.height), format === 'png' ? 'png' : format, 80);
  return { preview: small.file, blurhash: await blurhashOf(small.file.bytes), width: small.width, height: small.height };
}

export async function processImage(input: Buffer): Promise<Processed> {
  const meta = await inspect(input);
  // Orientation applied: EXIF orientations 5 to 8 swap width and height.
  const [w, h] = (meta.orientation ?? 1) >= 5 ? [meta.height!, meta.width!] : [meta.width!, meta.height!];
  const size = fitArea(w, h, ORIGINAL_PIXELS);
  const format = outputFormat(meta.format, meta.hasAlpha ?? false);
  let original;
  try {
    // rotate() with no angle applies the EXIF orientation; no withMetadata(): nothing of the input's metadata is written.
    original = await encodeAs(open(input).rotate().resize(size.width, size.height, { fit: 'fill' }), format, 90);
  } catch (err) {
    throw new BadMedia(`File could not be decoded (${(err as Error).message})`);
  }
  const small = await previewOf(original.file.bytes, format);
  return {
    type: 'image', file: original.file, preview: small.preview, blurhash: small.blurhash,
    meta: { original: dims(original.width, original.height), small: dims(small.width, small.height) },
  };
}

/** A custom thumbnail for a video or audio attachment: the preview and its blurhash. */
export async function processThumbnail(input: Buffer): Promise<{ preview: OutputFile; blurhash: string }> {
  const meta = await inspect(input);
  try {
    const still = await open(input).rotate().png().toBuffer();
    const { preview, blurhash } = await previewOf(still, outputFormat(meta.format, meta.hasAlpha ?? false));
    return { preview, blurhash };
  } catch (err) {
    throw new BadMedia(`Thumbnail could not be decoded (${(err as Error).message})`);
  }
}

/** An avatar or header: cropped to fill width x height (centred), the first frame of an animation, no metadata. */
export async function processProfileImage(input: Buffer, width: number, height: number): Promise<OutputFile> {
  const meta = await inspect(input);
  try {
    const image = open(input).rotate().resize(width, height, { fit: 'cover', position: 'centre' });
    return (await encodeAs(image, meta.hasAlpha ? 'png' : 'jpeg', 90)).file;
  } catch (err) {
    throw new BadMedia(`File could not be decoded (${(err as Error).message})`);
  }
}
