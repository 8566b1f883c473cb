// `firebreak bench [--backend pglite|postgres|cluster] [--scale small|medium] [--smoke] ...`
// Generates the dataset, measures the ceilings (fixed-body Fastify, the endpoint's raw SQL), then each
// endpoint at saturation and at 50% / 80% of it, against an app server in its own process, and writes
// bench-results/<backend>-<scale>.json plus a section of BENCHMARKS.md.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '@firebreak/server/config.js';
import { openDb, type Db } from '@firebreak/server/db/index.js';
import { migrate } from '@firebreak/server/db/migrate.js';
import { freePort, startThrowawayPostgres, type ThrowawayPostgres } from '@firebreak/testkit/postgres-server.js';
import { findCached, saveCached, defaultCacheDir, type CachedDataset } from './cache.js';
import { SCALES, counterMismatches, generateDataset, type Scale } from '@firebreak/testkit/dataset.js';
import { closedLoop, createStatusDirect, recordHomeTimelineSql, replaySql } from './db-ceiling.js';
import { serveFixedBody } from './fixed-server.js';
import { openLoop, saturate, type LoadResult, type Workload } from './load.js';
import { startServer, type ServerProcess } from './processes.js';
import { opsCli, serverCli } from '../entry-points.js';
import { topFrames } from './profile.js';
import { cpuMeter } from './cpu.js';
import { evaluateGoals, renderMarkdown, updateBenchmarksMd, writeJson, type BenchResult, type EndpointResult } from './report.js';
import { ensureBenchLists, measureListSizes } from './list-timeline.js';
import { loadSamples, workloads, type Samples } from './workloads.js';
import { inPrimaryDc, measureUnloadedPosts, type UnloadedPosts } from './unloaded-posts.js';
import { measureMixed, mixedWorkload, MIXED_WORKLOAD, scrapeMetrics, type MetricSample, type MixedResult } from './mixed.js';
import { measureSteadyMemory, STEADY_WORKLOAD } from './steady-memory.js';
import { buildHomeFeed } from '@firebreak/server/domain/home-feed.js';

const USAGE = `usage: firebreak bench [options]
  --backend pglite|postgres|cluster  where the data lives (default pglite)
        postgres: DATABASE_URL, or a throwaway PostgreSQL 15 started from the machine's binaries
        cluster:  DATABASE_URL (the primary, for generation) and --edge-url (both from \`firebreak cluster env\`);
                  with --app-urls, unloaded posts are also timed straight at each app server
  --scale small|medium               dataset size (default small)
  --smoke                            short runs, JSON only (CI); about a minute on small
  --seconds N                        seconds per measurement (default 10, smoke 2)
  --connections N                    concurrent connections for saturation (default 32)
  --only home,list,account,thread,tag,search,create,mixed,steady   a subset of the endpoints (mixed: 90% home reads
                                     and 10% posts at once, with the feed outbox's wait; steady: home reads once
                                     the entity cache is full, for the app's memory; neither on the cluster)
  --profile                          run the app under --cpu-prof and summarise the hottest frames
  --edge-url URL                     the cluster's HTTP entry point (cluster backend)
  --app-urls URL,URL                 the cluster's app servers (default FIREBREAK_APP_URLS, from \`firebreak cluster env\`)
  --data-dir DIR                     keep the PGlite dataset here and reuse it on the next run
  --cache-dir DIR                    where generated datasets are kept for reuse (default ~/.cache/firebreak-bench)
  --no-cache                         generate the dataset afresh and keep no copy (always so with --smoke)`;

const ENDPOINT_KEYS: Record<string, string> = {
  home: 'home timeline', list: 'list timeline', mixed: MIXED_WORKLOAD, steady: STEADY_WORKLOAD, account: 'account statuses', thread: 'thread (context)', tag: 'hashtag timeline', search: 'search statuses', create: 'status creation',
};

interface Options {
  backend: 'pglite' | 'postgres' | 'cluster';
  scale: string;
  smoke: boolean;
  seconds: number;
  connections: number;
  only: string[];
  profile: boolean;
  edgeUrl?: string;
  /** The cluster's app servers, for posts timed without the edge. */
  appUrls: string[];
  dataDir?: string;
  /** Where generated datasets are kept; undefined: generate every time. */
  cacheDir?: string;
}

