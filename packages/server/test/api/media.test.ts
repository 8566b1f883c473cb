// Media attachments end to end, on PGlite and on PostgreSQL: uploads (v2 202 then 200, v1 waiting),
// what processing makes of them (orientation, no EXIF or GPS ever served, sizes, blurhash), attaching
// them to posts and edits, only_media, serving with the right headers, avatars and headers, and every
// refusal: non-images, truncated files, pixel bombs, oversized files, someone else's media, a fifth one.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { backends, Client, startApp, type Response, type TestApp, type User } from '@firebreak/testkit/app.js';
import { animatedGif, audioClip, hasGps, noisyJpeg, photoWithGps, pixelBomb, pngWithAlpha, videoClip } from '@firebreak/testkit/media-fixtures.js';
import { s3MediaConfig, startS3 } from '@firebreak/testkit/s3.js';
import type { ThrowawaySwift } from '@firebreak/testkit/swift-server.js';
import { createMedia, newMediaId } from '@firebreak/server/domain/media.js';
import { uploadKey } from '@firebreak/server/media/keys.js';

const path = (url: string) => new URL(url).pathname;

/** Polls GET /api/v1/media/:id until processing is over. */
async function ready(c: Client, user: User, id: string, timeoutMs = 60_000): Promise<Response> {
  for (const until = Date.now() + timeoutMs; ;) {
    const res = await c.request('GET', `/api/v1/media/${id}`, { token: user.token });
    if (res.status !== 206) return res;
    if (Date.now() > until) throw new Error(`media ${id} still processing after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Files are deleted after the commit that released them: this waits (a little) for that. */
async function gone(c: Client, url: string): Promise<boolean> {
  for (const until = Date.now() + 20_000; Date.now() < until; await new Promise((r) => setTimeout(r, 50))) {
    if ((await c.request('GET', path(url))).status === 404) return true;
  }
  return false;
}

for (const backend of backends()) {
  describe(`media on ${backend}`, () => {
    let t: TestApp;
    let c: Client;
    let alice: User, bob: User;

    before(async () => {
      t = await startApp(backend);
      c = new Client(t.app);
      alice = await c.register('alice');
      bob = await c.register('bob');
    });
    after(() => t.close());

    const upload = (user: User, bytes: Buffer, fields: Record<string, string> = {}, headers: Record<string, string> = {}, url = '/api/v2/media') =>
      c.request('POST', url, { token: user.token, multipart: { ...fields, file: { bytes, filename: 'photo.png', type: 'text/plain' } }, headers });

    const uploaded = async (user: User, bytes: Buffer, fields: Record<string, string> = {}) => {
      const res = await upload(user, bytes, fields);
      assert.equal(res.status, 202, JSON.stringify(res.body));
      const done = await ready(c, user, res.body.id);
      assert.equal(done.status, 200, JSON.stringify(done.body));
      return done.body;
    };

    it('takes a photo through v2 (202, then 206, then 200): turned upright, no EXIF or GPS, Mastodon sizes, a blurhash', async () => {
      const photo = await photoWithGps();
      assert.ok(hasGps(photo), 'the fixture carries GPS');
      const res = await upload(alice, photo, { description: 'a red and blue card', focus: '0.5,-0.25' });
      assert.equal(res.status, 202);
      assert.equal(res.body.url, null);
      assert.equal(res.body.type, 'image');
      const media = (await ready(c, alice, res.body.id)).body;
      assert.equal(media.type, 'image');
      assert.equal(media.description, 'a red and blue card');
      assert.deepEqual(media.meta.focus, { x: 0.5, y: -0.25 });
      // Orientation 6 applied: the 300x200 picture is now 200x300.
      assert.deepEqual(media.meta.original, { width: 200, height: 300, size: '200x300', aspect: 200 / 300 });
      assert.equal(media.meta.small.width, 200);
      assert.match(media.blurhash, /^[0-9A-Za-z#$%*+,.:;=?@[\]^_{|}~-]{36}$/);
      const served = await c.request('GET', path(media.url));
      assert.equal(served.status, 200);
      assert.equal(served.headers['content-type'], 'image/jpeg');
      assert.equal(served.headers['x-content-type-options'], 'nosniff');
      assert.match(String(served.headers['cache-control']), /max-age=31536000, immutable/);
      assert.match(String(served.headers['content-security-policy']), /default-src 'none'/);
      assert.match(path(media.url), /^\/system\/files\/[0-9a-f]{64}\.jpg$/);
      const meta = await sharp(served.raw).metadata();
      assert.equal(meta.exif, undefined, 'no EXIF served');
      assert.equal(meta.orientation, undefined);
      assert.deepEqual([meta.width, meta.height], [200, 300]);
      assert.ok(!hasGps(served.raw) && !served.raw.includes(Buffer.from('FirebreakCam')), 'neither GPS nor the camera in the served original');
      const { data } = await sharp(served.raw).raw().toBuffer({ resolveWithObject: true });
      // The blue third was on the left; turned a quarter clockwise, it is on top.
      assert.ok(data[2]! > 150 && data[0]! < 100, 'the top-left pixel is blue');
      const small = await c.request('GET', path(media.preview_url));
      assert.equal(small.headers['content-type'], 'image/jpeg');
      assert.equal((await sharp(small.raw).metadata()).exif, undefined);
      // A conditional request for an immutable file is a 304.
      const again = await c.request('GET', path(media.url), { headers: { 'if-none-match': String(served.headers.etag) } });
      assert.equal(again.status, 304);
    });

    it('scales large pictures to 8.3 megapixels and previews to 640x360 of area; keeps PNG transparency', async () => {
      const big = await noisyJpeg(4000, 2500, 40);
      const media = await uploaded(alice, big);
      assert.ok(media.meta.original.width * media.meta.original.height <= 8_294_400);
      assert.ok(media.meta.small.width * media.meta.small.height <= 230_400);
      assert.ok(Math.abs(media.meta.original.aspect - 1.6) < 0.01);
      const png = await uploaded(alice, await pngWithAlpha());
      const served = await c.request('GET', path(png.url));
      assert.equal(served.headers['content-type'], 'image/png');
      assert.equal((await sharp(served.raw).metadata()).hasAlpha, true);
    });

    it('POST /api/v1/media waits for processing and answers 200 with the url', async () => {
      const res = await upload(alice, await pngWithAlpha(), {}, {}, '/api/v1/media');
      assert.equal(res.status, 200);
      assert.ok(res.body.url);
    });

    it('refuses what is not a picture, a truncated one, a pixel bomb and a thumbnail of the wrong kind, storing nothing', async () => {
      const files = async () => (await t.ctx.db.query<{ n: string }>('select count(*) as n from media_attachments')).at(0)!.n;
      const before = await files();
      const text = await upload(alice, Buffer.from('<html><script>alert(1)</script></html> '.repeat(4)));
      assert.equal(text.status, 422);
      assert.match(text.body.error, /content type is invalid/);
      const photo = await photoWithGps();
      const truncated = await upload(alice, photo.subarray(0, Math.floor(photo.length / 2)));
      assert.equal(truncated.status, 422);
      assert.match(truncated.body.error, /truncated/);
      const bomb = await upload(alice, pixelBomb());
      assert.equal(bomb.status, 422);
      assert.match(bomb.body.error, /too large|not a readable image/);
      const none = await c.request('POST', '/api/v2/media', { token: alice.token, multipart: { description: 'no file' } });
      assert.equal(none.status, 422);
      const long = await upload(alice, await pngWithAlpha(), { description: 'x'.repeat(1501) });
      assert.equal(long.status, 422);
      const focus = await upload(alice, await pngWithAlpha(), { focus: '2,0' });
      assert.equal(focus.status, 422);
      assert.equal(await files(), before, 'no row for any of them');
    });

    it('keeps uploads off every other route: the global body limit and no files', async () => {
      const res = await c.request('POST', '/api/v1/statuses', { token: alice.token, multipart: { status: 'hi', file: { bytes: await pngWithAlpha() } } });
      assert.equal(res.status, 413);
    });

    it('turns animated GIFs into gifv and video into H.264 MP4 with a poster, and audio into MP3', async () => {
      const gif = await uploaded(alice, animatedGif());
      assert.equal(gif.type, 'gifv');
      const gifFile = await c.request('GET', path(gif.url));
      assert.equal(gifFile.headers['content-type'], 'video/mp4');
      assert.ok(gif.preview_url && gif.blurhash);
      const clip = await uploaded(alice, videoClip({ seconds: 2 }));
      assert.equal(clip.type, 'video');
      assert.ok(Math.abs(clip.meta.duration - 2) < 0.2, String(clip.meta.duration));
      assert.equal(clip.meta.width, 320);
      assert.equal(clip.meta.original.frame_rate, '25/1');
      const mp4 = (await c.request('GET', path(clip.url))).raw;
      assert.ok(mp4.subarray(0, 64).includes(Buffer.from('ftyp')));
      // faststart: the index (moov) comes before the data (mdat); the location tag is gone.
      assert.ok(mp4.indexOf(Buffer.from('moov')) < mp4.indexOf(Buffer.from('mdat')));
      assert.ok(!mp4.includes(Buffer.from('+48.8583')), 'no location in the served video');
      const range = await c.request('GET', path(clip.url), { headers: { range: 'bytes=0-99' } });
      assert.equal(range.status, 206);
      assert.equal(range.raw.length, 100);
      const silent = await uploaded(alice, videoClip({ seconds: 1, audio: false }));
      assert.equal(silent.type, 'gifv');
      const audio = await uploaded(alice, audioClip(1));
      assert.equal(audio.type, 'audio');
      assert.equal(audio.preview_url, null);
      const served = await c.request('GET', path(audio.url));
      assert.equal(served.headers['content-type'], 'audio/mpeg');
    });

    it('refuses video that is too long, with 422 from GET', async () => {
      const small = await startApp(backend, { media: { ...t.ctx.config.media, maxDurationSeconds: 1 } });
      try {
        const sc = new Client(small.app);
        const me = await sc.register('shorty');
        const res = await sc.request('POST', '/api/v2/media', { token: me.token, multipart: { file: { bytes: videoClip({ seconds: 3 }) } } });
        assert.equal(res.status, 202);
        const done = await ready(sc, me, res.body.id);
        assert.equal(done.status, 422);
        assert.match(done.body.error, /too long/);
        const post = await sc.request('POST', '/api/v1/statuses', { token: me.token, body: { status: 'x', media_ids: [res.body.id] } });
        assert.equal(post.status, 422);
      } finally {
        await small.close();
      }
    });

    it('413 for a file over the limit, before anything is decoded', async () => {
      const small = await startApp(backend, { media: { ...t.ctx.config.media, imageSizeLimit: 20_000, videoSizeLimit: 40_000 } });
      try {
        const sc = new Client(small.app);
        const me = await sc.register('tiny');
        const over = await sc.request('POST', '/api/v2/media', { token: me.token, multipart: { file: { bytes: await noisyJpeg(300, 200) } } });
        assert.equal(over.status, 413, JSON.stringify(over.body));
        const wayOver = await sc.request('POST', '/api/v2/media', { token: me.token, multipart: { file: { bytes: await noisyJpeg(600, 400) } } });
        assert.equal(wayOver.status, 413);
        const instance = await sc.request('GET', '/api/v2/instance');
        assert.equal(instance.body.configuration.media_attachments.image_size_limit, 20_000);
      } finally {
        await small.close();
      }
    });

    it("posts with media: up to four of one's own, processed and unattached; in every Status, in edits and their history", async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await uploaded(alice, await noisyJpeg(40, 30), { description: `pic ${i}` })).id);
      const five = await c.request('POST', '/api/v1/statuses', { token: alice.token, body: { status: 'five', media_ids: ids } });
      assert.equal(five.status, 422);
      const theirs = await c.request('POST', '/api/v1/statuses', { token: bob.token, body: { status: 'not mine', media_ids: [ids[0]] } });
      assert.equal(theirs.status, 422);
      const status = await c.post(alice, '', { media_ids: ids.slice(0, 2), sensitive: true });
      assert.deepEqual(status.media_attachments.map((m: { id: string }) => m.id), ids.slice(0, 2));
      assert.equal(status.media_attachments[0].description, 'pic 0');
      assert.equal(status.sensitive, true);
      const again = await c.request('POST', '/api/v1/statuses', { token: alice.token, body: { status: 'reuse', media_ids: [ids[0]] } });
      assert.equal(again.status, 422, 'attached media cannot be attached again');
      // Attached media are no longer the uploader's to look at, change or delete through /media.
      assert.equal((await c.request('GET', `/api/v1/media/${ids[0]}`, { token: alice.token })).status, 404);
      assert.equal((await c.request('DELETE', `/api/v1/media/${ids[0]}`, { token: alice.token })).status, 422);
      const read = await c.request('GET', `/api/v1/statuses/${status.id}`, { token: bob.token });
      assert.equal(read.body.media_attachments.length, 2);
      const reblog = await c.request('POST', `/api/v1/statuses/${status.id}/reblog`, { token: bob.token });
      assert.equal(reblog.body.reblog.media_attachments.length, 2);
      // An edit: a different set, a new description; the history shows what each version had.
      const edited = await c.request('PUT', `/api/v1/statuses/${status.id}`, { token: alice.token, body: {
        status: 'now with text', media_ids: [ids[1], ids[2]], media_attributes: [{ id: ids[2], description: 'described later', focus: '0.1,0.2' }] } });
      assert.equal(edited.status, 200, JSON.stringify(edited.body));
      assert.deepEqual(edited.body.media_attachments.map((m: { id: string }) => m.id), [ids[1], ids[2]]);
      assert.equal(edited.body.media_attachments[1].description, 'described later');
      const history = await c.request('GET', `/api/v1/statuses/${status.id}/history`, { token: alice.token });
      assert.deepEqual(history.body.map((v: { media_attachments: Array<{ id: string }> }) => v.media_attachments.map((m) => m.id)), [ids.slice(0, 2), [ids[1], ids[2]]]);
      const replay = await c.request('PUT', `/api/v1/statuses/${status.id}`, { token: alice.token, body: { status: 'now with text', media_ids: [ids[1], ids[2]] } });
      assert.equal(replay.status, 200);
      assert.equal((await c.request('GET', `/api/v1/statuses/${status.id}/history`, { token: alice.token })).body.length, 2, 'the same edit again changes nothing');
      const stolen = await c.request('PUT', `/api/v1/statuses/${status.id}`, { token: alice.token, body: { status: 'x', media_ids: [ids[3], 'bogus'] } });
      assert.equal(stolen.status, 404);
    });

    it('a post with media retried with its Idempotency-Key is the same post, and an upload retried is the same upload', async () => {
      const key = `k-${Math.random()}`;
      const bytes = await noisyJpeg(30, 20);
      const first = await upload(alice, bytes, {}, { 'idempotency-key': key });
      const second = await upload(alice, bytes, {}, { 'idempotency-key': key });
      assert.equal(second.body.id, first.body.id);
      await ready(c, alice, first.body.id);
      const postKey = `p-${Math.random()}`;
      const a = await c.post(alice, 'with key', { media_ids: [first.body.id] }, { 'idempotency-key': postKey });
      const b = await c.post(alice, 'with key', { media_ids: [first.body.id] }, { 'idempotency-key': postKey });
      assert.equal(b.id, a.id);
      assert.equal(b.media_attachments[0].id, first.body.id);
    });

    it('a transaction retried after a failover lost its commit\'s answer keeps its own upload (the fire drill found it deleted)', async () => {
      const id = await newMediaId(t.ctx.db);
      const key = uploadKey(id);
      await t.ctx.media.store.put(key, await noisyJpeg(30, 20), 'image/jpeg');
      const m = { id, type: 'image', uploadKey: key, description: '', focus: { x: 0, y: 0 }, idempotencyKey: `k-${Math.random()}`, thumbnail: null };
      const first = await createMedia(t.ctx, alice.id, m);
      // The retry: the same insert, the same id, after the first commit landed.
      const again = await createMedia(t.ctx, alice.id, m);
      assert.deepEqual([first.created, again.created, again.media.id], [true, true, id], 'its own row: created, not a duplicate');
      // A real duplicate (another id, the same key) is one.
      const other = await createMedia(t.ctx, alice.id, { ...m, id: await newMediaId(t.ctx.db), uploadKey: uploadKey('1') });
      assert.deepEqual([other.created, other.media.id], [false, id]);
      assert.ok(await t.ctx.media.store.get(key), 'the upload is still there');
      assert.equal((await ready(c, alice, id)).status, 200, 'and it is processed');
    });

    it('a post cannot attach media that is still processing', async () => {
      const slow = await startApp(backend, { media: { ...t.ctx.config.media, workers: 0 } });
      try {
        const sc = new Client(slow.app);
        const me = await sc.register('waiting');
        const res = await sc.request('POST', '/api/v2/media', { token: me.token, multipart: { file: { bytes: await pngWithAlpha() } } });
        assert.equal((await sc.request('GET', `/api/v1/media/${res.body.id}`, { token: me.token })).status, 206);
        const post = await sc.request('POST', '/api/v1/statuses', { token: me.token, body: { status: 'too soon', media_ids: [res.body.id] } });
        assert.equal(post.status, 422);
        assert.match(post.body.error, /not finished processing/);
      } finally {
        await slow.close();
      }
    });

    it('PUT changes description and focus; DELETE removes unattached media and its files; others get 404', async () => {
      const media = await uploaded(alice, await noisyJpeg(50, 40));
      assert.equal((await c.request('PUT', `/api/v1/media/${media.id}`, { token: bob.token, body: { description: 'mine now' } })).status, 404);
      const put = await c.request('PUT', `/api/v1/media/${media.id}`, { token: alice.token, body: { description: 'better', focus: '-1,1' } });
      assert.equal(put.body.description, 'better');
      assert.deepEqual(put.body.meta.focus, { x: -1, y: 1 });
      assert.equal((await c.request('GET', `/api/v1/media/${media.id}`, { token: bob.token })).status, 404);
      assert.equal((await c.request('DELETE', `/api/v1/media/${media.id}`, { token: bob.token })).status, 404);
      const key = `d-${Math.random()}`;
      const del = await c.request('DELETE', `/api/v1/media/${media.id}`, { token: alice.token, headers: { 'idempotency-key': key } });
      assert.equal(del.status, 200);
      assert.equal((await c.request('DELETE', `/api/v1/media/${media.id}`, { token: alice.token, headers: { 'idempotency-key': key } })).status, 200, 'a retry gets the same answer');
      assert.equal((await c.request('GET', `/api/v1/media/${media.id}`, { token: alice.token })).status, 404);
      assert.ok(await gone(c, media.url), 'its file is gone');
    });

    it('a custom thumbnail becomes the preview of a video', async () => {
      const res = await c.request('POST', '/api/v2/media', { token: alice.token, multipart: { file: { bytes: videoClip({ seconds: 1 }) }, thumbnail: { bytes: await pngWithAlpha(80, 60) } } });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      assert.ok(res.body.preview_url);
      const done = (await ready(c, alice, res.body.id)).body;
      assert.equal(done.preview_url, res.body.preview_url);
      assert.equal((await c.request('GET', path(done.preview_url))).headers['content-type'], 'image/png');
    });

    it('only_media on account statuses, the public and the tag timelines', async () => {
      const media = await uploaded(bob, await noisyJpeg(20, 20));
      const withMedia = await c.post(bob, 'picture #onlymedia', { media_ids: [media.id] });
      const without = await c.post(bob, 'words #onlymedia');
      const ids = (r: Response) => r.body.map((s: { id: string }) => s.id);
      const account = await c.request('GET', `/api/v1/accounts/${bob.id}/statuses?only_media=true`);
      assert.deepEqual(ids(account), [withMedia.id]);
      const pub = await c.request('GET', '/api/v1/timelines/public?only_media=true&limit=40');
      assert.ok(ids(pub).includes(withMedia.id) && !ids(pub).includes(without.id));
      const tag = await c.request('GET', '/api/v1/timelines/tag/onlymedia?only_media=1');
      assert.deepEqual(ids(tag), [withMedia.id]);
      assert.deepEqual(ids(await c.request('GET', '/api/v1/timelines/tag/onlymedia')), [without.id, withMedia.id]);
    });

    it('deleting a post deletes its media and their files', async () => {
      const media = await uploaded(bob, await noisyJpeg(21, 20));
      const status = await c.post(bob, 'soon gone', { media_ids: [media.id] });
      assert.equal((await c.request('DELETE', `/api/v1/statuses/${status.id}`, { token: bob.token })).status, 200);
      assert.ok(await gone(c, media.url));
      assert.ok(await gone(c, media.preview_url));
    });

    it('avatars and headers: set by multipart update_credentials, served as images, back to the PNG defaults on DELETE', async () => {
      const defaults = await c.request('GET', '/api/v1/accounts/verify_credentials', { token: alice.token });
      for (const url of [defaults.body.avatar, defaults.body.header]) {
        const res = await c.request('GET', path(url));
        assert.equal(res.headers['content-type'], 'image/png');
        assert.ok((await sharp(res.raw).metadata()).width! > 0, 'a PNG image loaders can decode');
      }
      const res = await c.request('PATCH', '/api/v1/accounts/update_credentials', { token: alice.token, multipart: {
        display_name: 'Alice A', avatar: { bytes: await photoWithGps(), filename: 'me.jpg', type: 'image/jpeg' }, header: { bytes: await noisyJpeg(900, 300) } } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.display_name, 'Alice A');
      const avatar = await c.request('GET', path(res.body.avatar));
      assert.equal(avatar.headers['content-type'], 'image/jpeg');
      const meta = await sharp(avatar.raw).metadata();
      assert.deepEqual([meta.width, meta.height, meta.exif], [400, 400, undefined]);
      assert.ok(!hasGps(avatar.raw));
      const header = await sharp((await c.request('GET', path(res.body.header))).raw).metadata();
      assert.deepEqual([header.width, header.height], [1500, 500]);
      const status = await c.post(alice, 'with my new face');
      assert.equal(status.account.avatar, res.body.avatar, 'statuses show the new avatar');
      const bad = await c.request('PATCH', '/api/v1/accounts/update_credentials', { token: alice.token, multipart: { avatar: { bytes: Buffer.from('not an image at all, sorry') } } });
      assert.equal(bad.status, 422);
      const video = await c.request('PATCH', '/api/v1/accounts/update_credentials', { token: alice.token, multipart: { header: { bytes: videoClip({ seconds: 1 }) } } });
      assert.equal(video.status, 422);
      const removed = await c.request('DELETE', '/api/v1/profile/avatar', { token: alice.token });
      assert.equal(removed.status, 200);
      assert.match(removed.body.avatar, /\/avatars\/original\/missing\.png$/);
      assert.ok(await gone(c, res.body.avatar), 'the old avatar file is gone');
      const noHeader = await c.request('DELETE', '/api/v1/profile/header', { token: alice.token });
      assert.match(noHeader.body.header, /\/headers\/original\/missing\.png$/);
    });

    it('the instance tells clients the real limits', async () => {
      for (const url of ['/api/v1/instance', '/api/v2/instance']) {
        const { configuration } = (await c.request('GET', url)).body;
        assert.equal(configuration.statuses.max_media_attachments, 4);
        assert.ok(configuration.media_attachments.supported_mime_types.includes('image/jpeg'));
        assert.ok(configuration.media_attachments.supported_mime_types.includes('video/mp4'));
        assert.equal(configuration.media_attachments.image_size_limit, 16 * 1024 * 1024);
        assert.equal(configuration.media_attachments.image_matrix_limit, 33_177_600);
        assert.equal(configuration.media_attachments.video_size_limit, 99 * 1024 * 1024);
        assert.equal(configuration.media_attachments.video_frame_rate_limit, 120);
        assert.equal(configuration.media_attachments.video_matrix_limit, 8_294_400);
        assert.equal(configuration.media_attachments.description_limit, 1500);
      }
    });

    it('upload routes need write:media', async () => {
      const readOnly = (await c.request('POST', '/oauth/token', { body: { grant_type: 'password' } }));
      void readOnly;
      const res = await c.request('POST', '/api/v2/media', { multipart: { file: { bytes: await pngWithAlpha() } } });
      assert.equal(res.status, 401);
    });
  });
}

describe('media on the S3 store (OpenStack Swift with s3api)', () => {
  let t: TestApp;
  let swift: ThrowawaySwift;
  before(async () => {
    swift = await startS3();
    t = await startApp('pglite', { media: await s3MediaConfig(swift) });
  });
  after(async () => { await t.close(); await swift.stop(); });

  it('uploads, processes, posts and serves a photo, then deletes it with its post', async () => {
    const c = new Client(t.app);
    const me = await c.register('swifty');
    const res = await c.request('POST', '/api/v2/media', { token: me.token, multipart: { file: { bytes: await photoWithGps() } } });
    assert.equal(res.status, 202);
    const media = (await ready(c, me, res.body.id)).body;
    assert.deepEqual([media.meta.original.width, media.meta.original.height], [200, 300]);
    const status = await c.post(me, 'from swift', { media_ids: [media.id] });
    const served = await c.request('GET', path(status.media_attachments[0].url));
    assert.equal(served.status, 200);
    assert.equal(served.headers['content-type'], 'image/jpeg');
    assert.ok(!hasGps(served.raw));
    assert.equal((await c.request('DELETE', `/api/v1/statuses/${status.id}`, { token: me.token })).status, 200);
    assert.ok(await gone(c, media.url), 'deleted from the bucket');
  });
});
