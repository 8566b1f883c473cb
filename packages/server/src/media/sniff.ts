// What an upload is, from its bytes alone: never its name or the client's Content-Type. Pure.
// Also the cheap half of "is it whole?": a container that says it is longer than what arrived, or
// an image without its end marker, is truncated (decoding finds the rest, in the processing job).

export type MediaKind = 'image' | 'video' | 'audio';

export interface Sniffed { kind: MediaKind; mime: string; ext: string }

const ascii = (b: Buffer, at: number, text: string) => b.length >= at + text.length && b.toString('latin1', at, at + text.length) === text;

/** ISO base media (MP4, MOV, AVIF, HEIF): the major brand and compatible brands of the ftyp box. */
function ftypBrands(b: Buffer): string[] | undefined {
  if (!ascii(b, 4, 'ftyp') || b.length < 16) return undefined;
  const size = b.readUInt32BE(0);
  const end = Math.min(b.length, Math.max(16, size));
  const brands = [b.toString('latin1', 8, 12)];
  for (let at = 16; at + 4 <= end; at += 4) brands.push(b.toString('latin1', at, at + 4));
  return brands;
}

export function sniff(b: Buffer): Sniffed | undefined {
  if (b.length < 12) return undefined;
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return { kind: 'image', mime: 'image/jpeg', ext: 'jpg' };
  if (b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return { kind: 'image', mime: 'image/png', ext: 'png' };
  if (ascii(b, 0, 'GIF87a') || ascii(b, 0, 'GIF89a')) return { kind: 'image', mime: 'image/gif', ext: 'gif' };
  if (ascii(b, 0, 'RIFF') && ascii(b, 8, 'WEBP')) return { kind: 'image', mime: 'image/webp', ext: 'webp' };
  if (ascii(b, 0, 'RIFF') && ascii(b, 8, 'WAVE')) return { kind: 'audio', mime: 'audio/wav', ext: 'wav' };
  if (ascii(b, 0, 'fLaC')) return { kind: 'audio', mime: 'audio/flac', ext: 'flac' };
  if (ascii(b, 0, 'OggS')) return { kind: 'audio', mime: 'audio/ogg', ext: 'ogg' };
  if (ascii(b, 0, 'ID3') || (b[0] === 0xff && (b[1]! & 0xe6) === 0xe2)) return { kind: 'audio', mime: 'audio/mpeg', ext: 'mp3' };
  if (b.readUInt32BE(0) === 0x1a45dfa3) return { kind: 'video', mime: 'video/webm', ext: 'webm' };
  const brands = ftypBrands(b);
  if (brands) {
    if (brands.includes('avif') || brands.includes('avis')) return { kind: 'image', mime: 'image/avif', ext: 'avif' };
    // HEIC needs a decoder the bundled libvips lacks (patents): refused as unsupported, not guessed.
    if (brands.some((x) => ['heic', 'heix', 'mif1', 'msf1', 'hevc'].includes(x))) return undefined;
    if (brands[0] === 'M4A ' || brands[0] === 'M4B ') return { kind: 'audio', mime: 'audio/mp4', ext: 'm4a' };
    if (brands[0] === 'qt  ') return { kind: 'video', mime: 'video/quicktime', ext: 'mov' };
    return { kind: 'video', mime: 'video/mp4', ext: 'mp4' };
  }
  return undefined;
}

/** Whether an image's container shows it was cut short. Only what can be told without decoding. */
export function looksTruncated(b: Buffer, mime: string): boolean {
  switch (mime) {
    case 'image/jpeg': {
      // The end-of-image marker, allowing for trailing padding some cameras add.
      const tail = b.subarray(Math.max(0, b.length - 4096));
      return tail.lastIndexOf(Buffer.from([0xff, 0xd9])) < 0;
    }
    case 'image/png': return b.subarray(Math.max(0, b.length - 64)).indexOf(Buffer.from('IEND', 'latin1')) < 0;
    case 'image/gif': {
      // The trailer (0x3B) is the last byte, before any zero padding.
      let end = b.length - 1;
      while (end > 0 && b[end] === 0) end--;
      return b[end] !== 0x3b;
    }
    case 'image/webp': return b.length < 8 || b.readUInt32LE(4) + 8 > b.length;
    default: return false;
  }
}
