// buildApp(ctx): the Fastify instance with every route, the auth hook and the one error boundary.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import compress from '@fastify/compress';
import cors from '@fastify/cors';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import { parse as parseQuery } from 'node:querystring';
import type { AppContext } from './context.js';
import { ApiError } from './errors.js';
import { registerAuth, type AuthRule } from './api/auth.js';
import health from './api/health.js';
import oauth from './api/oauth.js';
import media from './api/media.js';
import mediaAttachments from './api/v1/media-attachments.js';
import { startMediaJobs } from './media/jobs.js';
import apps from './api/v1/apps.js';
import accounts from './api/v1/accounts.js';
import instance from './api/v1/instance.js';
import notifications from './api/v1/notifications.js';
import conversations from './api/v1/conversations.js';
import statuses from './api/v1/statuses.js';
import timelines from './api/v1/timelines.js';
import search from './api/v2/search.js';
import groupedNotifications from './api/v2/notifications.js';
import streaming from './api/v1/streaming.js';
import followRequests from './api/v1/follow-requests.js';
import markers from './api/v1/markers.js';
import tags from './api/v1/tags.js';
import featuredTags from './api/v1/featured-tags.js';
import lists from './api/v1/lists.js';
import v1Filters from './api/v1/filters.js';
import filters from './api/v2/filters.js';
import emptyCollections from './api/v1/empty-collections.js';
import reports from './api/v1/reports.js';
import invites from './api/v1/invites.js';
import push from './api/v1/push.js';
import adminAccounts from './api/v1/admin/accounts.js';
import adminReports from './api/v1/admin/reports.js';
import adminBlocks from './api/v1/admin/blocks.js';
import adminMetrics from './api/v1/admin/metrics.js';
import adminInstance from './api/v1/admin/instance.js';
import { allowedPrivate, PushWorker } from './domain/push.js';
import { FeedOutboxWorker } from './domain/feed-outbox.js';
import web from './web/routes.js';
import { registerOverloadProtection } from './overload/index.js';

export interface RouteEntry { method: string; url: string; auth?: AuthRule }

/** Every route module, in one list: (app, ctx) => registers its routes. */
const routeModules = [health, oauth, media, mediaAttachments, apps, accounts, followRequests, instance, notifications, groupedNotifications, conversations, statuses, timelines,
  tags, featuredTags, lists, v1Filters, filters, markers, emptyCollections, search, streaming, reports, invites, push, adminAccounts, adminReports, adminBlocks, adminMetrics, adminInstance, web];

declare module 'fastify' {
  interface FastifyInstance { routeTable: RouteEntry[] }
}

/**
 * `types[]=a&types[]=b` and `types=a` both become arrays under the bare name, as Rails does for
 * Mastodon. Fields of a list of objects (`keywords_attributes[][keyword]=a&...`) keep every value, in
 * order, under their own name (params.ts's attributesList() puts the objects back together).
 */
export function parseQueryString(raw: string): Record<string, unknown> {
  const parsed = parseQuery(raw, '&', '=', { maxKeys: 100 });
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (key.endsWith('[]')) {
      const name = key.slice(0, -2);
      out[name] = [...(Array.isArray(out[name]) ? (out[name] as string[]) : []), ...(Array.isArray(value) ? value : [value ?? ''])];
    } else if (key.includes('[]')) out[key] = Array.isArray(value) ? value : [value ?? ''];
    else out[key] = Array.isArray(value) ? value[value.length - 1] : value;
  }
  return out;
}

