// HTTP boundary of the status service: security headers, rate limits, and the one place where typed
// errors (and Fastify's own client errors) become HTTP answers. Bad input is a 4xx with
// {"error": "..."}; only our own bugs become a 500. The routes are in routes/, one module per
// resource, each registering its routes given the app and the service's context.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import type { StatusContext } from './context.js';
import { StatusError } from './errors.js';
import admin from './routes/admin.js';
import health from './routes/health.js';
import page from './routes/page.js';
import reports from './routes/reports.js';
import statuspage from './routes/statuspage.js';

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** Every route module: (app, ctx) => registers its routes. */
const routes: Array<(app: FastifyInstance, ctx: StatusContext) => Promise<void>> = [reports, page, health, statuspage, admin];

export async function buildServer(ctx: StatusContext): Promise<FastifyInstance> {
  const { config } = ctx;
  const app = Fastify({
    loggerInstance: ctx.log as FastifyBaseLogger,
    trustProxy: config.trustProxy,
    bodyLimit: 16 * 1024,
    connectionTimeout: 15_000,
    requestTimeout: 15_000,
    keepAliveTimeout: 5_000,
    routerOptions: { maxParamLength: 100 },
    logController: new LogController({ disableRequestLogging: true }),
  });

  await app.register(formbody, { bodyLimit: 16 * 1024 });
  await app.register(cookie);
  // Awaited: the plugin hooks routes as they are added, so it must be loaded before them.
  await app.register(rateLimit, {
    global: true,
    max: 600,
    timeWindow: 60_000,
    cache: 10_000,
    errorResponseBuilder: (_req, limit) => new StatusError(429, 'rate_limited', `too many requests; try again in ${limit.after}`),
  });

  app.setErrorHandler((err: Error & { statusCode?: number }, request, reply) => {
    if (err instanceof StatusError) return reply.code(err.statusCode).send({ error: err.message });
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) {
      request.log.error({ err }, 'status service error');
      return reply.code(500).send({ error: 'internal error' });
    }
    return reply.code(status).send({ error: err.message });
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: 'not found' }));

  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('content-security-policy', CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    if (request.url.startsWith('/api/v2/')) reply.header('access-control-allow-origin', '*');
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-cache');
    return payload;
  });

  for (const register of routes) await register(app, ctx);
  return app;
}
