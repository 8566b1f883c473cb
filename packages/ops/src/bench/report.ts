// Results as JSON (bench-results/<backend>-<scale>.json) and as a section of BENCHMARKS.md that is
// replaced in place on the next run of the same backend and scale.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DatasetSummary } from '@firebreak/testkit/dataset.js';
import type { LoadResult } from './load.js';
import type { Frame } from './profile.js';
import type { UnloadedPosts } from './unloaded-posts.js';
import type { MixedResult } from './mixed.js';
import type { SteadyMemoryResult } from './steady-memory.js';

export interface EndpointResult {
  name: string; saturation: LoadResult; at50: LoadResult; at80: LoadResult;
  /** CPU milliseconds per successful request at saturation: the app server's, and PostgreSQL's (cpu.ts). */
  cpuPerRequest?: { appMs?: number; dbMs?: number };
}

export interface BenchResult {
  backend: string;
  scale: string;
  smoke: boolean;
  command: string;
  commit: string;
  date: string;
  machine: { cpu: string; cores: number; memoryGb: number; node: string; database: string; loadAverage: number[] };
  dataset: DatasetSummary | { reused: true };
  connections: number;
  seconds: number;
  ceilings: { httpFixedBody?: LoadResult; sqlHomeTimeline?: LoadResult; sqlStatusCreation?: LoadResult };
  endpoints: EndpointResult[];
  appMemory?: { rssMbAfterLoad: number; peakRssMb: number };
  /** One client posting one status at a time (the cluster). */
  unloadedPosts?: UnloadedPosts[];
  /** Home reads and posts at once, with the feed outbox's wait (mixed.ts). */
  mixed?: MixedResult;
  /** The app server's memory under home reads once its entity cache is full (steady-memory.ts). */
  steady?: SteadyMemoryResult & { rssMb: number; peakRssMb: number };
  goals: Goal[];
  profile?: { file: string; top: Frame[] };
  notes: string[];
}

export interface Goal { goal: string; measured: string; met: boolean }