function parseOptions(args: string[]): Options {
  const { values } = parseArgs({
    args,
    options: {
      backend: { type: 'string', default: 'pglite' }, scale: { type: 'string', default: 'small' }, smoke: { type: 'boolean', default: false },
      seconds: { type: 'string' }, connections: { type: 'string', default: '32' }, only: { type: 'string' }, profile: { type: 'boolean', default: false },
      'edge-url': { type: 'string' }, 'app-urls': { type: 'string' }, 'data-dir': { type: 'string' }, help: { type: 'boolean', default: false },
      'cache-dir': { type: 'string' }, 'no-cache': { type: 'boolean', default: false },
    },
  });
  if (values.help) throw new UsageError('');
  const backend = values.backend as Options['backend'];
  if (!['pglite', 'postgres', 'cluster'].includes(backend)) throw new UsageError(`unknown backend "${backend}"`);
  if (!SCALES[values.scale!]) throw new UsageError(`unknown scale "${values.scale}"`);
  const only = values.only ? values.only.split(',') : Object.keys(ENDPOINT_KEYS);
  for (const key of only) if (!ENDPOINT_KEYS[key]) throw new UsageError(`unknown endpoint "${key}" in --only`);
  const seconds = Number(values.seconds ?? (values.smoke ? 2 : 10));
  const connections = Number(values.connections);
  if (!(seconds > 0) || !Number.isInteger(connections) || connections < 1) throw new UsageError('--seconds and --connections must be positive numbers');
  return {
    backend, scale: values.scale!, smoke: values.smoke!, seconds, connections, only, profile: values.profile!,
    edgeUrl: values['edge-url'] ?? process.env.FIREBREAK_EDGE_URL, dataDir: values['data-dir'],
    appUrls: (values['app-urls'] ?? process.env.FIREBREAK_APP_URLS ?? '').split(',').map((u) => u.trim().replace(/\/$/, '')).filter(Boolean),
    // The smoke run exists to exercise generation too, so it never takes a cached dataset.
    cacheDir: values['no-cache'] || values.smoke ? undefined : values['cache-dir'] ?? defaultCacheDir(),
  };
}

class UsageError extends Error {}

const log = (line: string) => process.stderr.write(`${line}\n`);

/** What an app server's memory is made of and what its collector cost, from its /metrics: a line for the bench's log. */
async function memoryBreakdown(baseUrl: string): Promise<string> {
  let samples: MetricSample[];
  try {
    samples = await scrapeMetrics(baseUrl);
  } catch (err) {
    return `no /metrics (${(err as Error).message})`;
  }
  const value = (name: string) => samples.filter((s) => s.name === name).reduce((sum, s) => sum + s.value, 0);
  const mb = (name: string) => Math.round(value(name) / 1048576);
  const gcShare = Math.round((value('nodejs_gc_duration_seconds_sum') / value('process_cpu_seconds_total')) * 1000) / 10;
  return `heap used ${mb('nodejs_heap_size_used_bytes')} of ${mb('nodejs_heap_size_total_bytes')} MB, external ${mb('nodejs_external_memory_bytes')} MB, `
    + `entity cache ${mb('firebreak_entity_cache_bytes')} MB; GC ${gcShare}% of its CPU time`;
}

export async function main(args: string[]): Promise<number> {
  if (args[0] === 'fixed-server') return serveFixedBody(args[1]!, args[2]);
  if (args[0] === 'media') return (await import('./media.js')).benchMedia(args.slice(1));
  let options: Options;
  try {
    options = parseOptions(args);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      if ((err as Error).message) log(`firebreak bench: ${(err as Error).message}`);
      log(USAGE);
      return 2;
    }
    throw err;
  }
  if (options.backend === 'cluster' && (!options.edgeUrl || !process.env.DATABASE_URL)) {
    log('firebreak bench --backend cluster needs DATABASE_URL (the cluster primary, multi-host URL is fine) and --edge-url ' +
      '(or FIREBREAK_EDGE_URL): both are printed by `firebreak cluster env`. Nothing was measured.');
    return 2;
  }
  const result = await run(options, args);
  const jsonFile = writeJson('bench-results', result);
  const markdown = renderMarkdown(result, jsonFile);
  if (!options.smoke) updateBenchmarksMd('BENCHMARKS.md', result, markdown);
  process.stdout.write(`${markdown}\n`);
  log(`\nwrote ${jsonFile}${options.smoke ? '' : ' and BENCHMARKS.md'}`);
  return 0;
}

