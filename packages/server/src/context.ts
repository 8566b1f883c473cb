// One AppContext built from config and passed explicitly; two apps can live in one process (tests do).
import pino, { type Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Config } from './config.js';
import { openDb, type Db } from './db/index.js';
import { migrate } from './db/migrate.js';
import { ENTITY_KINDS, EntityCache } from './domain/entity-cache.js';
import { AppEvents } from './domain/events.js';
import { EventRelay } from './domain/event-relay.js';
import { TokenCache } from './domain/token-cache.js';
import { newFilterCache, type FilterCache } from './domain/filters.js';
import { ActivityTracker } from './domain/admin-metrics.js';
import { LoginLimiter } from './domain/login-limiter.js';
import { ensureVapidKeys, type VapidKeys } from './domain/push.js';
import { deadlineStorage, guardWithDeadline } from './overload/deadline.js';
import { MediaProcessor } from './media/processor.js';
import { openMediaStore, type MediaStore } from './media/store.js';

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  dbRetries: Counter<'code'>;
  dbHedgedReads: Counter;
  rejected: Counter<'reason' | 'route'>;
  pushDeliveries: Counter<'outcome'>;
  feedOutboxWait: Histogram;
}

export interface AppContext {
  readonly config: Config;
  readonly db: Db;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly events: AppEvents;
  readonly loginLimiter: LoginLimiter;
  /** Feeds this server is building (viewers' home feeds by account id, lists' as `list:<id>`), so concurrent reads do not build one twice. */
  readonly homeFeedsBuilding: Set<string>;
  /** Where media files are kept, and the (niced, one-at-a-time) process that decodes them. */
  readonly media: { readonly store: MediaStore; readonly processor: MediaProcessor };
  /** The instance's Web Push key pair (made once, kept in the database: domain/push.ts). */
  readonly vapid: VapidKeys;
  /** Which accounts used the API today (admin measures and retention). */
  readonly activity: ActivityTracker;
  /** Shared events: this server's, and the other app servers' through PostgreSQL (domain/event-relay.ts). */
  readonly relay: EventRelay;
  /** Working tokens remembered for reads, evicted on revocation (domain/token-cache.ts). */
  readonly tokenCache: TokenCache;
  /** Accounts' active filters remembered for loading statuses, evicted when they change (domain/filters.ts). */
  readonly filterCache: FilterCache;
  /** Statuses' and accounts' content by version, so that pages do not load it again (domain/entity-cache.ts). */
  readonly entityCache: EntityCache;
}

function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'firebreak_http_request_duration_seconds', help: 'HTTP request duration by route',
      labelNames: ['method', 'route', 'status'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15], registers: [registry],
    }),
    dbHedgedReads: new Counter({ name: 'firebreak_db_hedged_reads_total', help: 'Reads also sent to a standby because the primary was slow or failing', registers: [registry] }),
    dbRetries: new Counter({ name: 'firebreak_db_retries_total', help: 'Database operations retried through a failover', labelNames: ['code'], registers: [registry] }),
    pushDeliveries: new Counter({ name: 'firebreak_push_deliveries_total', help: 'Web Push deliveries by outcome (delivered, retry, gone: the subscription was removed, dropped: nothing left to push or refused)', labelNames: ['outcome'], registers: [registry] }),
    feedOutboxWait: new Histogram({
      name: 'firebreak_feed_outbox_wait_seconds', help: "How long statuses waited in the feed outbox, from their transaction's start to their fan-out (domain/feed-outbox.ts)",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [registry],
    }),
    rejected: new Counter({ name: 'firebreak_requests_rejected_total', help: 'Requests rejected before doing work, by reason (rate_limited, shed, challenged) and route', labelNames: ['reason', 'route'], registers: [registry] }),
  };
}

