// Health for the edge and the operators: /healthz (the process is alive), /readyz (it can serve),
// /metrics (Prometheus). None of them is shed, limited or challenged (the edge must see through a
// flood); none tells an outsider more than it must.
import { isIPv4 } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { notFound } from '../errors.js';
import { safeEqual } from '../domain/tokens.js';
import { bearerToken } from './auth.js';

/** The TCP peer is this machine (never X-Forwarded-For: a proxy's word is not proof of locality). */
function fromLoopback(request: FastifyRequest): boolean {
  const peer = request.socket.remoteAddress ?? '';
  const v4 = peer.startsWith('::ffff:') ? peer.slice(7) : peer;
  return peer === '::1' || (isIPv4(v4) && v4.startsWith('127.'));
}

export default async function health(app: FastifyInstance, ctx: AppContext) {
  app.get('/healthz', { config: { exempt: true } }, async () => ({ status: 'ok' }));
  // Ready means "can serve": the database answers (the primary, or a standby mid-failover) within
  // 700 ms, inside the edge's 1 s check timeout, so a slow answer reads as "down", never as a hang.
  // Why it cannot is the log's business, not the caller's: the database's error text stays here.
  app.get('/readyz', { config: { exempt: true } }, async (request, reply) => {
    try {
      await ctx.db.ping(700);
      return { status: 'ok' };
    } catch (err) {
      request.log.warn({ err }, 'not ready: the database did not answer');
      return reply.code(503).send({ error: 'The database is unreachable', status: 'unavailable' });
    }
  });
  // For the edge's write routing: 200 when this server's own DC holds the primary, so a write sent
  // here crosses the links between DCs once (the synchronous commit), not for every statement.
  app.get('/readyz/primary', { config: { exempt: true } }, async (request, reply) => {
    try {
      if (await ctx.db.primaryIsLocal(700)) return { status: 'ok', primary: 'local' };
      return reply.code(503).send({ error: 'The primary is in another data center', status: 'remote' });
    } catch (err) {
      request.log.warn({ err }, 'could not tell where the primary is');
      return reply.code(503).send({ error: 'The database is unreachable', status: 'unavailable' });
    }
  });
  // Metrics describe traffic and internals an attacker would like to read: with
  // FIREBREAK_METRICS_TOKEN set they need it as a bearer token (as Prometheus sends it); without, only
  // a scraper on this machine gets them. Anyone else is told there is nothing here.
  app.get('/metrics', { config: { exempt: true } }, async (request, reply) => {
    const token = ctx.config.metricsToken;
    const allowed = token ? safeEqual(bearerToken(request) ?? '', token) : fromLoopback(request);
    if (!allowed) throw notFound();
    reply.header('content-type', ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });
}
