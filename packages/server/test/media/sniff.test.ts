// What an upload is, from its bytes: never its name or Content-Type. HEIC is refused (no decoder),
// containers cut short are caught before anything is decoded.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { looksTruncated, sniff } from '@firebreak/server/media/sniff.js';
import { animatedGif, audioClip, photoWithGps, pngWithAlpha, videoClip } from '@firebreak/testkit/media-fixtures.js';

const ftyp = (major: string, ...compatible: string[]) => {
  const brands = [major, '\0\0\0\0', ...compatible].join('');
  const box = Buffer.alloc(8 + brands.length);
  box.writeUInt32BE(box.length, 0);
  box.write('ftyp', 4, 'latin1');
  box.write(brands, 8, 'latin1');
  return Buffer.concat([box, Buffer.alloc(16)]);
};

it('tells images, video and audio apart by their bytes', async () => {
  assert.equal(sniff(await photoWithGps())?.mime, 'image/jpeg');
  assert.equal(sniff(await pngWithAlpha())?.mime, 'image/png');
  assert.equal(sniff(animatedGif())?.mime, 'image/gif');
  assert.deepEqual(sniff(videoClip({ seconds: 1 })), { kind: 'video', mime: 'video/mp4', ext: 'mp4' });
  assert.equal(sniff(audioClip(1))?.kind, 'audio');
  assert.equal(sniff(ftyp('avif', 'mif1', 'miaf'))?.mime, 'image/avif');
  assert.equal(sniff(ftyp('qt  '))?.mime, 'video/quicktime');
  assert.equal(sniff(ftyp('M4A ', 'isom'))?.mime, 'audio/mp4');
  assert.equal(sniff(ftyp('heic', 'mif1')), undefined, 'HEIC: no decoder, refused');
  assert.equal(sniff(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"></svg>')), undefined);
  assert.equal(sniff(Buffer.from('<!doctype html><html><body>hi</body></html>')), undefined);
  assert.equal(sniff(Buffer.from('tiny')), undefined);
});

it('finds images cut short without decoding them', async () => {
  const jpeg = await photoWithGps();
  const png = await pngWithAlpha();
  assert.equal(looksTruncated(jpeg, 'image/jpeg'), false);
  assert.equal(looksTruncated(jpeg.subarray(0, jpeg.length - 100), 'image/jpeg'), true);
  assert.equal(looksTruncated(png, 'image/png'), false);
  assert.equal(looksTruncated(png.subarray(0, png.length - 20), 'image/png'), true);
  const gif = animatedGif();
  assert.equal(looksTruncated(gif, 'image/gif'), false);
  assert.equal(looksTruncated(gif.subarray(0, gif.length / 2), 'image/gif'), true);
});
