// The service the flood drill defends, started in its namespaces and stopped afterwards: a throwaway
// PostgreSQL 15 and one app server in fbf-srv, HAProxy in fbf-edge with the configuration the
// cluster's edge uses (../cluster/haproxy.ts), and a dataset: the benchmark's generated network
// (accounts with tokens, follows, posts) plus one account with a real password for the brute force.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '@firebreak/server/config.js';
import { openDb } from '@firebreak/server/db/index.js';
import { migrate } from '@firebreak/server/db/migrate.js';
import { findByUsername, registerAccount } from '@firebreak/server/domain/accounts.js';
import { createApp } from '@firebreak/server/domain/tokens.js';
import { OWASP_ARGON2ID } from '@firebreak/server/domain/passwords.js';
import { generateDataset, generatedAccountCount, type Scale } from '@firebreak/testkit/dataset.js';
import { loadSamples } from '../bench/workloads.js';
import { startServer, type ServerProcess } from '../bench/processes.js';
import { serverCli } from '../entry-points.js';
import { edgeConfig } from '../cluster/haproxy.js';
import { applyEdgeFirewall } from '../edge/firewall.js';
import { namespacePids } from '../cluster/netns.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from '@firebreak/testkit/postgres-server.js';
import { floodNet, FLOOD_HOST_IP } from './flood-net.js';
import type { LegitUser } from './flood-clients.js';
import type { Observed, ServerPids } from './flood-stats.js';

export const APP_PORT = 3000;
export const EDGE_PORT = 8080;
const EDGE_IP = floodNet.edge.ips[0]!;
const SERVER_IP = floodNet.server.ips[0]!;

/** The account the brute force guesses at, and its owner's real password. */
export const VICTIM = { username: 'victim', email: 'victim@flood.invalid', password: 'the owner knows this one' };

export interface Dataset {
  users: LegitUser[];
  /** Paths that cost the server real work: full-text search, pages far back in timelines. */
  expensivePaths: string[];
  /** OAuth client for password logins (the owner's app; the attacker uses the same public client). */
  client: { client_id: string; client_secret: string };
  statuses: number;
}

/** What the drill defends: where to send requests, where to read counters, and how to let go of it. */
export interface Stack extends Observed {
  edgeUrl: string;
  dataset: Dataset;
  /** One line for the report: what served the requests. */
  service: string;
  stop(): Promise<void>;
}

/**
 * The benchmark's generated network plus the brute force's victim. A database that already holds a
 * generated network (a cluster the drill ran against before) keeps it.
 */
export async function seed(databaseUrl: string, scale: Scale, publicUrl: string, log: (l: string) => void): Promise<Dataset> {
  const db = await openDb(loadConfig({}, { databaseUrl, logLevel: 'silent' }), {});
  try {
    await migrate(db);
    const generated = await generatedAccountCount(db);
    if (generated > 0) log(`the database already holds a generated network (${generated} accounts): using it`);
    else await generateDataset(db, scale, publicUrl, log);
    const [{ statuses }] = await db.query<{ statuses: number }>(`select count(*)::int as statuses from statuses`) as [{ statuses: number }];
    const samples = await loadSamples(db, 1000);
    if (!(await findByUsername(db, VICTIM.username))) await registerAccount(db, { ...VICTIM, agreement: true }, OWASP_ARGON2ID);
    const { app, clientSecret } = await createApp(db, { name: 'flood drill', website: null, redirectUris: ['urn:ietf:wg:oauth:2.0:oob'], scopes: ['read', 'write'] });
    // Far-back pages: ids near the oldest posts, so each page walks past most of the table.
    const deep = await db.query<{ id: string }>(`select id::text as id from statuses order by id limit 20 offset 200`);
    const accounts = samples.accountIds.slice(0, 20);
    const expensivePaths = [
      ...samples.searchTerms.slice(0, 40).map((q) => `/api/v2/search?type=statuses&limit=40&q=${encodeURIComponent(q)}`),
      ...deep.map((d) => `/api/v1/timelines/public?limit=40&max_id=${d.id}`),
      ...accounts.map((a, i) => `/api/v1/accounts/${a}/statuses?limit=40&max_id=${deep[i % deep.length]!.id}`),
      ...samples.tags.slice(0, 20).map((t, i) => `/api/v1/timelines/tag/${encodeURIComponent(t)}?limit=40&max_id=${deep[i % deep.length]!.id}`),
    ];
    return { users: samples.users.map((u) => ({ token: u.token })), expensivePaths, client: { client_id: app.client_id, client_secret: clientSecret }, statuses };
  } finally {
    await db.close();
  }
}