/** Where the data lives for this run, and how to point an app server at it. */
interface Backend {
  config: Config; appEnv: Record<string, string>; describe: string;
  /** A throwaway database this run owns: its directory can be copied into the cache (with the database closed). */
  own?: { dataDir: string; whileStopped(fn: () => void): void };
  /** The cached dataset this database started from. */
  cached?: CachedDataset;
  /** The data directory of the PostgreSQL server this run started (its processes' CPU is measured). */
  postgresDataDir?: string;
  cleanup(): Promise<void>;
}

async function prepareBackend(options: Options, scale: Scale): Promise<Backend> {
  const cached = options.cacheDir && options.backend !== 'cluster' && !options.dataDir && !process.env.DATABASE_URL
    ? findCached(options.cacheDir, options.backend, scale) : undefined;
  if (cached) log(`starting from the cached dataset in ${cached.dataDir}`);
  if (options.backend === 'pglite') {
    const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'firebreak-bench-'));
    const pgliteDir = join(dataDir, 'pglite'); // where openDb puts PGlite's files
    if (cached) execFileSync('cp', ['-a', '--reflink=auto', cached.dataDir, pgliteDir]);
    return {
      config: loadConfig({ FIREBREAK_DATA_DIR: dataDir }), appEnv: { FIREBREAK_DATA_DIR: dataDir }, describe: 'PGlite', cached,
      own: options.dataDir ? undefined : { dataDir: pgliteDir, whileStopped: (fn) => fn() },
      cleanup: async () => { if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true }); },
    };
  }
  let pg: ThrowawayPostgres | undefined;
  let url = process.env.DATABASE_URL;
  if (!url) {
    // fsync on: writes are measured as a durable server would do them.
    pg = await startThrowawayPostgres({ copyFrom: cached?.dataDir, fsync: true });
    if (!pg) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql/*/bin: install postgresql-15 or set DATABASE_URL');
    url = pg.url;
  }
  return {
    config: loadConfig({ DATABASE_URL: url }), appEnv: { DATABASE_URL: url }, describe: 'PostgreSQL', cached, own: pg, postgresDataDir: pg?.dataDir,
    cleanup: async () => { await pg?.stop(); },
  };
}

async function run(options: Options, args: string[]): Promise<BenchResult> {
  const scale = SCALES[options.scale]!;
  const startedAt = new Date();
  const loadAverage = loadavg().map((x) => Math.round(x * 100) / 100);
  const backend = await prepareBackend(options, scale);
  const notes: string[] = [];
  let app: ServerProcess | undefined;
  let db: Db | undefined;
  try {
    db = await openDb(backend.config);
    const migrated = await migrate(db);
    const [{ version }] = await db.query<{ version: string }>('select version()') as [{ version: string }];
    const existing = await db.query('select 1 from apps where client_id = $1', ['bench-client']);
    let dataset: BenchResult['dataset'];
    let store = false;
    if (backend.cached) {
      dataset = { ...backend.cached.summary, cached: true };
      // Migrations newer than the cached copy ran on its data just now: keep that for next time.
      store = migrated.length > 0;
      if (store) log(`applied migrations ${migrated.join(', ')} to the cached dataset`);
    } else if (existing.length) {
      log('reusing the bench dataset already in the database');
      dataset = { reused: true };
    } else {
      dataset = await generateDataset(db, scale, backend.config.publicUrl, log);
      log(`dataset generated in ${dataset.seconds} s`);
      if (scale.name === 'small' || options.smoke) {
        const bad = await counterMismatches(db);
        if (bad) throw new Error(`generated dataset has ${bad} rows with inconsistent counters`);
      }
      store = true;
    }
    const sampled = await loadSamples(db);
    const samples: Samples = { ...sampled, lists: await ensureBenchLists(db, sampled.users) };
    // The sampled users are the active ones: like anyone who reads their home timeline, they have a
    // home feed (built on a first read in production). Build the missing ones before measuring, so the
    // figures are of the steady state, not of a thousand first reads.
    const unbuilt = await db.query<{ id: string }>('select id from accounts where id = any($1::bigint[]) and home_feed_floor is null', [samples.users.map((u) => u.accountId)]);
    if (unbuilt.length) {
      const t = Date.now();
      for (const { id } of unbuilt) await buildHomeFeed(db, id);
      log(`built ${unbuilt.length} home feeds in ${((Date.now() - t) / 1000).toFixed(1)} s`);
      store ||= !('reused' in dataset);
    }
    if (store && options.cacheDir && backend.own && !('reused' in dataset)) {
      const summary = dataset;
      const own = backend.own;
      log(`keeping a copy of the dataset in ${options.cacheDir}`);
      await db.close();
      own.whileStopped(() => saveCached(options.cacheDir!, options.backend, scale, own.dataDir, summary));
      db = await openDb(backend.config);
    }
    const wanted = options.only.map((k) => ENDPOINT_KEYS[k]!);
    if (wanted.includes('list timeline')) {
      log('list timelines by number of members (fan-in), against home-feed reads');
      const sizes = await measureListSizes(db, samples.users);
      const ms = (x: { p50Ms: number; p99Ms: number }) => `${x.p50Ms.toFixed(1)} / ${x.p99Ms.toFixed(1)} ms`;
      notes.push([
        'List timeline SQL, first page, one read at a time (p50 / p99; members: the accounts with the most posts):',
        '', '| Members | Fan-in over the members | From the list\'s feed |', '|---:|---:|---:|',
        ...sizes.lists.map((l) => `| ${l.members} | ${ms(l.fanIn)} | ${ms(l.feed)} |`),
        '', `A home timeline read from its feed, for comparison: ${ms(sizes.homeFeed)}.`,
      ].join('\n'));
    }

    // The database's ceilings, before the app runs (PGlite is one process's database).
    const ceilings: BenchResult['ceilings'] = {};
    if (wanted.includes('home timeline')) {
      log('ceiling: home timeline SQL without HTTP');
      const recorded = await recordHomeTimelineSql(db, backend.config, samples.users.slice(0, 200));
      const replay = replaySql(db, recorded);
      await closedLoop(replay, options.connections, Math.min(2, options.seconds));
      ceilings.sqlHomeTimeline = await closedLoop(replay, options.connections, options.seconds);
    }
    if (wanted.includes('status creation')) {
      log('ceiling: createStatus() without HTTP');
      const direct = createStatusDirect(db, backend.config, samples.users);
      ceilings.sqlStatusCreation = await closedLoop(direct.post, options.connections, options.seconds);
      log(`  the feed outbox held ${await direct.finish()} posts at the end; fanned out before going on`);
    }
    await db.close();
    db = undefined;

    const profileDir = options.profile ? mkdtempSync(join(tmpdir(), 'firebreak-prof-')) : undefined;
    // Each endpoint is measured against a fresh app server (except on the cluster, whose app servers are
    // not ours): a saturated endpoint leaves state behind (a shrunken adaptive concurrency limit, pools
    // replaced after stalls) that would otherwise be charged to the next one. The CPU profile, if asked
    // for, is of the first endpoint's server. The smoke run, which only checks that all of this works,
    // keeps one server throughout.
    const startApp = async (profile: boolean): Promise<string> => {
      let url = options.edgeUrl!;
      if (options.backend !== 'cluster') {
        app = await startServer({
          cli: serverCli, args: ['serve'], port: await freePort(), cpuProfileDir: profile ? profileDir : undefined,
          env: { ...backend.appEnv, FIREBREAK_RATE_LIMITS: 'false', LOG_LEVEL: 'warn' },
        });
        url = app.url;
        log(`app server pid ${app.pid} at ${url}`);
      }
      // Active users have been seen before: the app's overload protection ranks a token it has seen
      // succeed above an unknown one (packages/server/src/overload/classify.ts). One read per sampled
      // user first, so the measurement is of signed-in traffic rather than of a thousand strangers
      // being shed.
      log(`warm-up: one home timeline read for each of ${samples.users.length} sampled users`);
      await signInOnce(url, samples.users);
      return url;
    };
    let peakRssMb = 0;
    let rssMbAfterLoad = 0;
    const stopApp = async () => {
      if (!app) return;
      const memory = app.memory();
      log(`app RSS ${memory.rssMb} MB, peak ${memory.peakRssMb} MB; ${await memoryBreakdown(app.url)}`);
      peakRssMb = Math.max(peakRssMb, memory.peakRssMb);
      rssMbAfterLoad = Math.max(rssMbAfterLoad, memory.rssMb);
      await app.stop();
      app = undefined;
    };

    const endpoints: EndpointResult[] = [];
    const chosen = workloads(samples).filter((w) => wanted.includes(w.name));
    for (const [i, workload] of chosen.entries()) {
      const reuse = i > 0 && (options.backend === 'cluster' || options.smoke);
      const baseUrl = reuse ? (app?.url ?? options.edgeUrl!) : await startApp(i === 0);
      if (i === 0) {
        log('ceiling: Fastify with a fixed 20-status body');
        ceilings.httpFixedBody = await measureFixedBody(baseUrl, samples, options);
      }
      // CPU per request: the app's process when it is ours, PostgreSQL's when we started it (PGlite's
      // work is the app's own; the cluster's processes are in other namespaces).
      endpoints.push(await measureEndpoint(baseUrl, workload, options, { app: app?.pid, postgresDataDir: backend.postgresDataDir }));
      if (!options.smoke || i === chosen.length - 1) await stopApp();
    }
    let mixed: MixedResult | undefined;
    if (wanted.includes(MIXED_WORKLOAD)) {
      // Its throughputs and the outbox's wait come from the app's /metrics, which only a server of ours shows us.
      if (options.backend === 'cluster') notes.push('The mixed run is not made on the cluster: its figures come from an app server started by the bench.');
      else {
        const baseUrl = await startApp(false);
        const all = workloads(samples);
        const [home, create] = ['home timeline', 'status creation'].map((name) => all.find((w) => w.name === name)!);
        log(`${MIXED_WORKLOAD}: saturation`);
        mixed = await measureMixed(baseUrl, mixedWorkload(home!, create!), options.connections, options.seconds);
        await stopApp();
      }
    }
    let steady: BenchResult['steady'];
    if (wanted.includes(STEADY_WORKLOAD)) {
      if (options.backend === 'cluster') notes.push('The steady-state memory run is not made on the cluster: it reads the memory of an app server started by the bench.');
      else {
        const baseUrl = await startApp(false);
        log(`${STEADY_WORKLOAD}: filling the entity cache`);
        const home = workloads(samples).find((w) => w.name === 'home timeline')!;
        const budgetBytes = loadConfig({ ...process.env, ...backend.appEnv }).entityCacheBytes;
        // The smoke run only checks that the step works: a few pages, not a full cache.
        const result = await measureSteadyMemory(baseUrl, {
          accountIds: samples.accountIds, token: samples.users[0]!.token, budgetBytes, maxFillRequests: options.smoke ? 50 : 20_000,
          home, connections: options.connections, seconds: options.seconds,
        }, log);
        const memory = app!.memory();
        await stopApp();
        steady = { ...result, rssMb: memory.rssMb, peakRssMb: memory.peakRssMb };
      }
    }
    const memory = options.backend === 'cluster' ? undefined : { rssMb: rssMbAfterLoad, peakRssMb };
    const unloadedPosts = options.backend === 'cluster' && wanted.includes('status creation') && !options.smoke
      ? await timeUnloadedPosts(options, samples.users[0]!.token) : undefined;

    let profile: BenchResult['profile'];
    if (profileDir) {
      const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
      if (file) {
        mkdirSync('bench-results', { recursive: true });
        const kept = join('bench-results', `${options.backend}-${options.scale}.cpuprofile`);
        execFileSync('cp', [join(profileDir, file), kept]);
        profile = { file: kept, top: topFrames(kept) };
      } else notes.push('The app wrote no CPU profile (it did not exit cleanly).');
      rmSync(profileDir, { recursive: true, force: true });
    }
    if (options.backend === 'cluster') notes.push('Cluster: load goes through the edge; app RSS is not measured from here.');
    else if (!options.smoke) notes.push('Each endpoint was measured against a fresh app server (after one warm-up read per sampled user); app RSS is the largest of theirs.');

    const partial: Omit<BenchResult, 'goals'> = {
      backend: options.backend, scale: scale.name, smoke: options.smoke,
      command: `npm run bench -- ${args.join(' ')}`.trim(), commit: gitCommit(), date: startedAt.toISOString(),
      machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version, database: version.split(',')[0]!, loadAverage },
      dataset, connections: options.connections, seconds: options.seconds, ceilings, endpoints,
      appMemory: memory ? { rssMbAfterLoad: memory.rssMb, peakRssMb: memory.peakRssMb } : undefined,
      unloadedPosts, mixed, steady, profile, notes,
    };
    return { ...partial, goals: evaluateGoals(partial) };
  } finally {
    await app?.stop();
    await db?.close();
    await backend.cleanup();
  }
}

/** Posts one at a time through the edge and straight at each app server (the cluster, after the load). */
async function timeUnloadedPosts(options: Options, token: string): Promise<UnloadedPosts[]> {
  const results: UnloadedPosts[] = [];
  for (const connection of ['keep-alive', 'new'] as const) {
    log(`unloaded posts through the edge (${connection} connection)`);
    results.push({ target: 'edge', ...await measureUnloadedPosts(options.edgeUrl!, token, connection) });
  }
  for (const appUrl of options.appUrls) {
    log(`unloaded posts straight at ${appUrl}`);
    results.push({ target: appUrl, primaryDc: await inPrimaryDc(appUrl), ...await measureUnloadedPosts(appUrl, token, 'keep-alive') });
  }
  return results;
}

async function signInOnce(baseUrl: string, users: Samples['users']): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < users.length) {
      const user = users[next++]!;
      const res = await fetch(`${baseUrl}/api/v1/timelines/home?limit=1`, { headers: { authorization: `Bearer ${user.token}` } });
      await res.arrayBuffer();
    }
  }));
}

