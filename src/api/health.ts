import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';

export default async function health(app: FastifyInstance, ctx: AppContext) {
  app.get('/healthz', async () => ({ status: 'ok' }));
  // Ready means "can serve": the primary answers within a second. The edge health-checks this.
  app.get('/readyz', async (_request, reply) => {
    try {
      await ctx.db.ping(1000);
      return { status: 'ok' };
    } catch (err) {
      return reply.code(503).send({ error: 'database unreachable', status: 'unavailable', detail: (err as Error).message });
    }
  });
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });
}
