// Media made for tests, drills and the bench, never downloaded: pictures built with sharp, video and
// GIFs with ffmpeg's test sources (Debian's ffmpeg, which the server needs anyway).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';

/** A 300x200 JPEG that says it must be turned a quarter (EXIF orientation 6), from a camera, with its GPS position. */
export function photoWithGps(): Promise<Buffer> {
  return sharp({ create: { width: 300, height: 200, channels: 3, background: { r: 200, g: 30, b: 30 } } })
    .composite([{ input: { create: { width: 100, height: 200, channels: 3, background: { r: 20, g: 40, b: 220 } } }, left: 0, top: 0 }])
    .jpeg()
    .withMetadata({ orientation: 6 })
    .withExif({ IFD0: { Make: 'FirebreakCam', Model: 'Test 1' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 2982/100', GPSLongitudeRef: 'E', GPSLongitude: '2/1 17/1 4020/100' } })
    .toBuffer();
}

/** Whether a file carries EXIF with a GPS block (the GPS IFD pointer, tag 0x8825, either byte order). */
export function hasGps(bytes: Buffer): boolean {
  return bytes.includes(Buffer.from([0x25, 0x88, 0x04, 0x00])) || bytes.includes(Buffer.from([0x88, 0x25, 0x00, 0x04]));
}

/** Random pixels: no two calls alike (unique uploads), and incompressible (sizes as asked). */
export function noisyJpeg(width: number, height: number, quality = 90): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < raw.length; i += 4) raw.writeUInt32LE((Math.random() * 0xffffffff) >>> 0, Math.min(i, raw.length - 4));
  return sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality }).toBuffer();
}

/**
 * A 12-megapixel camera-sized JPEG (4000x3000) of about the size a phone makes (3 to 5 MB): a
 * gradient with sensor-like noise, so it neither compresses to nothing nor is pure noise.
 */
export function photo12mp(): Promise<Buffer> {
  const width = 4000;
  const height = 3000;
  const raw = Buffer.alloc(width * height * 3);
  let seed = 12345;
  for (let y = 0, p = 0; y < height; y++) {
    for (let x = 0; x < width; x++, p += 3) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const noise = (seed >> 16) % 24 - 12;
      raw[p] = Math.max(0, Math.min(255, 30 + (x * 200) / width + noise));
      raw[p + 1] = Math.max(0, Math.min(255, 110 + (y * 90) / height + noise));
      raw[p + 2] = Math.max(0, Math.min(255, 165 - (x * 90) / width + noise));
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

export function pngWithAlpha(width = 64, height = 48): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 4, background: { r: 0, g: 128, b: 0, alpha: 0.5 } } }).png().toBuffer();
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A tiny PNG whose header claims width x height: a decompression bomb, refused before decoding. */
export function pixelBomb(width = 100_000, height = 100_000): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([1, 0, 0, 0, 0], 8); // 1-bit greyscale
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])), chunk('IEND', Buffer.alloc(0))]);
}

function ffmpeg(args: string[], ext: string): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-fixture-'));
  try {
    const out = join(dir, `out.${ext}`);
    execFileSync('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args, out]);
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A clip from ffmpeg's test pattern, with a tone unless `audio` is false; `metadata` adds a location tag (as phones do). */
export function videoClip(options: { seconds?: number; width?: number; height?: number; audio?: boolean; fps?: number } = {}): Buffer {
  const { seconds = 2, width = 320, height = 240, audio = true, fps = 25 } = options;
  return ffmpeg([
    '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}:duration=${seconds}`,
    ...(audio ? ['-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`, '-c:a', 'aac', '-shortest'] : []),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-metadata', 'location=+48.8583+002.2945/', '-movflags', '+faststart',
  ], 'mp4');
}

export function animatedGif(): Buffer {
  return ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=5:duration=1'], 'gif');
}

export function audioClip(seconds = 2): Buffer {
  return ffmpeg(['-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`, '-c:a', 'libmp3lame'], 'mp3');
}
