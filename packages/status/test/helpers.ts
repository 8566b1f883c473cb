// Test doubles of the *watched* service (tiny Fastify servers that are ready, failing or hanging)
// and a config for a real status app on in-memory PGlite.
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildStatusApp, type BuildOptions, type StatusApp } from '@firebreak/status/app.js';
import { loadStatusConfig, type StatusConfig } from '@firebreak/status/config.js';

export type TargetMode = 'ok' | 'not-ready' | 'read-fails' | 'hang' | 'slow';

export interface FakeTarget {
  url: string;
  mode: TargetMode;
  requests: number;
  /** Synthetic posts created and not yet deleted. */
  undeleted: number;
  /** How long a post takes to be answered (a write replicated across DCs); posts answered so far. */
  postDelayMs: number;
  postsAnswered: number;
  close(): Promise<void>;
}

export async function fakeTarget(initial: TargetMode = 'ok'): Promise<FakeTarget> {
  const app: FastifyInstance = Fastify();
  const state = { mode: initial, requests: 0, postDelayMs: 0, postsAnswered: 0 };
  const hang = () => new Promise<never>(() => {});
  app.addHook('onRequest', async () => { state.requests++; });
  app.get('/readyz', async (_req, reply) => {
    if (state.mode === 'hang') return hang();
    if (state.mode === 'slow') await new Promise((r) => setTimeout(r, 300));
    if (state.mode === 'not-ready') return reply.code(503).send({ status: 'unavailable' });
    return { status: 'ok' };
  });
  app.get('/api/v1/timelines/public', async (_req, reply) => {
    if (state.mode === 'hang') return hang();
    if (state.mode === 'not-ready' || state.mode === 'read-fails') return reply.code(500).send({ error: 'db' });
    return [];
  });
  app.get('/api/v1/timelines/home', async (req, reply) => {
    if (req.headers.authorization !== 'Bearer probe-token') return reply.code(401).send({ error: 'The access token is invalid' });
    if (state.mode === 'hang') return hang();
    if (state.mode === 'not-ready' || state.mode === 'read-fails') return reply.code(500).send({ error: 'db' });
    return [];
  });
  // The probe account's synthetic post: answer like Mastodon, remember what is still not deleted.
  const posted = new Set<string>();
  app.post('/api/v1/statuses', async (req, reply) => {
    if (req.headers.authorization !== 'Bearer probe-token') return reply.code(401).send({ error: 'The access token is invalid' });
    if (!req.headers['idempotency-key']) return reply.code(400).send({ error: 'no Idempotency-Key' });
    if (state.mode !== 'ok') return reply.code(503).send({ error: 'unavailable' });
    if (state.postDelayMs) await new Promise((r) => setTimeout(r, state.postDelayMs));
    state.postsAnswered++;
    const id = String(posted.size + 1);
    posted.add(id);
    return { id, visibility: (req.body as { visibility?: string }).visibility };
  });
  app.delete('/api/v1/statuses/:id', async (req, reply) => {
    const id = (req.params as { id: string }).id;
    if (!posted.delete(id)) return reply.code(404).send({ error: 'Record not found' });
    return { id };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    get mode() { return state.mode; },
    set mode(m: TargetMode) { state.mode = m; },
    get requests() { return state.requests; },
    get undeleted() { return posted.size; },
    get postDelayMs() { return state.postDelayMs; },
    set postDelayMs(ms: number) { state.postDelayMs = ms; },
    get postsAnswered() { return state.postsAnswered; },
    async close() {
      app.server.closeAllConnections();
      await app.close();
    },
  };
}

export function testConfig(overrides: Partial<StatusConfig> = {}, args: string[] = []): StatusConfig {
  return loadStatusConfig(args, {}, { storage: 'memory://', port: 0, logLevel: 'silent', publicUrl: 'http://status.test', ...overrides });
}

export async function testApp(overrides: Partial<StatusConfig> = {}, options: BuildOptions = {}): Promise<StatusApp> {
  return buildStatusApp(testConfig(overrides), { logger: pino({ level: 'silent' }), ...options });
}
