// HAProxy at the edge: the single entry point. One generator for the cluster's edge and the flood
// drill's, so the drill measures the configuration the cluster runs: health checks and retries
// (below) plus the overload protection from ../edge/haproxy.ts. Then the cluster's edge process and
// its stats socket (the servers' state as the edge sees it; drains for a rolling restart).
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { applyEdgeFirewall } from '../edge/firewall.js';
import { edgeProtectionConfig, FAIL_OPEN_SUFFIX, perSourceLimitsOff, type EdgeLimits } from '../edge/haproxy.js';
import { appServers, supervisor, type Layout } from './layout.js';
import { log, must, startDetached } from './proc.js';

export interface HaproxyOptions {
  /** Health-check period for app servers (DESIGN §2 rule 5: unready servers out within ~1 s). */
  checkInterval: string;
  /** Longest a request may wait for an app server's answer; above the app's write budget. */
  serverTimeout: string;
  statsPort: number;
}

export const defaultHaproxyOptions: HaproxyOptions = { checkInterval: '500ms', serverTimeout: '40s', statsPort: 8404 };

/** Where the edge listens and what it sends traffic to. */
export interface EdgeSpec {
  ip: string;
  port: number;
  statsSocket: string;
  servers: Array<{ name: string; ip: string; port: number }>;
  limits?: Partial<EdgeLimits>;
  /** Who wrote the file, for its first line. */
  generatedBy: string;
}

/**
 * The fault drills (fire, partition) load the edge from the host's one address: per-source limits
 * follow the cluster's --rate-limits switch like the app's limits do.
 */
export function edgeLimits(layout: Layout): Partial<EdgeLimits> {
  return layout.options.rateLimits ? {} : perSourceLimitsOff;
}

export function haproxyConfig(layout: Layout, opts: HaproxyOptions = defaultHaproxyOptions): string {
  const { edge } = layout;
  return edgeConfig({ ip: edge.ip, port: edge.port, statsSocket: edge.statsSocket, servers: appServers(layout), limits: edgeLimits(layout), generatedBy: '`firebreak cluster up`' }, opts);
}

export function edgeConfig(spec: EdgeSpec, opts: HaproxyOptions = defaultHaproxyOptions): string {
  const protection = edgeProtectionConfig(spec.limits);
  const global = [
    'global',
    '  log stderr format raw local0 notice',
    ...protection.global.map((l) => `  ${l}`),
    `  stats socket ${spec.statsSocket} mode 600 level admin`,
    '  stats timeout 10s',
    '  # L7 retries copy the request into a buffer; our API bodies are small.',
    '  tune.bufsize 32768',
  ];
  const defaults = [
    'defaults',
    '  mode http',
    '  log global',
    '  option httplog',
    '  option dontlog-normal          # log failures only',
    '  timeout connect 1s             # a blackholed server must not hold a request for long',
    `  timeout server ${opts.serverTimeout}`,
    '  timeout queue 10s',
    ...protection.defaults.map((l) => `  ${l}`),
  ];
  const frontend = [
    'frontend fe_firebreak',
    `  bind ${spec.ip}:${spec.port}`,
    ...protection.frontend.map((l) => `  ${l}`),
    // Writes go to the app servers of the DC that holds the primary (they answer /readyz/primary),
    // so a write crosses the links between DCs once, for the synchronous commit, instead of once per
    // statement. While none does (a failover), writes go to every ready server, as reads do.
    '  acl fb_write method POST PUT PATCH DELETE',
    '  use_backend be_app_writes if fb_write { nbsrv(be_app_writes) gt 0 }',
    '  default_backend be_app',
  ];
  const backend = (name: string, check: string) => [
    `backend ${name}`,
    '  balance leastconn',
    `  option httpchk GET ${check}`,
    '  http-check expect status 200',
    // Retries: a connection failure is always safe to retry (nothing reached the server). Retrying a
    // request the server may have received (empty response, 503) is safe for reads, and for writes
    // only because they carry an Idempotency-Key that the app stores in the write's own transaction
    // (DESIGN §2 rule 3). Unsafe methods without a key are never retried past the connection stage.
    '  retries 3',
    '  option redispatch 1            # every retry goes to another server',
    '  retry-on conn-failure empty-response 503',
    '  acl safe_method method GET HEAD OPTIONS',
    '  acl has_idempotency_key req.hdr(idempotency-key) -m found',
    '  http-request disable-l7-retry if !safe_method !has_idempotency_key',
    ...protection.backend.map((l) => `  ${l}`),
    `  default-server inter ${opts.checkInterval} fastinter ${opts.checkInterval} downinter 1s fall 2 rise 2 on-marked-down shutdown-sessions ${protection.serverOptions}`,
    ...spec.servers.map((s) => `  server ${s.name} ${s.ip}:${s.port} check`),
    ...spec.servers.map((s) => `  ${protection.failOpenServer(s.name, `${s.ip}:${s.port}`)}`),
  ];
  // No fail-open twins for writes: when none of its servers is up the frontend uses be_app instead.
  const writes = backend('be_app_writes', '/readyz/primary').filter((line) => !line.includes(FAIL_OPEN_SUFFIX) && !line.includes('allbackups'));
  const stats = [
    'listen stats',
    `  bind ${spec.ip}:${opts.statsPort}`,
    '  stats enable',
    '  stats uri /',
    '  stats refresh 2s',
  ];
  return [`# Generated by ${spec.generatedBy}; edit packages/ops/src/cluster/haproxy.ts and packages/ops/src/edge/haproxy.ts instead.`,
    ...[global, defaults, frontend, backend('be_app', '/readyz'), writes, stats].map((s) => s.join('\n')), ...protection.tableSections].join('\n\n') + '\n';
}

