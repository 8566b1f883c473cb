// Media processing as a durable queue, on PGlite and PostgreSQL: a job whose server died mid-way is
// taken over once its lease lapses; nothing starts while the overload protection has no room for its
// lowest class; bad input fails for good (422) and its upload is deleted.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { backends, Client, startApp, type TestApp, type User } from '@firebreak/testkit/app.js';
import { pngWithAlpha } from '@firebreak/testkit/media-fixtures.js';
import { claimJob, deleteStaleMedia } from '@firebreak/server/domain/media.js';
import { startMediaJobs } from '@firebreak/server/media/jobs.js';
import { GradientLimit, PriorityAdmission } from '@firebreak/server/overload/concurrency-limit.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const backend of backends()) {
  describe(`media jobs on ${backend}`, () => {
    let t: TestApp;
    let c: Client;
    let me: User;

    before(async () => {
      // No processing loop of its own: each test runs one as it needs.
      t = await startApp(backend, { media: { ...(await import('@firebreak/server/config.js')).loadConfig({}).media, workers: 0 } });
      c = new Client(t.app);
      me = await c.register('jobs');
    });
    after(() => t.close());

    const upload = async (bytes: Buffer) => {
      const res = await c.request('POST', '/api/v2/media', { token: me.token, multipart: { file: { bytes } } });
      assert.equal(res.status, 202);
      return res.body.id as string;
    };
    const stateOf = async (id: string) => (await c.request('GET', `/api/v1/media/${id}`, { token: me.token })).status;
    const until = async (what: () => Promise<boolean>, ms = 30_000) => {
      for (const end = Date.now() + ms; !(await what());) {
        if (Date.now() > end) throw new Error('timed out');
        await sleep(50);
      }
    };

    it('a job claimed by a server that then died is processed by another once its lease lapses', async () => {
      const id = await upload(await pngWithAlpha());
      const claimed = await claimJob(t.ctx);
      assert.equal(claimed?.mediaId, id);
      assert.equal(await claimJob(t.ctx), undefined, "a held job is nobody else's");
      // The claiming server is gone; its lease runs out (here at once, instead of after 10 s).
      await t.ctx.db.query(`update media_jobs set locked_until = now() - interval '1 second' where media_id = $1`, [id]);
      const jobs = startMediaJobs(t.ctx, new PriorityAdmission());
      try {
        await until(async () => (await stateOf(id)) === 200);
        const [job] = await t.ctx.db.query('select * from media_jobs where media_id = $1', [id]);
        assert.equal(job, undefined, 'the job is gone once done');
      } finally {
        await jobs.stop();
      }
    });

    it('starts no processing while requests hold the room its lowest class may use', async () => {
      const admission = new PriorityAdmission(new GradientLimit({ initialLimit: 4, minLimit: 4, maxLimit: 4 }));
      const busy = admission.tryAcquire('critical')!;
      const id = await upload(await pngWithAlpha(70, 50));
      const jobs = startMediaJobs(t.ctx, admission);
      try {
        await sleep(1500);
        assert.equal(await stateOf(id), 206, 'still waiting while the server is busy');
        busy.release(false);
        await until(async () => (await stateOf(id)) === 200);
      } finally {
        await jobs.stop();
      }
    });

    it('uploads no status took within a day are deleted with their files; attached ones stay', async () => {
      const stale = await upload(await pngWithAlpha(33, 22));
      const fresh = await upload(await pngWithAlpha(34, 22));
      await t.ctx.db.query(`update media_attachments set created_at = now() - interval '25 hours' where id = $1`, [stale]);
      assert.ok(existsSync(join(t.ctx.config.media.dir, 'uploads', stale)));
      assert.equal(await deleteStaleMedia(t.ctx), 1);
      assert.equal(await stateOf(stale), 404);
      assert.equal(await stateOf(fresh), 206);
      assert.ok(!existsSync(join(t.ctx.config.media.dir, 'uploads', stale)), 'its upload is deleted');
    });

    it('processing runs in its own process, niced as configured', async () => {
      const niced = await startApp(backend, { media: { ...t.ctx.config.media, workers: 1, nice: 12 } });
      try {
        const nc = new Client(niced.app);
        const who = await nc.register('nicely');
        const res = await nc.request('POST', '/api/v2/media', { token: who.token, multipart: { file: { bytes: await pngWithAlpha() } } });
        assert.equal(res.status, 202);
        // /proc/<pid>/stat: field 4 is the parent, field 19 the niceness. The process starts with the first job.
        const workers = () => readdirSync('/proc').filter((p) => /^\d+$/.test(p)).flatMap((pid) => {
          try {
            const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
            const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
            return cmdline.includes('media/worker.js') && Number(fields[1]) === process.pid ? [Number(fields[16])] : [];
          } catch { return []; }
        });
        // (This file's other processing processes, niced by default, are left out by their niceness.)
        await until(async () => workers().includes(12));
        assert.ok(workers().every((n) => n === 12 || n === 10), String(workers()));
      } finally {
        await niced.close();
      }
    });

    it('a file the decoder refuses fails for good: 422, no retry, and its upload is deleted', async () => {
      // A PNG whose header is fine and whose image data is not: only decoding finds out.
      const png = await pngWithAlpha(200, 100);
      const broken = Buffer.from(png);
      const idat = broken.indexOf(Buffer.from('IDAT'));
      broken.fill(0x55, idat + 8, idat + 40);
      const id = await upload(broken);
      const jobs = startMediaJobs(t.ctx, new PriorityAdmission());
      try {
        await until(async () => (await stateOf(id)) === 422);
      } finally {
        await jobs.stop();
      }
      const res = await c.request('GET', `/api/v1/media/${id}`, { token: me.token });
      assert.match(res.body.error, /could not be (decoded|read)/);
      assert.equal((await t.ctx.db.query('select 1 from media_jobs where media_id = $1', [id])).length, 0);
      assert.ok(!existsSync(join(t.ctx.config.media.dir, 'uploads', id)), 'the upload is deleted');
    });
  });
}