export function evaluateGoals(r: Omit<BenchResult, 'goals'>): Goal[] {
  const goals: Goal[] = [];
  const home = r.endpoints.find((e) => e.name === 'home timeline');
  const create = r.endpoints.find((e) => e.name === 'status creation');
  const http = r.ceilings.httpFixedBody?.throughput;
  // Issue 15's goals: a share of the HTTP ceiling measured in the same run (45% on PostgreSQL, 15% on
  // the embedded PGlite), and CPU per request on PostgreSQL.
  if (home) {
    goals.push({ goal: 'home timeline p99 <= 50 ms at 50% load', measured: `${home.at50.p99Ms} ms`, met: home.at50.p99Ms <= 50 });
    if (http) {
      const share = home.saturation.throughput / http;
      const wanted = r.backend === 'pglite' ? 0.15 : 0.45;
      goals.push({ goal: `home timeline >= ${pct(wanted)} of HTTP ceiling`, measured: `${pct(share)} of ${http} req/s`, met: share >= wanted });
    }
    const { appMs, dbMs } = home.cpuPerRequest ?? {};
    if (dbMs !== undefined) goals.push({ goal: 'PostgreSQL CPU per home request <= 0.4 ms', measured: `${dbMs} ms`, met: dbMs <= 0.4 });
    if (appMs !== undefined && r.backend === 'postgres') goals.push({ goal: 'app CPU per home request <= 0.5 ms', measured: `${appMs} ms`, met: appMs <= 0.5 });
  }
  if (create) {
    const target = r.backend === 'cluster' ? 400 : 1000;
    goals.push({ goal: `status creation >= ${target.toLocaleString('en')}/s`, measured: `${create.saturation.throughput}/s`, met: create.saturation.throughput >= target });
  }
  const throughEdge = r.unloadedPosts?.find((u) => u.target === 'edge' && u.connection === 'keep-alive');
  if (throughEdge) goals.push({ goal: 'a post through the edge, unloaded, p50 <= 60 ms', measured: `${throughEdge.p50Ms} ms`, met: throughEdge.p50Ms <= 60 });
  if (r.mixed) {
    const p99 = r.mixed.outboxWaitP99UpToMs;
    goals.push({ goal: 'mixed run: feed outbox wait p99 <= 1 s', measured: p99 === null ? 'above the histogram\'s last bound' : `p99 within ${p99} ms${r.mixed.caughtUp ? '' : ' (had not caught up)'}`, met: p99 !== null && p99 <= 1000 && r.mixed.caughtUp });
  }
  if (r.appMemory) goals.push({ goal: 'app RSS <= 200 MB', measured: `peak ${r.appMemory.peakRssMb} MB`, met: r.appMemory.peakRssMb <= 200 });
  return goals;
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

export function writeJson(dir: string, r: BenchResult): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${r.backend}-${r.scale}${r.smoke ? '-smoke' : ''}.json`);
  writeFileSync(file, JSON.stringify(r, null, 2) + '\n');
  return file;
}

export function renderMarkdown(r: BenchResult, jsonFile: string): string {
  const http = r.ceilings.httpFixedBody;
  const sqlFor: Record<string, LoadResult | undefined> = { 'home timeline': r.ceilings.sqlHomeTimeline, 'status creation': r.ceilings.sqlStatusCreation };
  const lines: string[] = [];
  lines.push(`## ${r.backend}, ${r.scale} scale`, '');
  lines.push(`- Command: \`${r.command}\``);
  lines.push(`- Commit: \`${r.commit}\`, ${r.date}`);
  lines.push(`- Machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGb} GB; Node ${r.machine.node}; ${r.machine.database}; load average at start ${r.machine.loadAverage.join(' ')}`);
  if ('reused' in r.dataset) lines.push('- Dataset: reused from an earlier run');
  else {
    const d = r.dataset;
    lines.push(`- Dataset: ${d.accounts.toLocaleString('en')} accounts, ${d.statuses.toLocaleString('en')} statuses (${d.replies.toLocaleString('en')} replies, ${d.reblogs.toLocaleString('en')} reblogs), ` +
      `${d.follows.toLocaleString('en')} follows (mean ${d.meanFollows}, max followers ${d.maxFollowers.toLocaleString('en')}), ${d.mentions.toLocaleString('en')} mentions, ` +
      `${d.statusTags.toLocaleString('en')} hashtag uses, ${d.favourites.toLocaleString('en')} favourites; generated in ${d.seconds} s${d.cached ? ' (earlier; this run started from a cached copy)' : ''}`);
  }
  lines.push(`- Load: saturation = closed loop, ${r.connections} connections, ${r.seconds} s; 50% / 80% = open loop at that share of saturation, latency from the scheduled start (HDR histogram)`);
  lines.push(`- JSON: \`${jsonFile}\``, '');
  lines.push('| Endpoint | Saturation req/s | p50 / p99 at 50% (ms) | p50 / p99 at 80% (ms) | vs HTTP ceiling | vs DB ceiling | CPU ms per request, app / DB |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|');
  for (const e of r.endpoints) {
    const sql = sqlFor[e.name];
    lines.push(`| ${e.name} | ${e.saturation.throughput}${e.saturation.failures ? ` (${e.saturation.failures} failed)` : ''} | ` +
      `${e.at50.p50Ms} / ${e.at50.p99Ms} | ${e.at80.p50Ms} / ${e.at80.p99Ms} | ` +
      `${http ? pct(e.saturation.throughput / http.throughput) : '-'} | ${sql ? pct(e.saturation.throughput / sql.throughput) : '-'} | ` +
      `${e.cpuPerRequest?.appMs ?? '-'} / ${e.cpuPerRequest?.dbMs ?? '-'} |`);
  }
  lines.push('');
  lines.push('| Ceiling (same run, same concurrency) | req/s | p50 / p99 (ms) |', '|---|---:|---:|');
  if (http) lines.push(`| HTTP: Fastify returning a fixed 20-status home timeline body | ${http.throughput} | ${http.p50Ms} / ${http.p99Ms} |`);
  if (r.ceilings.sqlHomeTimeline) lines.push(`| DB: the home timeline's SQL replayed without HTTP | ${r.ceilings.sqlHomeTimeline.throughput} | ${r.ceilings.sqlHomeTimeline.p50Ms} / ${r.ceilings.sqlHomeTimeline.p99Ms} |`);
  if (r.ceilings.sqlStatusCreation) lines.push(`| DB: createStatus() called without HTTP | ${r.ceilings.sqlStatusCreation.throughput} | ${r.ceilings.sqlStatusCreation.p50Ms} / ${r.ceilings.sqlStatusCreation.p99Ms} |`);
  if (r.unloadedPosts?.length) {
    lines.push('', `Unloaded posts: one client, one post at a time (${r.unloadedPosts[0]!.posts} each, after the load above):`, '');
    lines.push('| Sent to | Connection | p50 / p90 / max (ms) |', '|---|---|---:|');
    for (const u of r.unloadedPosts) {
      const target = u.target === 'edge' ? 'the edge' : `${u.target} (${u.primaryDc ? "the primary's DC" : 'another DC'})`;
      lines.push(`| ${target} | ${u.connection === 'new' ? 'a new one per post' : 'kept alive'} | ${u.p50Ms} / ${u.p90Ms} / ${u.maxMs} |`);
    }
  }
  if (r.mixed) {
    const m = r.mixed;
    const upTo = (ms: number | null) => (ms === null ? 'beyond the last bucket' : `<= ${ms}`);
    lines.push('', `Mixed: every tenth request a post, the others home timeline reads, ${r.connections} connections at saturation for ${m.saturation.seconds} s (per kind from the app's /metrics):`, '');
    lines.push('| Home reads/s | Posts/s | p50 / p99 of all (ms) | Failed | Statuses fanned out | Outbox wait p50 / p99 (ms, histogram bucket) |', '|---:|---:|---:|---:|---:|---:|');
    lines.push(`| ${m.readsPerSecond} | ${m.postsPerSecond} | ${m.saturation.p50Ms} / ${m.saturation.p99Ms} | ${m.saturation.failures} | ${m.fannedOut}${m.caughtUp ? '' : ' (not caught up)'} | ${upTo(m.outboxWaitP50UpToMs)} / ${upTo(m.outboxWaitP99UpToMs)} |`);
  }
  if (r.steady) {
    const st = r.steady;
    lines.push('', `Steady state: an app server whose entity cache was filled first (${st.cacheMb} of its ${st.cacheBudgetMb} MB, by ${st.fillPages} pages of accounts' statuses in ${st.fillSeconds} s), then home timeline reads at saturation for ${st.home.seconds} s:`, '');
    lines.push("| Home reads/s | p50 / p99 (ms) | Statuses' content from the cache | App RSS after (MB) | Peak RSS (MB) |", '|---:|---:|---:|---:|---:|');
    lines.push(`| ${st.home.throughput}${st.home.failures ? ` (${st.home.failures} failed)` : ''} | ${st.home.p50Ms} / ${st.home.p99Ms} | ${st.homeStatusHitPercent}% | ${st.rssMb} | ${st.peakRssMb} |`);
  }
  lines.push('');
  lines.push('| Goal | Measured | Met |', '|---|---|---|');
  for (const g of r.goals) lines.push(`| ${g.goal} | ${g.measured} | ${g.met ? 'yes' : '**no**'} |`);
  if (r.profile) {
    lines.push('', `CPU profile of the app under this load (\`${r.profile.file}\`), top frames by self time:`, '');
    lines.push('| Self % | Frame |', '|---:|---|');
    for (const f of r.profile.top) lines.push(`| ${f.selfPercent} | \`${f.frame}\` |`);
  }
  for (const note of r.notes) lines.push('', note);
  return lines.join('\n');
}

const PREAMBLE = `# Benchmarks

Produced by \`npm run bench\` (see \`packages/ops/src/bench/\`). Each section is one backend and scale, rewritten in
place by the next run of the same command; the JSON beside it in \`bench-results/\` has every figure.
All numbers are from one shared 2-core machine: compare ratios within a section (endpoint against the
ceilings measured in the same run), not absolute numbers across sections.
`;

/** Replaces (or appends) the section for this backend and scale in BENCHMARKS.md. */
export function updateBenchmarksMd(file: string, r: BenchResult, section: string): void {
  updateMarkedSection(file, `bench:${r.backend}:${r.scale}`, section);
}

/** Replaces the block between `<!-- key -->` and `<!-- /key -->` in file (appends it the first time). */
export function updateMarkedSection(file: string, key: string, section: string): void {
  const start = `<!-- ${key} -->`;
  const end = `<!-- /${key} -->`;
  const block = `${start}\n${section}\n${end}`;
  let text = existsSync(file) ? readFileSync(file, 'utf8') : PREAMBLE;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i >= 0 && j > i) text = text.slice(0, i) + block + text.slice(j + end.length);
  else text = `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, text);
}
