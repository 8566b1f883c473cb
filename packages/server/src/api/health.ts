import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';

export default async function health(app: FastifyInstance, ctx: AppContext) {
  app.get('/healthz', { config: { exempt: true } }, async () => ({ status: 'ok' }));
  // Ready means "can serve": the database answers (the primary, or a standby mid-failover) within
  // 700 ms, inside the edge's 1 s check timeout, so a slow answer reads as "down", never as a hang.
  app.get('/readyz', { config: { exempt: true } }, async (_request, reply) => {
    try {
      await ctx.db.ping(700);
      return { status: 'ok' };
    } catch (err) {
      return reply.code(503).send({ error: 'database unreachable', status: 'unavailable', detail: (err as Error).message });
    }
  });
  app.get('/metrics', { config: { exempt: true } }, async (_request, reply) => {
    reply.header('content-type', ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });
}
