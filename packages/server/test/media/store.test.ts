// The media store's backends, each real: the filesystem, PostgreSQL itself (PGlite and a real
// server), and S3 as OpenStack Swift's s3api serves it (a throwaway Swift, Debian's packages).
// Durable puts, reads, deletes, and keys that cannot leave the store.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backends, startApp, type TestApp } from '@firebreak/testkit/app.js';
import { s3MediaConfig, startS3 } from '@firebreak/testkit/s3.js';
import type { ThrowawaySwift } from '@firebreak/testkit/swift-server.js';
import { loadConfig } from '@firebreak/server/config.js';
import { openMediaStore } from '@firebreak/server/media/store.js';
import { fileKey } from '@firebreak/server/media/keys.js';

for (const backend of backends()) {
  for (const kind of ['fs', 'postgres', 's3'] as const) {
    describe(`media store ${kind} with ${backend}`, () => {
      let t: TestApp;
      let swift: ThrowawaySwift | undefined;
      before(async () => {
        t = await startApp(backend);
        if (kind === 's3') swift = await startS3();
      });
      after(async () => { await t.close(); await swift?.stop(); });

      it('puts, gets and deletes by key; a missing key is undefined; keys are only those the server makes', async () => {
        const base = { ...loadConfig({}).media, store: kind, dir: t.ctx.config.media.dir };
        const store = await openMediaStore(kind === 's3' ? { ...base, ...(await s3MediaConfig(swift!)) } : base, t.ctx.db);
        const bytes = Buffer.from([0xff, 0xd8, 0xff, 0x00, 1, 2, 3]);
        const key = fileKey(bytes, 'jpg');
        await store.put(key, bytes, 'image/jpeg');
        await store.put(key, bytes, 'image/jpeg'); // again: idempotent
        const got = await store.getCached(key);
        assert.deepEqual(got?.bytes, bytes);
        assert.equal(got?.contentType, 'image/jpeg');
        await store.put('uploads/123', Buffer.from('raw'), 'image/png');
        assert.equal((await store.get('uploads/123'))?.bytes.toString(), 'raw');
        await store.delete(key);
        assert.equal(await store.getCached(key), undefined, 'deleted, and forgotten by the cache');
        assert.equal(await store.get(`files/${'0'.repeat(64)}.jpg`), undefined);
        for (const bad of ['../etc/passwd', 'files/../../x', 'uploads/1/../../x', '/abs', 'files/abc.jpg']) {
          await assert.rejects(store.get(bad), /not a media key/);
        }
      });
    });
  }
}
