// The database's ceiling: the work an endpoint does, minus HTTP, run straight against the database at
// the same concurrency as the HTTP load. For reads we record the exact SQL (text and parameters) that
// the endpoint's code issues for many users, then replay only that SQL; for status creation we call
// the domain function (its SQL depends on ids it allocates, so it cannot be replayed verbatim).
import * as hdr from 'hdr-histogram-js';
import type { Config } from '@firebreak/server/config.js';
import type { AppContext } from '@firebreak/server/context.js';
import type { Db, Row } from '@firebreak/server/db/index.js';
import { renderPage, renderStatuses } from '@firebreak/server/api/render.js';
import { EntityCache } from '@firebreak/server/domain/entity-cache.js';
import { AppEvents } from '@firebreak/server/domain/events.js';
import { newFilterCache } from '@firebreak/server/domain/filters.js';
import { drainFeedOutbox, FeedOutboxWorker } from '@firebreak/server/domain/feed-outbox.js';
import { createStatus } from '@firebreak/server/domain/statuses.js';
import { homeTimeline } from '@firebreak/server/domain/timelines.js';
import type { LoadResult } from './load.js';
import type { BenchUser } from './workloads.js';

/** Queries with the same `group` were in flight together (Promise.all) and are replayed together. */
type RecordedQuery = { sql: string; params: unknown[]; group: number };

/** The database `db` whose queries are also appended to `log` (transactions are not recorded). */
function recording(db: Db, log: RecordedQuery[]): Db {
  let inFlight = 0;
  let group = 0;
  const wrapper: Db = Object.create(db);
  wrapper.query = async <T extends Row>(sql: string, params: unknown[] = []) => {
    if (inFlight === 0) group++;
    log.push({ sql, params, group });
    inFlight++;
    try { return await db.query<T>(sql, params); } finally { inFlight--; }
  };
  return wrapper;
}

/** The minimal context the domain and render code reads: config, the database, the events and the caches. */
const contextFor = (config: Config, db: Db) =>
  ({ config, db, events: new AppEvents(), homeFeedsBuilding: new Set(), entityCache: new EntityCache(config.entityCacheBytes), filterCache: newFilterCache() }) as unknown as AppContext;

/**
 * The SQL of GET /api/v1/timelines/home?limit=20 (timeline, hydration) for each user, in the steady
 * state the HTTP runs measure: the page is rendered once before it is recorded, so the entity and
 * filter caches have what it needs and the statements that fill them are not replayed, and the
 * token comes from the app's token cache (a read), so its look-up is not replayed either.
 */
export async function recordHomeTimelineSql(db: Db, config: Config, users: BenchUser[]): Promise<RecordedQuery[][]> {
  const ctx = contextFor(config, db);
  const recorded: RecordedQuery[][] = [];
  for (const user of users) {
    const log: RecordedQuery[] = [];
    const q = recording(db, log);
    await renderPage(ctx, user.accountId, await homeTimeline(ctx, user.accountId, { limit: 20 }), 'home');
    const page = await homeTimeline({ ...ctx, db: q }, user.accountId, { limit: 20 });
    // A page the feed holds whole was hydrated by the statement that found it; any other is hydrated apart.
    if (!page.batch) await renderStatuses(ctx, user.accountId, page.rows, 'home', q);
    recorded.push(log);
  }
  return recorded;
}

export function replaySql(db: Db, recorded: RecordedQuery[][]): () => Promise<void> {
  let next = 0;
  return async () => {
    const queries = recorded[next++ % recorded.length]!;
    for (let i = 0; i < queries.length;) {
      const group = queries.filter((q) => q.group === queries[i]!.group);
      await Promise.all(group.map((q) => db.query(q.sql, q.params)));
      i += group.length;
    }
  };
}

/**
 * createStatus() for the sampled users in turn, with a feed outbox worker fanning the posts out as the
 * app server's does (so the ceiling includes that work); `finish` stops it and fans out what is left,
 * so that the next measurement does not inherit a backlog, and says how many were left.
 */
export function createStatusDirect(db: Db, config: Config, users: BenchUser[]): { post: () => Promise<void>; finish: () => Promise<number> } {
  const ctx = contextFor(config, db);
  let failure: unknown;
  const worker = new FeedOutboxWorker(db, ctx.events, { drained: () => {}, failed: (err) => { failure ??= err; } });
  worker.start();
  let n = 0;
  return {
    post: async () => {
      const k = n++;
      const user = users[k % users.length]!;
      await createStatus(ctx, user.accountId, statusInput(postText(k)));
    },
    finish: async () => {
      await worker.stop();
      if (failure) throw failure;
      let left = 0;
      for (let drained = await drainFeedOutbox(db, 1000); drained?.length; drained = await drainFeedOutbox(db, 1000)) left += drained.length;
      return left;
    },
  };
}

export const postText = (k: number) => `Benchmark post ${k} about #tag${1 + (k % 50)} for @user${1 + (k % 100)}`;

const statusInput = (text: string) => ({
  text, spoilerText: '', sensitive: false, visibility: 'public' as const, language: 'en',
  inReplyToId: null, quotedStatusId: null, idempotencyKey: null, appId: null,
});

/** Runs `op` from `concurrency` loops for `seconds`; throughput and latency like an HTTP run. */
export async function closedLoop(op: () => Promise<void>, concurrency: number, seconds: number): Promise<LoadResult> {
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
  const start = performance.now();
  const end = start + seconds * 1000;
  let ok = 0;
  let failures = 0;
  let firstError: unknown;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) {
      const t = performance.now();
      try {
        await op();
        ok++;
        histogram.recordValue(Math.max(1, Math.round((performance.now() - t) * 1000)));
      } catch (err) {
        failures++;
        firstError ??= err;
      }
    }
  }));
  if (firstError && ok === 0) throw firstError;
  const elapsed = (performance.now() - start) / 1000;
  const ms = (p: number) => Math.round(histogram.getValueAtPercentile(p) / 10) / 100;
  const result: LoadResult = {
    mode: 'saturation', targetRate: null, seconds: Math.round(elapsed * 10) / 10, throughput: Math.round(ok / elapsed),
    requests: ok + failures, failures, p50Ms: ms(50), p90Ms: ms(90), p99Ms: ms(99), maxMs: Math.round(histogram.maxValue / 10) / 100,
  };
  histogram.destroy();
  return result;
}
