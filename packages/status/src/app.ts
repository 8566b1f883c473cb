// Builds one status service from a config and a clock: its own store, the engine, webhooks and the
// HTTP server. Two can live in one process (tests do it); nothing here reads the environment.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { systemClock, type Clock } from './clock.js';
import type { StatusConfig } from './config.js';
import { DEFAULT_DETECTOR, type DetectorSettings } from './detector.js';
import { StatusEngine } from './engine.js';
import { buildServer } from './server.js';
import { incidentJson, statusJson } from './statuspage-json.js';
import { StatusStore } from './store.js';
import { WebhookSender } from './webhooks.js';

export interface StatusApp {
  config: StatusConfig;
  server: FastifyInstance;
  engine: StatusEngine;
  store: StatusStore;
  webhooks: WebhookSender;
  /** Starts probing, evaluating and delivering webhooks on real timers. */
  start(): void;
  close(): Promise<void>;
}

export interface BuildOptions {
  clock?: Clock;
  logger?: Logger;
  detector?: DetectorSettings;
}

export async function buildStatusApp(config: StatusConfig, options: BuildOptions = {}): Promise<StatusApp> {
  const clock = options.clock ?? systemClock;
  const log = options.logger ?? pino({ level: config.logLevel, name: 'firebreak-status' });
  const store = await StatusStore.open(config.storage);
  const salt = config.reporterSalt ?? await store.metaValue('reporter_salt', () => randomBytes(32).toString('base64url'));
  const webhooks = new WebhookSender(config, store, clock, log);
  const engine: StatusEngine = new StatusEngine(config, store, clock, log, async (event, incident) => {
    const status = statusJson(engine.componentViews(), engine.overall());
    await webhooks.enqueue(event, {
      page: { id: 'firebreak', name: config.pageName, url: config.publicUrl, status_indicator: status.indicator, status_description: status.description },
      incident: incidentJson(incident, config.publicUrl),
    });
  }, options.detector ?? DEFAULT_DETECTOR);
  await engine.init();
  const server = await buildServer({ config, store, engine, clock, log, salt, startedAt: new Date(clock.now()) });
  await server.ready();

  let closed = false;
  return {
    config, server, engine, store, webhooks,
    start() {
      engine.start([{ intervalMs: 1000, run: async () => { await webhooks.deliverDue(); } }]);
    },
    async close() {
      if (closed) return;
      closed = true;
      await engine.stop();
      await server.close();
      await store.close();
    },
  };
}