export async function createContext(config: Config, options: { memoryDb?: boolean; logger?: Logger } = {}): Promise<AppContext> {
  const logger = options.logger ?? pino({
    level: config.logLevel,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.client_secret', '*.access_token', '*.refresh_token'], censor: '[redacted]' },
  });
  const metrics = createMetrics();
  const onRetry = (err: unknown) => {
    metrics.dbRetries.inc({ code: String((err as { code?: string }).code ?? 'unknown') });
    deadlineStorage.getStore()?.onDatabaseWait?.();
  };
  const onHedge = () => {
    metrics.dbHedgedReads.inc();
    deadlineStorage.getStore()?.onDatabaseWait?.();
  };
  // The failure detector's verdicts are logged (at warn, so production logs keep them): the drills
  // read them to show where a failover's time went.
  const onPrimaryLost = (reason: string) => logger.warn({ event: 'db.primary_lost', reason }, 'database: the primary stopped answering');
  const onPrimaryFound = (host: string) => logger.warn({ event: 'db.primary_found', host }, 'database: found the primary');
  // Every query checks the request's deadline before it starts (outside a request there is none).
  const db = guardWithDeadline(await openDb(config, { onRetry, onHedge, onPrimaryLost, onPrimaryFound }, options.memoryDb),
    (deadline) => metrics.rejected.inc({ reason: 'deadline', route: deadline.route }));
  const applied = await migrate(db);
  if (applied.length) logger.info({ applied }, 'migrations applied');
  const media = { store: await openMediaStore(config.media, db), processor: new MediaProcessor({ workers: config.media.workers, nice: config.media.nice, logger }) };
  const vapid = await ensureVapidKeys(db);
  const activity = new ActivityTracker(db, (err) => logger.warn({ err }, 'could not record account activity'));
  const events = new AppEvents();
  const relay = new EventRelay(db, events, logger);
  const tokenCache = new TokenCache();
  const filterCache = newFilterCache();
  relay.subscribe({
    onEvent: (message) => {
      if (message.event === 'tokens.revoked') tokenCache.evict(message.data.tokenIds);
      else if (message.event === 'filters.changed') filterCache.evict([message.data.accountId]);
    },
    onResubscribed: () => { tokenCache.clear(); filterCache.clear(); },
  });
  await relay.start();
  lookupGauge(metrics.registry, 'firebreak_token_cache_lookups', 'Token look-ups for reads', tokenCache);
  lookupGauge(metrics.registry, 'firebreak_filter_cache_lookups', "Look-ups of a reader's filters", filterCache);
  const entityCache = new EntityCache(config.entityCacheBytes);
  new Gauge({
    name: 'firebreak_entity_cache_lookups', help: 'Entity cache look-ups since start, by kind (status, account) and whether memory answered (hit) or the database (miss: absent, or at another version)',
    labelNames: ['kind', 'outcome'], registers: [metrics.registry],
    collect() { for (const kind of ENTITY_KINDS) { this.set({ kind, outcome: 'hit' }, entityCache.hits[kind]); this.set({ kind, outcome: 'miss' }, entityCache.misses[kind]); } },
  });
  new Gauge({ name: 'firebreak_entity_cache_bytes', help: 'Approximate bytes the entity cache holds', registers: [metrics.registry], collect() { this.set(entityCache.bytes); } });
  return { config, db, logger, metrics, events, loginLimiter: new LoginLimiter(), homeFeedsBuilding: new Set(), media, vapid, activity, relay, tokenCache, filterCache, entityCache };
}

/** A cache's hits and misses since start, read at scrape time. */
function lookupGauge(registry: Registry, name: string, what: string, cache: { hits: number; misses: number }): void {
  new Gauge({
    name, help: `${what} since start, by whether memory answered (hit) or the database (miss)`, labelNames: ['outcome'], registers: [registry],
    collect() { this.set({ outcome: 'hit' }, cache.hits); this.set({ outcome: 'miss' }, cache.misses); },
  });
}

export async function closeContext(ctx: AppContext): Promise<void> {
  await ctx.relay.stop();
  ctx.events.removeAllListeners();
  ctx.media.processor.close();
  await ctx.db.close();
}