async function startHaproxy(dir: string, statsSocket: string): Promise<{ child: ChildProcess; pid: number }> {
  const config = join(dir, 'haproxy.cfg');
  writeFileSync(config, edgeConfig({
    ip: EDGE_IP, port: EDGE_PORT, statsSocket, servers: [{ name: 'app1', ip: SERVER_IP, port: APP_PORT }], generatedBy: '`firebreak drill flood`',
  }));
  const guard = applyEdgeFirewall(floodNet.edge.ns, EDGE_PORT);
  if (!guard.applied) throw new Error(`edge: ${guard.detail}`);
  const log = openSync(join(dir, 'haproxy.log'), 'a');
  const child = spawn('ip', ['netns', 'exec', floodNet.edge.ns, 'haproxy', '-db', '-f', config], { stdio: ['ignore', log, log] });
  closeSync(log);
  const edgeUrl = `http://${EDGE_IP}:${EDGE_PORT}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`haproxy exited (${child.exitCode}): ${readFileSync(join(dir, 'haproxy.log'), 'utf8').slice(-2000)}`);
    // The edge marks the app up after two good health checks.
    const ok = await fetch(`${edgeUrl}/readyz`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
    if (ok) break;
    if (i > 100) throw new Error('the edge did not pass requests to the app within 20 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, pid: child.pid! };
}

/** Where the edge's configuration and log and the app's log stay after a run (the last run only). */
export const FLOOD_LOG_DIR = resolve('run', 'flood');

export async function startStack(scale: Scale, log: (l: string) => void): Promise<Stack> {
  const dir = FLOOD_LOG_DIR;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const cleanups: Array<() => Promise<void> | void> = [() => rmSync(join(dir, 'haproxy.sock'), { force: true })];
  const stop = async () => { for (const c of cleanups.reverse()) await c(); };
  try {
    log('PostgreSQL 15 in fbf-srv');
    const pg: ThrowawayPostgres | undefined = await startThrowawayPostgres({
      netns: floodNet.server.ns, listen: [SERVER_IP, '127.0.0.1'], trustNetwork: `${FLOOD_HOST_IP}/32`,
    });
    if (!pg) throw new Error('no PostgreSQL binaries (apt-get install postgresql-15)');
    cleanups.push(() => pg.stop());
    const edgeUrl = `http://${EDGE_IP}:${EDGE_PORT}`;
    const dataset = await seed(pg.url, scale, edgeUrl, log);
    log(`app server in fbf-srv (${dataset.users.length} signed-in users, ${dataset.statuses} posts)`);
    const metricsToken = randomBytes(16).toString('hex');
    const app: ServerProcess = await startServer({
      cli: serverCli, args: ['serve'], port: APP_PORT, netns: floodNet.server.ns, host: SERVER_IP, logFile: join(dir, 'app.log'),
      env: {
        NODE_ENV: 'production', LOG_LEVEL: 'warn', DATABASE_URL: pg.url.replace(SERVER_IP, '127.0.0.1'),
        FIREBREAK_DOMAIN: `${EDGE_IP}:${EDGE_PORT}`, FIREBREAK_PUBLIC_URL: edgeUrl, FIREBREAK_RATE_LIMITS: 'true',
        FIREBREAK_ADMIN_TOKEN: randomBytes(16).toString('hex'), FIREBREAK_METRICS_TOKEN: metricsToken,
      },
    });
    cleanups.push(() => app.stop());
    log('HAProxy edge in fbf-edge');
    const statsSocket = join(dir, 'haproxy.sock');
    const edge = await startHaproxy(dir, statsSocket);
    cleanups.push(async () => {
      edge.child.kill('SIGTERM');
      await new Promise((r) => (edge.child.exitCode !== null ? r(null) : edge.child.once('exit', r)));
    });
    const pids: ServerPids = { apps: () => [app.pid], edge: () => [edge.pid], db: () => namespacePids(floodNet.server.ns).filter((p) => p !== app.pid) };
    return {
      edgeUrl, appUrls: [app.url], metricsToken, statsSocket, edgeNs: floodNet.edge.ns, pids, dataset, stop,
      service: "one app server on PostgreSQL 15 behind HAProxy (the cluster's edge configuration)",
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