/** Captures a real home timeline response from the app and serves it from a bare Fastify process. */
async function measureFixedBody(baseUrl: string, samples: Samples, options: Options): Promise<LoadResult> {
  const user = samples.users[0]!;
  const res = await fetch(`${baseUrl}/api/v1/timelines/home?limit=20`, { headers: { authorization: `Bearer ${user.token}` } });
  if (!res.ok) throw new Error(`home timeline answered ${res.status}: ${await res.text()}`);
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-fixed-'));
  const bodyFile = join(dir, 'home.json');
  writeFileSync(bodyFile, await res.text());
  const fixed = await startServer({ cli: opsCli, args: ['bench', 'fixed-server', bodyFile], port: await freePort(), env: {} });
  try {
    const fixedWorkload: Workload = { name: 'fixed body', next: () => ({ method: 'GET', path: '/api/v1/timelines/home?limit=20', headers: {} }) };
    await saturate(fixed.url, fixedWorkload, options.connections, Math.min(2, options.seconds));
    return await saturate(fixed.url, fixedWorkload, options.connections, options.seconds);
  } finally {
    await fixed.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measureEndpoint(baseUrl: string, workload: Workload, options: Options, cpu: Parameters<typeof cpuMeter>[0]): Promise<EndpointResult> {
  log(`${workload.name}: warm-up, saturation`);
  await saturate(baseUrl, workload, options.connections, Math.min(2, options.seconds));
  const meter = cpuMeter(cpu);
  const saturation = await saturate(baseUrl, workload, options.connections, options.seconds);
  const cpuPerRequest = meter(saturation.requests - saturation.failures);
  const rate = Math.max(1, saturation.throughput);
  log(`${workload.name}: ${saturation.throughput} req/s at saturation; open loop at 50% and 80%`);
  const at50 = await openLoop(baseUrl, workload, rate * 0.5, options.seconds);
  const at80 = await openLoop(baseUrl, workload, rate * 0.8, options.seconds);
  return { name: workload.name, saturation, at50, at80, cpuPerRequest };
}

export function gitCommit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim();
    return dirty ? `${sha} (with uncommitted changes)` : sha;
  } catch {
    return 'unknown';
  }
}
