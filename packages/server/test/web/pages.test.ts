// What the server sends for the web UI: the app's "Page not found" (the shell with a 404) for a
// browser's unknown path while API paths keep their JSON 404; API answers compressed with brotli or
// gzip as asked, the page's own files precompressed; the favicon, the service worker (allowed to
// control the whole origin) and the emoji images. On both backends.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { backends, makeUser, startApp, type TestApp } from '@firebreak/testkit/app.js';

for (const backend of backends()) {
  describe(`web pages and compression (${backend})`, () => {
    let t: TestApp;
    let token: string;
    before(async () => {
      t = await startApp(backend);
      token = (await makeUser(t.ctx)).token;
      for (let i = 0; i < 20; i++) {
        await t.app.inject({ method: 'POST', url: '/api/v1/statuses', headers: { authorization: `Bearer ${token}` }, payload: { status: `Post number ${i} with enough words to be worth compressing #firebreak` } });
      }
    });
    after(async () => { await t.close(); });

    test('unknown page paths answer the app (404) for browsers; API and other paths keep JSON', async () => {
      for (const url of ['/explore', '/home', '/directory', '/@someone/123/nothing/here']) {
        const res = await t.app.inject({ url, headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
        assert.equal(res.statusCode, 404, url);
        assert.match(res.headers['content-type'] as string, /^text\/html/, url);
        assert.match(res.body, /<script type="module" src="\/web\/client\/app\.js">/, url);
        assert.match(res.headers['content-security-policy'] as string, /script-src 'self'/, url);
      }
      for (const url of ['/api/v1/nope', '/oauth/nope', '/web/nope.js', '/explore']) {
        const res = await t.app.inject({ url, headers: { accept: url === '/explore' ? 'application/json' : 'text/html' } });
        assert.equal(res.statusCode, 404, url);
        assert.deepEqual(res.json(), { error: 'Not found' }, url);
      }
      const post = await t.app.inject({ method: 'POST', url: '/explore', headers: { accept: 'text/html' } });
      assert.equal(post.statusCode, 404);
      assert.deepEqual(post.json(), { error: 'Not found' });
      for (const url of ['/', '/conversations', '/@someone/123/favourites']) {
        assert.equal((await t.app.inject({ url, headers: { accept: 'text/html' } })).statusCode, 200, url);
      }
    });

    test('API answers are compressed as the client asks: brotli, gzip or not at all', async () => {
      const url = '/api/v1/timelines/home';
      const plain = await t.app.inject({ url, headers: { authorization: `Bearer ${token}` } });
      assert.equal(plain.headers['content-encoding'], undefined);
      assert.equal(plain.json().length, 20);
      const br = await t.app.inject({ url, headers: { authorization: `Bearer ${token}`, 'accept-encoding': 'gzip, deflate, br' } });
      assert.equal(br.headers['content-encoding'], 'br');
      assert.match(String(br.headers.vary), /accept-encoding/i);
      assert.equal(brotliDecompressSync(br.rawPayload).toString(), plain.body);
      assert.ok(br.rawPayload.length * 4 < plain.rawPayload.length, `brotli ${br.rawPayload.length} B vs ${plain.rawPayload.length} B`);
      const gzip = await t.app.inject({ url, headers: { authorization: `Bearer ${token}`, 'accept-encoding': 'gzip' } });
      assert.equal(gzip.headers['content-encoding'], 'gzip');
      assert.equal(gunzipSync(gzip.rawPayload).toString(), plain.body);
      // Small answers are not worth it.
      const small = await t.app.inject({ url: '/api/v1/preferences', headers: { authorization: `Bearer ${token}`, 'accept-encoding': 'br' } });
      assert.equal(small.headers['content-encoding'], undefined);
    });

    test("the page's files arrive precompressed, once (not compressed twice)", async () => {
      for (const url of ['/', '/web/client/app.js', '/web/style.css']) {
        const br = await t.app.inject({ url, headers: { 'accept-encoding': 'br, gzip' } });
        assert.equal(br.statusCode, 200, url);
        assert.equal(br.headers['content-encoding'], 'br', url);
        const plain = await t.app.inject({ url });
        assert.equal(brotliDecompressSync(br.rawPayload).toString(), plain.body, url);
        const gzip = await t.app.inject({ url, headers: { 'accept-encoding': 'gzip' } });
        assert.equal(gunzipSync(gzip.rawPayload).toString(), plain.body, url);
      }
    });

    test('favicon, service worker and emoji images', async () => {
      for (const url of ['/favicon.svg', '/favicon.ico']) {
        const icon = await t.app.inject({ url });
        assert.equal(icon.statusCode, 200, url);
        assert.equal(icon.headers['content-type'], 'image/svg+xml');
      }
      assert.match((await t.app.inject({ url: '/' })).body, /<link rel="icon" href="\/favicon\.svg"/);
      const worker = await t.app.inject({ url: '/web/worker/service-worker.js' });
      assert.equal(worker.statusCode, 200);
      assert.equal(worker.headers['service-worker-allowed'], '/');
      assert.match(worker.body, /from '\.\/offline-cache\.js'/);
      const base = /<meta name="emoji-images" content="(\/web\/emoji\/[\d.]+\/)">/.exec((await t.app.inject({ url: '/' })).body)?.[1];
      assert.ok(base, 'the shell names where emoji images are');
      const fire = await t.app.inject({ url: `${base}1f525.svg`, headers: { 'accept-encoding': 'br' } });
      assert.equal(fire.statusCode, 200);
      assert.equal(fire.headers['content-type'], 'image/svg+xml');
      assert.equal(fire.headers['content-encoding'], 'br');
      assert.match(String(fire.headers['cache-control']), /immutable/);
      for (const url of [`${base}nope.svg`, `${base}..%2Fpackage.json`, '/web/emoji/0.0.1/1f525.svg', `${base}package.json`]) {
        assert.equal((await t.app.inject({ url })).statusCode, 404, url);
      }
    });
  });
}
