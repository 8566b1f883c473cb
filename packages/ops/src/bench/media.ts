// `firebreak bench media [--backend pglite|postgres] [--store fs|postgres] [--seconds 10] [--url URL]`:
// what media costs. Upload acknowledged (the 202: stored durably, queued) and upload-to-ready time (POST /api/v2/media until GET /api/v1/media/:id is 200) for a 12 MP
// JPEG and a 10 s 720p video with sound, and cached image serving (a processed preview, GET over and
// over, closed loop) against the HTTP ceiling (Fastify sending the same bytes from memory), each in
// its own process apart from the load generator. Writes the "Media" section of BENCHMARKS.md.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, startThrowawayPostgres } from '@firebreak/testkit/postgres-server.js';
import { photo12mp, videoClip } from '@firebreak/testkit/media-fixtures.js';
import { opsCli, serverCli } from '../entry-points.js';
import { saturate, type LoadResult } from './load.js';
import { startServer } from './processes.js';
import { updateMarkedSection } from './report.js';

const log = (message: string) => process.stderr.write(`${new Date().toISOString().slice(11, 23)} ${message}\n`);

async function json(url: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(url, init);
  return { status: res.status, body: await res.json().catch(() => undefined) };
}

async function signUp(base: string): Promise<string> {
  const post = (path: string, body: unknown, token?: string) =>
    json(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  const app = (await post('/api/v1/apps', { client_name: 'bench media', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes: 'read write' })).body;
  const token = (await post('/oauth/token', { grant_type: 'client_credentials', client_id: app.client_id, client_secret: app.client_secret, scope: 'read write' })).body.access_token;
  const account = await post('/api/v1/accounts', { username: `bench${Date.now() % 100000}`, email: `bench${Date.now()}@example.test`, password: 'bench password 1', agreement: true }, token);
  if (account.status !== 200) throw new Error(`sign-up failed: ${JSON.stringify(account.body)}`);
  return account.body.access_token;
}

/** One upload, timed from the POST to its 202 (acknowledged) and to the first 200 of GET /api/v1/media/:id (ready). */
async function uploadToReady(base: string, token: string, bytes: Buffer, type: string): Promise<{ ms: number; ackMs: number; media: any }> {
  const started = performance.now();
  const key = randomUUID();
  let posted: { status: number; body: any } | undefined;
  // As a good client does: a dropped connection is retried with the same Idempotency-Key.
  for (let attempt = 0; !posted; attempt++) {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(bytes)], { type }), 'upload');
    try {
      posted = await json(`${base}/api/v2/media`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'idempotency-key': key }, body: form });
    } catch (err) {
      if (attempt >= 3) throw err;
      log(`upload attempt ${attempt + 1} failed (${(err as Error).message}); retrying with the same key`);
    }
  }
  const ackMs = performance.now() - started;
  if (posted.status !== 202 && posted.status !== 200) throw new Error(`upload failed: ${posted.status} ${JSON.stringify(posted.body)}`);
  for (;;) {
    const got = await json(`${base}/api/v1/media/${posted.body.id}`, { headers: { authorization: `Bearer ${token}` } });
    if (got.status === 200) return { ms: performance.now() - started, ackMs, media: got.body };
    if (got.status !== 206) throw new Error(`processing failed: ${got.status} ${JSON.stringify(got.body)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const row = (name: string, r: LoadResult) => `| ${name} | ${r.throughput} | ${r.p50Ms} | ${r.p99Ms} | ${r.failures} |`;

export async function benchMedia(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: {
    backend: { type: 'string', default: 'pglite' }, store: { type: 'string', default: 'fs' }, seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '32' },
    runs: { type: 'string', default: '3' }, 'no-write': { type: 'boolean', default: false },
    url: { type: 'string' }, label: { type: 'string' },
  } });
  // --url: an app server already running (the cluster's edge); the backend and store are its own.
  const label = values.label ?? (values.url ? 'cluster' : `${values.backend}, ${values.store} store`);
  const seconds = Number(values.seconds);
  const runs = Number(values.runs);
  const dataDir = mkdtempSync(join(tmpdir(), 'firebreak-bench-media-'));
  const pg = values.backend === 'postgres' && !values.url ? await startThrowawayPostgres() : undefined;
  if (values.backend === 'postgres' && !pg) throw new Error('--backend postgres: no PostgreSQL 15 binaries found');
  const env: Record<string, string> = { FIREBREAK_DATA_DIR: dataDir, FIREBREAK_MEDIA_STORE: values.store!, FIREBREAK_RATE_LIMITS: 'false', LOG_LEVEL: 'warn', ...(pg ? { DATABASE_URL: pg.url } : {}) };
  const app = values.url ? { url: values.url.replace(/\/$/, ''), stop: async () => {} } : await startServer({ cli: serverCli, args: ['serve'], port: await freePort(), env });
  try {
    const token = await signUp(app.url);
    // For comparison: a plain post's acknowledgement (one synchronous commit in the cluster).
    const posts: number[] = [];
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      const res = await json(`${app.url}/api/v1/statuses`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ status: `bench post ${i}` }) });
      if (res.status !== 200) throw new Error(`post failed: ${res.status}`);
      posts.push(performance.now() - started);
    }
    log('upload to ready: 12 MP JPEG');
    const photo = await photo12mp();
    const photos: number[] = [];
    const photoAcks: number[] = [];
    let preview = '';
    for (let i = 0; i < runs; i++) {
      const r = await uploadToReady(app.url, token, i === 0 ? photo : Buffer.concat([photo.subarray(0, photo.length - 2), Buffer.from([i, 0xff, 0xd9])]), 'image/jpeg');
      photos.push(r.ms);
      photoAcks.push(r.ackMs);
      preview = r.media.preview_url;
    }
    log('upload to ready: 10 s 1280x720 video with sound');
    const video = videoClip({ seconds: 10, width: 1280, height: 720, audio: true, fps: 30 });
    const videos: number[] = [];
    const videoAcks: number[] = [];
    for (let i = 0; i < Math.max(1, Math.min(runs, 2)); i++) {
      const r = await uploadToReady(app.url, token, video, 'video/mp4');
      videos.push(r.ms);
      videoAcks.push(r.ackMs);
    }

    log('cached image serving: the preview, closed loop');
    const path = new URL(preview).pathname;
    const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const previewBytes = Buffer.from(await (await fetch(`${app.url}${path}`)).arrayBuffer());
    const imageFile = join(dataDir, 'ceiling.jpg');
    writeFileSync(imageFile, previewBytes);
    const get = (p: string) => ({ name: p, next: () => ({ method: 'GET' as const, path: p, headers: {} }) });
    await saturate(app.url, get(path), Number(values.connections), 2);
    const served = await saturate(app.url, get(path), Number(values.connections), seconds);
    const bodyFile = join(dataDir, 'ceiling.json');
    writeFileSync(bodyFile, '[]');
    const fixed = await startServer({ cli: opsCli, args: ['bench', 'fixed-server', bodyFile, imageFile], port: await freePort(), env: {} });
    let ceiling: LoadResult;
    try {
      await saturate(fixed.url, get('/image'), Number(values.connections), 2);
      ceiling = await saturate(fixed.url, get('/image'), Number(values.connections), seconds);
    } finally {
      await fixed.stop();
    }
    const lines = [
      `### Media (${label})`,
      '',
      `\`firebreak bench media ${values.url ? `--url ${values.url}` : `--backend ${values.backend} --store ${values.store}`} --seconds ${seconds}\`, ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores (load ${loadavg().map((x) => x.toFixed(2)).join(' ')} at the end); processing niced, one job at a time.`,
      '',
      '| Upload (POST /api/v2/media) | acknowledged (202: stored, queued), median | ready (GET /api/v1/media/:id is 200), median | ready, each run |',
      '|---|---|---|---|',
      `| 12 MP JPEG (4000x3000, ${(photo.length / 1024 / 1024).toFixed(1)} MB) -> scaled to 8.3 MP, preview, blurhash | ${sec(median(photoAcks))} | ${sec(median(photos))} | ${photos.map(sec).join(', ')} |`,
      `| 10 s 1280x720 30 fps video with sound (${(video.length / 1024 / 1024).toFixed(1)} MB) -> H.264 MP4, poster | ${sec(median(videoAcks))} | ${sec(median(videos))} | ${videos.map(sec).join(', ')} |`,
      `| (for comparison: a plain post, POST /api/v1/statuses, 20 in a row) | ${sec(median(posts))} | - | - |`,
      '',
      `| Serving a cached preview (${(previewBytes.length / 1024).toFixed(1)} KB), ${values.connections} connections | req/s | p50 ms | p99 ms | failed |`,
      '|---|---|---|---|---|',
      row('GET /system/files/... (the app, from its memory)', served),
      row('HTTP ceiling: Fastify sending the same bytes', ceiling),
    ];
    const section = lines.join('\n');
    process.stdout.write(`${section}\n`);
    if (!values['no-write']) updateMarkedSection('BENCHMARKS.md', `bench:media:${values.url ? 'cluster' : `${values.backend}:${values.store}`}`, section);
    return 0;
  } finally {
    await app.stop();
    await pg?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
