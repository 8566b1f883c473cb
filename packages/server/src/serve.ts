// `firebreak serve`: one app server. It keeps trying to reach its database at start-up (in a
// cluster the primary may be mid-election), then listens, and shuts down cleanly on SIGTERM.
import { loadConfig } from './config.js';
import { buildApp } from './app.js';
import { closeContext, createContext, type AppContext } from './context.js';
import { trimHomeFeedsOnce } from './domain/home-feed.js';
import { deleteStaleMedia } from './domain/media.js';

const HOME_FEED_TRIM_INTERVAL_MS = 10 * 60_000;
const SLOW_SHUTDOWN_MS = 2000;

export async function main(_args: string[]): Promise<number> {
  const config = loadConfig();
  let ctx: AppContext | undefined;
  for (let attempt = 1; !ctx; attempt++) {
    try {
      ctx = await createContext(config);
    } catch (err) {
      if (!config.databaseUrl || attempt >= 120) throw err;
      process.stderr.write(`database not ready (${(err as Error).message}); retrying\n`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  const logger = ctx.logger;
  // A stray rejection is a bug to log, not a reason to drop every in-flight request of this server.
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
  const app = await buildApp(ctx);
  await app.listen({ port: config.port, host: config.host });
  // Home feeds grow with every status; cut them back now and then (one server at a time).
  const db = ctx.db;
  const context = ctx;
  const trimmer = setInterval(() => {
    trimHomeFeedsOnce(db).catch((err) => logger.warn({ err }, 'home feed trim failed'));
    // Uploads nobody posted within a day go, with their files.
    deleteStaleMedia(context).catch((err) => logger.warn({ err }, 'stale media cleanup failed'));
  }, HOME_FEED_TRIM_INTERVAL_MS);
  trimmer.unref();
  ctx.logger.info({ url: `http://${config.host}:${config.port}`, backend: ctx.db.kind, dataDir: config.databaseUrl ? undefined : config.dataDir }, 'firebreak serving');
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  ctx.logger.info('shutting down');
  clearInterval(trimmer);
  const started = performance.now();
  await app.close();
  const httpClosedMs = performance.now() - started;
  await closeContext(ctx);
  const totalMs = performance.now() - started;
  // A slow stop holds up a rolling restart: say which half was slow.
  logger[totalMs > SLOW_SHUTDOWN_MS ? 'warn' : 'info']({ event: 'shutdown', httpMs: Math.round(httpClosedMs), totalMs: Math.round(totalMs) }, 'shut down');
  return 0;
}
