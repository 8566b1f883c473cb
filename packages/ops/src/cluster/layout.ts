// The shape of the local cluster: names, addresses, ports and paths. Pure data, no side effects, so
// every generator (etcd, Patroni, HAProxy) and the drills agree on one picture.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Supervisor } from './proc.js';

export interface ClusterOptions {
  dcs: number;
  appsPerDc: number;
  /** One-way delay added to every DC's outgoing traffic, e.g. "10ms"; "0ms" for none. */
  latency: string;
  /** In-app rate limits for the app servers (drills push many writes from one address). */
  rateLimits: boolean;
  /** How long writes wait for a new primary (FIREBREAK_DB_WRITE_BUDGET_MS). */
  writeBudgetMs: number;
}

export const defaultOptions: ClusterOptions = { dcs: 3, appsPerDc: 1, latency: '10ms', rateLimits: false, writeBudgetMs: 15_000 };

/**
 * Patroni timing (seconds). The leader key outlives its last renewal by `ttl` (plus etcd's election
 * timeout when the etcd leader burned too), so ttl dominates the write stall of a fire; but an
 * isolated primary must demote itself before then. Patroni 3.0.2 gives each etcd host at least 1 s,
 * so one DCS call that finds no etcd takes 3 s (three hosts) whatever `retry_timeout` says:
 * `retry_timeout` 3 says so. Its HA loop can spend two such calls before it demotes (a failed
 * lease refresh in `touch_member` is only logged, the one in `update_lock` demotes), after a status
 * write that timed out at 1 s: a partition drill saw the old primary demote 7.2 s after the cut,
 * and with `ttl` 5 the new primary answered at 6.6 s (two primaries for 0.7 s). `ttl` 8 covers
 * loop_wait + 2 x 3 s with a second to spare, and the replica's own loop and promotion add about 1 s more.
 */
export const patroniTiming = { ttl: 8, loopWait: 1, retryTimeout: 3 } as const;

export const SUBNET = '10.77.0';
export const BRIDGE = 'fbr0';
export const HOST_IP = `${SUBNET}.1`;
export const EDGE_NS = 'fb-edge';
export const EDGE_IP = `${SUBNET}.2`;
export const EDGE_PORT = 8080;
/** The status service: its own namespace and address, in no DC, so no fire takes it down. */
export const STATUS_NS = 'fb-status';
export const STATUS_IP = `${SUBNET}.3`;
export const STATUS_PORT = 3900;
export const PG_PORT = 5432;
export const PATRONI_PORT = 8008;
export const ETCD_CLIENT_PORT = 2379;
export const ETCD_PEER_PORT = 2380;
export const APP_BASE_PORT = 3001;
export const SCOPE = 'firebreak';

export interface AppServer { name: string; dc: string; ip: string; port: number; dataDir: string }

/** Where an app server answers HTTP, from the host or any namespace. */
export const appUrl = (app: AppServer): string => `http://${app.ip}:${app.port}`;

export interface DataCenter {
  name: string; // dc1
  index: number; // 1-based
  ns: string; // fb-dc1
  ip: string;
  hostVeth: string; // bridge side of the DC's link
  dir: string; // everything the DC stores; a fire deletes it
  etcdDir: string;
  pgDir: string; // owned by postgres; data directory inside
  pgData: string;
  apps: AppServer[];
}

export interface Layout {
  options: ClusterOptions;
  runDir: string;
  logDir: string;
  pidDir: string;
  dcs: DataCenter[];
  edge: { ns: string; ip: string; port: number; hostVeth: string; dir: string; statsSocket: string; config: string };
  edgeUrl: string;
  status: { ns: string; ip: string; port: number; hostVeth: string; dataDir: string };
  statusUrl: string;
  secrets: Secrets;
}

/** Every app server of every DC. */
export function appServers(layout: Layout): AppServer[] {
  return layout.dcs.flatMap((dc) => dc.apps);
}

/**
 * metrics: the app servers' /metrics bearer token (FIREBREAK_METRICS_TOKEN), for the drills' scrapers.
 * media: the object store's S3 secret (Swift tempauth), and its ring's hash suffix.
 */
export interface Secrets { superuser: string; replication: string; rewind: string; app: string; statusAdmin: string; metrics: string; media: string }

export function defaultRunDir(cwd = process.cwd()): string {
  return resolve(cwd, 'run', 'cluster');
}

