// The mixed run (issue 15): home timeline reads and posts, nine to one, on the same connections at
// saturation, against an app server this bench started. autocannon counts answers, not which route
// gave them, so each kind's throughput comes from the app's own /metrics (its request histogram),
// and so does how long the posts waited in the feed outbox before their fan-out (domain/feed-outbox.ts).
import { saturate, type LoadResult, type Workload } from './load.js';

export const MIXED_WORKLOAD = 'mixed: 90% home reads, 10% posts';

export interface MixedResult {
  saturation: LoadResult;
  readsPerSecond: number;
  postsPerSecond: number;
  /** Posts acknowledged during the run (2xx). */
  posts: number;
  /** Statuses fanned out during the run and after it, until the outbox had caught up with the posts. */
  fannedOut: number;
  /** The outbox wait's p50 and p99, as the upper bound of the app's histogram bucket that holds them (ms); null past the last bucket. */
  outboxWaitP50UpToMs: number | null;
  outboxWaitP99UpToMs: number | null;
  /** Whether the outbox caught up with every post within the wait after the run. */
  caughtUp: boolean;
}

const HOME_ROUTE = '/api/v1/timelines/home';
const POST_ROUTE = '/api/v1/statuses';
const WAIT_METRIC = 'firebreak_feed_outbox_wait_seconds';
const CATCH_UP_MS = 30_000;

/** Every tenth request a post, the others home timeline reads, from the given single-kind workloads. */
export function mixedWorkload(home: Workload, post: Workload): Workload {
  let i = 0;
  return { name: MIXED_WORKLOAD, next: () => (i++ % 10 === 9 ? post.next() : home.next()) };
}

export interface MetricSample { name: string; labels: Record<string, string>; value: number }

/** The samples of a Prometheus text exposition: name, labels and value of each line. */
export function parseExposition(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

/** An app server's /metrics, parsed; a failed request or a non-2xx answer throws. */
export async function scrapeMetrics(baseUrl: string): Promise<MetricSample[]> {
  const res = await fetch(`${baseUrl}/metrics`);
  if (!res.ok) throw new Error(`${baseUrl}/metrics answered ${res.status}`);
  return parseExposition(await res.text());
}

interface Counts { reads: number; posts: number; waitBuckets: Map<number, number>; waited: number }

async function scrape(baseUrl: string): Promise<Counts> {
  const c: Counts = { reads: 0, posts: 0, waitBuckets: new Map(), waited: 0 };
  for (const s of await scrapeMetrics(baseUrl)) {
    if (s.name === 'firebreak_http_request_duration_seconds_count' && s.labels.status?.startsWith('2')) {
      if (s.labels.method === 'GET' && s.labels.route === HOME_ROUTE) c.reads += s.value;
      if (s.labels.method === 'POST' && s.labels.route === POST_ROUTE) c.posts += s.value;
    } else if (s.name === `${WAIT_METRIC}_bucket`) {
      c.waitBuckets.set(s.labels.le === '+Inf' ? Infinity : Number(s.labels.le), s.value);
    } else if (s.name === `${WAIT_METRIC}_count`) c.waited = s.value;
  }
  return c;
}

/** The upper bound (ms) of the first bucket holding quantile `q` of the observations between two scrapes; null past the last finite bound. */
export function bucketQuantileMs(before: Map<number, number>, after: Map<number, number>, q: number): number | null {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  if (total <= 0) return null;
  for (const le of bounds) {
    if ((after.get(le) ?? 0) - (before.get(le) ?? 0) >= q * total) return Number.isFinite(le) ? le * 1000 : null;
  }
  return null;
}

export async function measureMixed(baseUrl: string, workload: Workload, connections: number, seconds: number): Promise<MixedResult> {
  await saturate(baseUrl, workload, connections, Math.min(2, seconds));
  await settle(baseUrl);
  const before = await scrape(baseUrl);
  const saturation = await saturate(baseUrl, workload, connections, seconds);
  const during = await scrape(baseUrl);
  const posts = during.posts - before.posts;
  // The posts of the run are fanned out during it and just after: wait until as many were.
  const after = await settle(baseUrl, before.waited + posts);
  return {
    saturation,
    readsPerSecond: Math.round((during.reads - before.reads) / saturation.seconds),
    postsPerSecond: Math.round(posts / saturation.seconds),
    posts,
    fannedOut: after.waited - before.waited,
    outboxWaitP50UpToMs: bucketQuantileMs(before.waitBuckets, after.waitBuckets, 0.5),
    outboxWaitP99UpToMs: bucketQuantileMs(before.waitBuckets, after.waitBuckets, 0.99),
    caughtUp: after.waited >= before.waited + posts,
  };
}

/** Scrapes until the outbox has fanned out `waited` statuses in all (or stops changing, when none is given), for at most CATCH_UP_MS. */
async function settle(baseUrl: string, waited?: number): Promise<Counts> {
  const until = Date.now() + CATCH_UP_MS;
  let last = await scrape(baseUrl);
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    const now = await scrape(baseUrl);
    const done = waited === undefined ? now.waited === last.waited : now.waited >= waited;
    last = now;
    if (done || Date.now() > until) return now;
  }
}
