// The app server's memory as an operator sees it after a while (issue 15). The other runs are 5 to 10 s
// per endpoint against a fresh server, and never fill its entity cache (2 to 18 MB of the default 64):
// this one first reads accounts' statuses, page after page, until the cache holds its budget, then
// loads the home timeline at saturation, and the bench logs the server's memory as for the others.
import { scrapeMetrics } from './mixed.js';
import { saturate, type LoadResult, type Workload } from './load.js';

export const STEADY_WORKLOAD = 'steady: home reads, entity cache full';

export interface SteadyMemoryResult {
  /** What the entity cache held once filled, and its budget (MB, as the cache counts: JSON bytes). */
  cacheMb: number;
  cacheBudgetMb: number;
  /** Pages of statuses read to fill it (a page the server shed and was asked for again counts once). */
  fillPages: number;
  fillSeconds: number;
  home: LoadResult;
  /** Of the home reads' look-ups of statuses' content in the entity cache, the share answered from memory (%). */
  homeStatusHitPercent: number;
}

const FILL_CONNECTIONS = 16;
const PAGE = 40;
/** Pages of one account's statuses at most: deeper pages of a few prolific accounts fill nothing new for long. */
const PAGES_PER_ACCOUNT = 10;

/** The entity cache's look-ups of statuses' content since the server started: answered from memory, and not. */
export async function statusLookups(baseUrl: string): Promise<{ hits: number; misses: number }> {
  const samples = (await scrapeMetrics(baseUrl)).filter((s) => s.name === 'firebreak_entity_cache_lookups' && s.labels.kind === 'status');
  const count = (outcome: string) => samples.find((s) => s.labels.outcome === outcome)?.value;
  const [hits, misses] = [count('hit'), count('miss')];
  if (hits === undefined || misses === undefined) throw new Error(`${baseUrl}/metrics has no firebreak_entity_cache_lookups for statuses`);
  return { hits, misses };
}

async function cacheBytes(baseUrl: string): Promise<number> {
  const gauge = (await scrapeMetrics(baseUrl)).find((s) => s.name === 'firebreak_entity_cache_bytes');
  if (!gauge) throw new Error(`${baseUrl}/metrics has no firebreak_entity_cache_bytes`);
  return gauge.value;
}

/**
 * Pages through the statuses of `accountIds` until the entity cache holds `budgetBytes` (less a
 * twentieth: least recently used entries leave as new ones come), `maxRequests` have been made, or
 * the accounts run out. The cache's size is read from the app's /metrics every `checkEvery` pages;
 * `requests` counts the tries, `pages` those answered.
 */
export async function fillEntityCache(baseUrl: string, accountIds: string[], token: string, budgetBytes: number, maxRequests: number,
  checkEvery = 20): Promise<{ bytes: number; requests: number; pages: number; seconds: number }> {
  const started = performance.now();
  const target = budgetBytes * 0.95;
  let next = 0;
  let requests = 0;
  let pages = 0;
  let bytes = 0;
  let full = false;
  const worker = async () => {
    while (!full && requests < maxRequests && next < accountIds.length) {
      const accountId = accountIds[next++]!;
      let maxId = '';
      let pagesOfAccount = 0;
      while (pagesOfAccount < PAGES_PER_ACCOUNT && !full && requests < maxRequests) {
        requests++;
        const res = await fetch(`${baseUrl}/api/v1/accounts/${accountId}/statuses?limit=${PAGE}${maxId && `&max_id=${maxId}`}`,
          { headers: { authorization: `Bearer ${token}` } });
        // A server that sheds load (503) is asked again after a pause; each try counts towards the bound.
        if (res.status === 503) {
          await res.arrayBuffer();
          await new Promise((resolve) => setTimeout(resolve, 100));
          continue;
        }
        if (!res.ok) throw new Error(`filling the entity cache: ${res.status} ${await res.text()}`);
        const statuses = (await res.json()) as Array<{ id: string }>;
        pagesOfAccount++;
        if (++pages % checkEvery === 0) full = (bytes = await cacheBytes(baseUrl)) >= target;
        if (statuses.length < PAGE) break;
        maxId = statuses[statuses.length - 1]!.id;
      }
    }
  };
  await Promise.all(Array.from({ length: FILL_CONNECTIONS }, worker));
  bytes = await cacheBytes(baseUrl);
  return { bytes, requests, pages, seconds: (performance.now() - started) / 1000 };
}

export async function measureSteadyMemory(baseUrl: string, options: { accountIds: string[]; token: string; budgetBytes: number; maxFillRequests: number; home: Workload; connections: number; seconds: number },
  log: (line: string) => void): Promise<SteadyMemoryResult> {
  const fill = await fillEntityCache(baseUrl, options.accountIds, options.token, options.budgetBytes, options.maxFillRequests);
  const mb = (b: number) => Math.round((b / 1048576) * 10) / 10;
  log(`  entity cache ${mb(fill.bytes)} of ${mb(options.budgetBytes)} MB after ${fill.pages} account pages in ${fill.seconds.toFixed(1)} s; home timeline at saturation`);
  const before = await statusLookups(baseUrl);
  const home = await saturate(baseUrl, options.home, options.connections, options.seconds);
  const after = await statusLookups(baseUrl);
  const [hits, lookups] = [after.hits - before.hits, after.hits + after.misses - before.hits - before.misses];
  const homeStatusHitPercent = lookups > 0 ? Math.round((hits / lookups) * 1000) / 10 : 0;
  return { cacheMb: mb(fill.bytes), cacheBudgetMb: mb(options.budgetBytes), fillPages: fill.pages, fillSeconds: Math.round(fill.seconds * 10) / 10, home, homeStatusHitPercent };
}