/**
 * etcd's data lives in memory (/dev/shm) when the machine has it. etcd fsyncs every raft entry, and
 * on one shared disk a PostgreSQL checkpoint or base backup can hold such an fsync for seconds: the
 * etcd leader then misses heartbeats and Patroni's primary cannot renew its key in time. Production
 * gives etcd a dedicated disk for the same reason; memory is this simulation's dedicated disk. A
 * fire still deletes it, and a killed process loses nothing it wrote.
 */
export function etcdRoot(runDir: string): string {
  if (!existsSync('/dev/shm')) return join(runDir, 'etcd');
  return join('/dev/shm', `firebreak-etcd-${createHash('sha256').update(runDir).digest('hex').slice(0, 12)}`);
}

export function buildLayout(options: ClusterOptions, runDir: string, secrets: Secrets): Layout {
  if (!Number.isInteger(options.dcs) || options.dcs < 3 || options.dcs > 9) throw new Error('--dcs must be between 3 and 9 (etcd and synchronous replication need a majority of three)');
  if (!Number.isInteger(options.appsPerDc) || options.appsPerDc < 1 || options.appsPerDc > 8) throw new Error('--app-per-dc must be between 1 and 8');
  const dcs: DataCenter[] = [];
  for (let i = 1; i <= options.dcs; i++) {
    const name = `dc${i}`;
    const ip = `${SUBNET}.${10 + i}`;
    const dir = join(runDir, name);
    const apps: AppServer[] = [];
    for (let a = 1; a <= options.appsPerDc; a++) {
      apps.push({ name: `${name}-app${a}`, dc: name, ip, port: APP_BASE_PORT + a - 1, dataDir: join(dir, `app${a}`) });
    }
    dcs.push({
      name, index: i, ns: `fb-${name}`, ip, hostVeth: `fbv-${name}`, dir,
      etcdDir: join(etcdRoot(runDir), name), pgDir: join(dir, 'pg'), pgData: join(dir, 'pg', 'data'), apps,
    });
  }
  const edgeDir = join(runDir, 'edge');
  return {
    options,
    runDir,
    logDir: join(runDir, 'logs'),
    pidDir: join(runDir, 'pids'),
    dcs,
    edge: { ns: EDGE_NS, ip: EDGE_IP, port: EDGE_PORT, hostVeth: 'fbv-edge', dir: edgeDir, statsSocket: join(edgeDir, 'haproxy.sock'), config: join(edgeDir, 'haproxy.cfg') },
    edgeUrl: `http://${EDGE_IP}:${EDGE_PORT}`,
    status: { ns: STATUS_NS, ip: STATUS_IP, port: STATUS_PORT, hostVeth: 'fbv-status', dataDir: join(runDir, 'status') },
    statusUrl: `http://${STATUS_IP}:${STATUS_PORT}`,
    secrets,
  };
}

/** Where the cluster's processes keep their pid files and logs. */
export function supervisor(layout: Layout): Supervisor {
  return { logDir: layout.logDir, pidDir: layout.pidDir };
}

export function findDc(layout: Layout, name: string): DataCenter {
  const dc = layout.dcs.find((d) => d.name === name || d.ns === name || String(d.index) === name);
  if (!dc) throw new Error(`no data center "${name}" (have ${layout.dcs.map((d) => d.name).join(', ')})`);
  return dc;
}

/** The multi-host URL an app server uses: its own DC first, then the others (DESIGN §1). */
export function databaseUrl(layout: Layout, own: DataCenter | undefined, user = 'firebreak', password = layout.secrets.app, db = 'firebreak'): string {
  const ordered = own ? [own, ...layout.dcs.filter((d) => d !== own)] : layout.dcs;
  const hosts = ordered.map((d) => `${d.ip}:${PG_PORT}`).join(',');
  return `postgres://${user}:${encodeURIComponent(password)}@${hosts}/${db}?target_session_attrs=primary&connect_timeout=1`;
}

/** Parses "10ms", "0", "1.5s" into milliseconds. */
export function parseDuration(text: string, defaultUnit: 'ms' | 's' = 'ms'): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/.exec(text.trim());
  if (!m) throw new Error(`bad duration "${text}" (use e.g. 500ms, 40s, 2m)`);
  const n = Number(m[1]);
  const unit = m[2] ?? defaultUnit;
  return Math.round(unit === 'ms' ? n : unit === 's' ? n * 1000 : n * 60_000);
}
