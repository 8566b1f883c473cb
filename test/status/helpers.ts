// Test doubles of the *watched* service (tiny Fastify servers that are ready, failing or hanging)
// and a config for a real status app on in-memory PGlite.
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildStatusApp, type BuildOptions, type StatusApp } from '../../src/status/app.js';
import { loadStatusConfig, type StatusConfig } from '../../src/status/config.js';

export type TargetMode = 'ok' | 'not-ready' | 'read-fails' | 'hang' | 'slow';

export interface FakeTarget {
  url: string;
  mode: TargetMode;
  requests: number;
  close(): Promise<void>;
}

export async function fakeTarget(initial: TargetMode = 'ok'): Promise<FakeTarget> {
  const app: FastifyInstance = Fastify();
  const state = { mode: initial, requests: 0 };
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
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    get mode() { return state.mode; },
    set mode(m: TargetMode) { state.mode = m; },
    get requests() { return state.requests; },
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
