// Wolt's BlurHash, decoded into a small canvas: the placeholder a picture shows while it loads (and
// while it stays hidden as sensitive). The server encodes it (4x4 components) from the preview.
const CHARS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~';

const decode83 = (text: string) => [...text].reduce((value, c) => value * 83 + CHARS.indexOf(c), 0);
const toLinear = (v: number) => { const x = v / 255; return x <= 0.04045 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; };
const toSrgb = (v: number) => { const x = Math.max(0, Math.min(1, v)); return Math.round((x <= 0.0031308 ? x * 12.92 : 1.055 * x ** (1 / 2.4) - 0.055) * 255); };
const signPow = (v: number, e: number) => Math.sign(v) * Math.abs(v) ** e;

/** The pixels (RGBA) of `hash` at width x height; undefined for a malformed hash. */
export function decodeBlurhash(hash: string, width: number, height: number): Uint8ClampedArray<ArrayBuffer> | undefined {
  if (hash.length < 6 || [...hash].some((c) => !CHARS.includes(c))) return undefined;
  const size = decode83(hash[0]!);
  const nx = (size % 9) + 1;
  const ny = Math.floor(size / 9) + 1;
  if (hash.length !== 4 + 2 * nx * ny) return undefined;
  const max = (decode83(hash[1]!) + 1) / 166;
  const colors: Array<[number, number, number]> = [];
  const dc = decode83(hash.slice(2, 6));
  colors.push([toLinear(dc >> 16), toLinear((dc >> 8) & 255), toLinear(dc & 255)]);
  for (let i = 1; i < nx * ny; i++) {
    const v = decode83(hash.slice(4 + i * 2, 6 + i * 2));
    colors.push([signPow((Math.floor(v / 361) - 9) / 9, 2) * max, signPow(((Math.floor(v / 19) % 19) - 9) / 9, 2) * max, signPow(((v % 19) - 9) / 9, 2) * max]);
  }
  const pixels = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let r = 0, g = 0, b = 0;
      for (let j = 0; j < ny; j++) {
        for (let i = 0; i < nx; i++) {
          const basis = Math.cos((Math.PI * x * i) / width) * Math.cos((Math.PI * y * j) / height);
          const c = colors[i + j * nx]!;
          r += c[0] * basis; g += c[1] * basis; b += c[2] * basis;
        }
      }
      const p = 4 * (x + y * width);
      pixels[p] = toSrgb(r); pixels[p + 1] = toSrgb(g); pixels[p + 2] = toSrgb(b); pixels[p + 3] = 255;
    }
  }
  return pixels;
}

/** A 32x32 canvas painted with the hash (CSS stretches it to its box). */
export function blurhashCanvas(hash: string | null): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 32;
  canvas.className = 'blurhash';
  canvas.setAttribute('aria-hidden', 'true');
  const pixels = hash ? decodeBlurhash(hash, 32, 32) : undefined;
  if (pixels) canvas.getContext('2d')?.putImageData(new ImageData(pixels, 32, 32), 0, 0);
  return canvas;
}