export interface EdgeServerView { name: string; status: string; check: string; sessions: number; lastChange: number }

/** The CSV of the stats socket's `show stat`, one object per proxy or server, keyed by column name. */
export function parseStatCsv(csv: string): Array<Record<string, string>> {
  const lines = csv.split('\n').filter(Boolean);
  const header = (lines[0] ?? '').replace(/^# /, '').split(',');
  return lines.slice(1).map((line) => {
    const f = line.split(',');
    return Object.fromEntries(header.map((name, i) => [name, f[i] ?? '']));
  });
}

/** The backend servers' state from `show stat`. */
export function parseShowStat(csv: string, backend = 'be_app'): EdgeServerView[] {
  return parseStatCsv(csv)
    .filter((r) => r.pxname === backend && !['FRONTEND', 'BACKEND'].includes(r.svname ?? '') && !r.svname?.endsWith(FAIL_OPEN_SUFFIX))
    .map((r) => ({
      name: r.svname ?? '',
      status: r.status ?? '',
      check: r.check_status ?? '',
      sessions: Number(r.scur || 0),
      lastChange: Number(r.lastchg || 0),
    }));
}

export function startHaproxy(layout: Layout): void {
  mkdirSync(layout.edge.dir, { recursive: true });
  writeFileSync(layout.edge.config, haproxyConfig(layout));
  must('haproxy', ['-c', '-q', '-f', layout.edge.config]);
  const guard = applyEdgeFirewall(layout.edge.ns, layout.edge.port, edgeLimits(layout));
  if (!guard.applied) log(`edge: ${guard.detail}`);
  startDetached(supervisor(layout), { name: 'edge-haproxy', ns: layout.edge.ns, argv: ['haproxy', '-db', '-f', layout.edge.config] });
}

/** One command on HAProxy's stats socket; its whole answer. */
export function adminSocket(path: string, command: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(path);
    let out = '';
    const timer = setTimeout(() => { sock.destroy(); reject(new Error('stats socket timed out')); }, timeoutMs);
    sock.on('connect', () => sock.write(`${command}\n`));
    sock.on('data', (d) => { out += d.toString(); });
    sock.on('error', (e) => { clearTimeout(timer); reject(e); });
    sock.on('close', () => { clearTimeout(timer); resolve(out); });
  });
}

/**
 * The servers of one backend as the cluster's edge sees them: be_app (every request but writes) or
 * be_app_writes; undefined when its socket does not answer.
 */
export async function edgeView(layout: Layout, backend = 'be_app'): Promise<EdgeServerView[] | undefined> {
  try { return parseShowStat(await adminSocket(layout.edge.statsSocket, 'show stat'), backend); } catch { return undefined; }
}