export async function buildApp(ctx: AppContext): Promise<FastifyInstance> {
  const loggerInstance: FastifyBaseLogger = ctx.logger;
  const app = Fastify({
    loggerInstance,
    // Per-request lines would dominate the log under load; metrics carry that information.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: ctx.config.bodyLimitBytes,
    // X-Forwarded-For only from configured proxies (the edge sets it to the real source; see overload/haproxy.ts).
    trustProxy: ctx.config.trustProxy,
    routerOptions: { querystringParser: parseQueryString, maxParamLength: 200 },
    // Slow clients must not hold sockets forever (slowloris): headers within 10 s, the request within 30 s.
    requestTimeout: 30_000,
    connectionTimeout: 60_000,
    keepAliveTimeout: 10_000,
    http: { headersTimeout: 10_000, connectionsCheckingInterval: 2_000 },
  });

  app.setErrorHandler((error: unknown, request, reply) => {
    if (error instanceof ApiError) {
      if (error.retryAfterSeconds) reply.header('retry-after', String(error.retryAfterSeconds));
      return reply.code(error.statusCode).send({ error: error.message, ...error.extra });
    }
    const e = error as { statusCode?: number; code?: string; message?: string; validation?: unknown };
    if (e.validation) return reply.code(400).send({ error: e.message ?? 'Invalid request' });
    if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.code(413).send({ error: 'Request body is too large' });
    if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return reply.code(415).send({ error: 'Unsupported content type' });
    // Text the database cannot store (NUL, invalid encodings) that reached it by a path str() does not
    // guard: the client's input is at fault, so it is a 422, not a 500.
    if (e.code === '22021' || e.code === '22P05') return reply.code(422).send({ error: 'The request contains characters that cannot be stored' });
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
      return reply.code(e.statusCode).send({ error: e.statusCode === 400 ? `Invalid request: ${e.message}` : e.message ?? 'Invalid request' });
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.code(500).send({ error: 'Internal server error' });
  });
  // A browser asking for a page that does not exist gets the page's own "Page not found" (web/routes.ts).
  app.setNotFoundHandler((request, reply) => {
    if (app.hasDecorator('pageNotFound') && app.pageNotFound(request, reply)) return reply;
    return reply.code(404).send({ error: 'Not found' });
  });

  // An empty JSON body is no body: many Mastodon clients POST /favourite, /follow and the like with
  // `Content-Type: application/json` and nothing after it, which Mastodon accepts. Anything else
  // goes through Fastify's own parser (prototype-poisoning checks included).
  const json = app.getDefaultJsonParser('error', 'ignore');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (typeof body === 'string' && body.trim() === '') done(null, undefined);
    else json(request, body.toString(), done);
  });

  // Brotli or gzip for API answers (a home timeline of 20 posts: 38 KB as JSON, under 3 KB on the
  // wire). The page's own files arrive compressed already (web/routes.ts). WebSocket upgrades carry
  // no body, so the stream is untouched.
  await app.register(compress, { global: true, encodings: ['br', 'gzip'], threshold: 1024 });
  await app.register(cors, { origin: true, exposedHeaders: ['Link', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'Retry-After'], maxAge: 86400 });
  await app.register(formbody, { bodyLimit: ctx.config.bodyLimitBytes, parser: (body) => parseQueryString(body) });
  // Mastodon clients (masto.js, the official apps) send forms as multipart: fields only, no files,
  // except on the upload routes, whose config (multipartOptions) allows their files and sizes.
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fields: 100, fieldSize: ctx.config.bodyLimitBytes, files: 0, parts: 100, headerPairs: 100 },
  });

  app.addHook('onResponse', async (request, reply) => {
    ctx.metrics.httpDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000);
  });

  // The route table, so tests can check every route's auth and error behaviour rather than a sample.
  const routeTable: RouteEntry[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') routeTable.push({ method, url: route.url, auth: (route.config as { auth?: AuthRule } | undefined)?.auth });
    }
  });

  // Before auth and routes: its hooks must run first (shed before the token lookup) and see every route.
  await registerOverloadProtection(app, ctx);
  registerAuth(app, ctx);
  for (const register of routeModules) await register(app, ctx);
  // Media processing, below every request in the overload protection (media/jobs.ts). A server with
  // FIREBREAK_MEDIA_WORKERS=0 takes uploads and leaves their processing to the others.
  if (ctx.config.media.workers > 0) {
    const jobs = startMediaJobs(ctx, app.overload.admission);
    app.addHook('onClose', async () => { await jobs.stop(); });
  }
  // Fan-out to home and list feeds: this server drains the feed outbox with the others (domain/feed-outbox.ts).
  const feeds = new FeedOutboxWorker(ctx.db, ctx.events, {
    drained: (seconds) => ctx.metrics.feedOutboxWait.observe(seconds),
    failed: (err) => ctx.logger.warn({ err }, 'feed outbox: could not drain'),
  });
  feeds.start();
  app.addHook('onClose', async () => { await feeds.stop(); });
  if (ctx.config.pushDelivery) {
    // Web Push: this server drains the delivery queue with the others (domain/push.ts).
    const worker = new PushWorker(ctx, allowedPrivate(ctx.config.pushAllowedPrivate));
    worker.start();
    app.addHook('onClose', async () => { await worker.stop(); });
  }
  return app;
}
