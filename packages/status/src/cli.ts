#!/usr/bin/env node
// `firebreak status` (`firebreak-status`) [--port N] [--host H] [--target name=url ...] [--webhook url ...]`
import { buildStatusApp } from './app.js';
import { ConfigError, loadStatusConfig } from './config.js';

export async function main(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`usage: firebreak status [--port N] [--host H] [--target name=url ...] [--webhook url ...]
  targets also from FIREBREAK_STATUS_TARGETS="edge=http://...,dc1=http://..."
  storage: \${FIREBREAK_DATA_DIR:-./data}/status (its own PGlite database)
  env: FIREBREAK_STATUS_ADMIN_TOKEN, FIREBREAK_STATUS_PROBE_TOKEN, FIREBREAK_STATUS_PROBE_INTERVAL_MS (2000),
       FIREBREAK_STATUS_PROBE_TIMEOUT_MS (1500), FIREBREAK_STATUS_FAILURES_TO_DOWN (2), FIREBREAK_STATUS_WEBHOOKS,
       FIREBREAK_STATUS_WEBHOOK_SECRET, FIREBREAK_STATUS_PUBLIC_URL, FIREBREAK_STATUS_RESOLVE_AFTER_MS (15000)
`);
    return 0;
  }
  let config;
  try {
    config = loadStatusConfig(args, process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`firebreak status: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const app = await buildStatusApp(config);
  await app.server.listen({ port: config.port, host: config.host });
  app.start();
  const address = app.server.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  process.stderr.write(`firebreak status: http://${config.host}:${port}/ watching ${config.targets.map((t) => `${t.name}=${t.url}`).join(' ') || 'no targets'}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await app.close();
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (err) => { process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`); process.exitCode = 1; },
  );
}
