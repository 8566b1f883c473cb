// Orchestration: bring the cluster up (idempotent), report its status, revive a burned DC, tear down.
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import postgres from 'postgres';
import { clientUrl, etcdArgs, initialCluster, parseMemberList } from './etcd.js';
import { edgeLimits, haproxyConfig, parseShowStat, type EdgeServerView } from './haproxy.js';
import { applyEdgeFirewall } from '../edge/firewall.js';
import { assetPath, serverCli, statusCli } from '../entry-points.js';
import {
  PATRONI_PORT, PG_PORT, buildLayout, etcdRoot, databaseUrl, defaultOptions, defaultRunDir, findDc,
  type AppServer, type ClusterOptions, type DataCenter, type Layout, type Secrets,
} from './layout.js';
import { applyLatency, heal, isIsolated, isolate, killNamespace, namespaces, setupNetwork, teardownNetwork } from './netns.js';
import { patroniConfigPath, patroniYaml } from './patroni.js';
import { forgetPid, isRunning, must, run, sleep, startDetached, stopGracefully, type Supervisor } from './proc.js';

export interface ClusterState {
  options: ClusterOptions;
  secrets: Secrets;
  createdAt: string;
  latency: { applied: boolean; detail: string };
  /** DCs burned by a fire drill and not yet revived. */
  burned: string[];
  /** Access token of the status service's probe account (created through the edge by `up`). */
  statusProbeToken?: string;
}

const POSTGRES_USER = 'postgres';

export function log(msg: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 23)} ${msg}\n`);
}

function statePath(runDir: string): string {
  return `${runDir}/state.json`;
}

export function loadState(runDir = defaultRunDir()): ClusterState | undefined {
  try { return JSON.parse(readFileSync(statePath(runDir), 'utf8')) as ClusterState; } catch { return undefined; }
}

export function saveState(runDir: string, state: ClusterState): void {
  mkdirSync(runDir, { recursive: true });
  writeFileSync(statePath(runDir), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

export function layoutFromState(state: ClusterState, runDir = defaultRunDir()): Layout {
  return buildLayout(state.options, runDir, state.secrets);
}

export function supervisor(layout: Layout): Supervisor {
  return { logDir: layout.logDir, pidDir: layout.pidDir };
}

const secret = () => randomBytes(12).toString('hex');

// ---------------------------------------------------------------------------------------------
// Preflight: root and packages, each with the fix spelled out.

export function preflight(): string[] {
  const problems: string[] = [];
  if (process.getuid?.() !== 0) problems.push('needs root (network namespaces, bridges and running PostgreSQL as the postgres user): run it with sudo');
  const need: Array<[string, string]> = [
    ['ip', 'iproute2'], ['tc', 'iproute2'], ['etcd', 'etcd-server'], ['etcdctl', 'etcd-client'], ['patroni', 'patroni'],
    ['haproxy', 'haproxy'], ['setpriv', 'util-linux'],
  ];
  for (const [bin, pkg] of need) {
    if (run('sh', ['-c', `command -v ${bin}`]).code !== 0) problems.push(`missing ${bin}: apt-get install ${pkg}`);
  }
  if (!existsSync('/usr/lib/postgresql/15/bin/postgres')) problems.push('missing PostgreSQL 15 server: apt-get install postgresql-15');
  if (run('id', ['-u', POSTGRES_USER]).code !== 0) problems.push('missing user "postgres": apt-get install postgresql-15 creates it');
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Small probes over HTTP and the HAProxy stats socket.

export async function getJson<T>(url: string, timeoutMs = 1000): Promise<{ status: number; body: T | undefined }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    let body: T | undefined;
    try { body = JSON.parse(text) as T; } catch { body = undefined; }
    return { status: res.status, body };
  } catch {
    return { status: 0, body: undefined };
  }
}

export interface PatroniMember { name: string; role: string; state: string; host: string; timeline?: number; lag?: number | string }

export async function patroniCluster(layout: Layout, dcs = layout.dcs): Promise<PatroniMember[] | undefined> {
  for (const dc of dcs) {
    if (isIsolated(dc)) continue;
    const r = await getJson<{ members: PatroniMember[] }>(`http://${dc.ip}:${PATRONI_PORT}/cluster`);
    if (r.status === 200 && r.body?.members) return r.body.members;
  }
  return undefined;
}

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

export async function edgeView(layout: Layout): Promise<EdgeServerView[] | undefined> {
  try { return parseShowStat(await adminSocket(layout.edge.statsSocket, 'show stat')); } catch { return undefined; }
}

function logTail(layout: Layout, name: string, lines = 8): string {
  try { return readFileSync(`${layout.logDir}/${name}.log`, 'utf8').trimEnd().split('\n').slice(-lines).join('\n'); } catch { return '(no log)'; }
}

/** Fails fast, with the end of its log, when a process we wait for has exited. */
function assertAlive(layout: Layout, names: string[]): void {
  for (const name of names) {
    if (!isRunning(supervisor(layout), name)) throw new Error(`${name} exited; end of ${layout.logDir}/${name}.log:\n${logTail(layout, name)}`);
  }
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, alive?: () => void): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    alive?.();
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(300);
  }
}

// ---------------------------------------------------------------------------------------------
// Per-process start functions.

function prepareDcDirs(dc: DataCenter): void {
  mkdirSync(dc.dir, { recursive: true });
  chmodSync(dc.dir, 0o755); // the postgres user reads its config and data directory below it
  mkdirSync(dc.etcdDir, { recursive: true, mode: 0o700 });
  mkdirSync(dc.pgDir, { recursive: true, mode: 0o700 });
  const uid = Number(must('id', ['-u', POSTGRES_USER]).trim());
  const gid = Number(must('id', ['-g', POSTGRES_USER]).trim());
  chownSync(dc.pgDir, uid, gid);
  chmodSync(dc.pgDir, 0o700);
  for (const app of dc.apps) mkdirSync(app.dataDir, { recursive: true });
}

function writePatroniConfig(layout: Layout, dc: DataCenter): void {
  const path = patroniConfigPath(dc);
  writeFileSync(path, patroniYaml(layout, dc), { mode: 0o640 });
  const gid = Number(must('id', ['-g', POSTGRES_USER]).trim());
  chownSync(path, 0, gid);
}

function startEtcd(layout: Layout, dc: DataCenter, state: 'new' | 'existing', cluster?: string): void {
  startDetached(supervisor(layout), { name: `${dc.name}-etcd`, ns: dc.ns, argv: ['etcd', ...etcdArgs(layout, dc, state, cluster)] });
}

/**
 * Debian's Patroni, started through a launcher that applies one upstream fix it lacks (a partitioned
 * ex-leader could take the leader key back and lose acknowledged writes); see the launcher's header.
 */
const patroniLauncher = assetPath('patroni-launch.py');

function startPatroni(layout: Layout, dc: DataCenter): void {
  startDetached(supervisor(layout), {
    name: `${dc.name}-patroni`, ns: dc.ns, user: POSTGRES_USER, cwd: dc.pgDir,
    argv: ['/usr/bin/python3', patroniLauncher, patroniConfigPath(dc)],
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', HOME: dc.pgDir },
  });
}

export function appEnv(layout: Layout, dc: DataCenter, app: AppServer): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    PORT: String(app.port),
    HOST: app.ip,
    DATABASE_URL: databaseUrl(layout, dc),
    FIREBREAK_DATA_DIR: app.dataDir,
    FIREBREAK_DOMAIN: `${layout.edge.ip}:${layout.edge.port}`,
    FIREBREAK_PUBLIC_URL: layout.edgeUrl,
    FIREBREAK_DB_WRITE_BUDGET_MS: String(layout.options.writeBudgetMs),
    FIREBREAK_RATE_LIMITS: layout.options.rateLimits ? 'true' : 'false',
    LOG_LEVEL: process.env.FIREBREAK_CLUSTER_LOG_LEVEL ?? 'warn',
  };
}

export function startApp(layout: Layout, dc: DataCenter, app: AppServer): void {
  startDetached(supervisor(layout), { name: app.name, ns: dc.ns, argv: [process.execPath, serverCli, 'serve'], env: appEnv(layout, dc, app), cwd: app.dataDir, restart: true });
}

function startHaproxy(layout: Layout): void {
  mkdirSync(layout.edge.dir, { recursive: true });
  writeFileSync(layout.edge.config, haproxyConfig(layout));
  must('haproxy', ['-c', '-q', '-f', layout.edge.config]);
  const guard = applyEdgeFirewall(layout.edge.ns, layout.edge.port, edgeLimits(layout));
  if (!guard.applied) log(`edge: ${guard.detail}`);
  startDetached(supervisor(layout), { name: 'edge-haproxy', ns: layout.edge.ns, argv: ['haproxy', '-db', '-f', layout.edge.config] });
}

/** The status service watches the edge and one app server per DC (DESIGN §1), from outside every DC. */
export function statusTargets(layout: Layout): string[] {
  return [`edge=${layout.edgeUrl}`, ...layout.dcs.map((dc) => `${dc.name}=http://${dc.apps[0]!.ip}:${dc.apps[0]!.port}`)];
}

async function postJson<T>(url: string, body: unknown, token?: string): Promise<T> {
  const until = Date.now() + 60_000;
  for (;;) {
    let detail: string;
    try {
      const res = await fetch(url, {
        method: 'POST', signal: AbortSignal.timeout(10_000), body: JSON.stringify(body),
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      });
      if (res.ok) return (await res.json()) as T;
      detail = `HTTP ${res.status} ${await res.text()}`;
      if (res.status < 500 && res.status !== 429) throw new Error(`POST ${url}: ${detail}`);
    } catch (err) {
      if ((err as Error).message.startsWith('POST ')) throw err;
      detail = (err as Error).message;
    }
    if (Date.now() > until) throw new Error(`POST ${url}: ${detail}`);
    await sleep(1000);
  }
}

/**
 * The status service reads and posts as a signed-in probe account, so its probes see what signed-in
 * users see (anonymous traffic is shed first when the service is busy, which is by design).
 */
async function ensureStatusProbeAccount(layout: Layout, state: ClusterState): Promise<string> {
  if (state.statusProbeToken) return state.statusProbeToken;
  const base = layout.edgeUrl;
  const app = await postJson<{ client_id: string; client_secret: string }>(`${base}/api/v1/apps`, { client_name: 'firebreak-status', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes: 'read write' });
  const appToken = await postJson<{ access_token: string }>(`${base}/oauth/token`, { grant_type: 'client_credentials', client_id: app.client_id, client_secret: app.client_secret, scope: 'read write' });
  const account = await postJson<{ access_token: string }>(`${base}/api/v1/accounts`, {
    username: 'statusprobe', email: 'statusprobe@status.invalid', password: secret() + secret(), agreement: true, locale: 'en',
  }, appToken.access_token);
  state.statusProbeToken = account.access_token;
  saveState(layout.runDir, state);
  return account.access_token;
}

function startStatus(layout: Layout, probeToken: string): void {
  mkdirSync(layout.status.dataDir, { recursive: true });
  startDetached(supervisor(layout), {
    name: 'status', ns: layout.status.ns, cwd: layout.status.dataDir,
    argv: [process.execPath, statusCli, '--host', layout.status.ip, '--port', String(layout.status.port), ...statusTargets(layout).flatMap((t) => ['--target', t])],
    env: {
      PATH: process.env.PATH,
      FIREBREAK_DATA_DIR: layout.status.dataDir,
      FIREBREAK_STATUS_PUBLIC_URL: layout.statusUrl,
      FIREBREAK_STATUS_ADMIN_TOKEN: layout.secrets.statusAdmin,
      FIREBREAK_STATUS_PROBE_TOKEN: probeToken,
      LOG_LEVEL: process.env.FIREBREAK_CLUSTER_LOG_LEVEL ?? 'warn',
    },
  });
}

export async function appReady(app: AppServer, path = '/readyz'): Promise<boolean> {
  return (await getJson(`http://${app.ip}:${app.port}${path}`, 1500)).status === 200;
}

async function waitEtcdQuorum(layout: Layout, dcs: DataCenter[], timeoutMs = 30_000, alive?: () => void): Promise<void> {
  await waitFor('etcd quorum', timeoutMs, async () => {
    const healthy = await Promise.all(dcs.map(async (dc) => (await getJson<{ health: string }>(`${clientUrl(dc)}/health`)).body?.health === 'true'));
    return healthy.every(Boolean) ? true : undefined;
  }, alive);
}

/** Healthy: one leader running, a synchronous standby streaming, every expected member present. */
export async function waitPatroniHealthy(layout: Layout, expected: string[], timeoutMs: number, alive?: () => void): Promise<PatroniMember[]> {
  return waitFor('Patroni: a primary, a synchronous standby and every member replicating', timeoutMs, async () => {
    const members = await patroniCluster(layout);
    if (!members) return undefined;
    const leader = members.filter((m) => m.role === 'leader' && m.state === 'running');
    const sync = members.filter((m) => m.role === 'sync_standby' && (m.state === 'streaming' || m.state === 'running'));
    const present = expected.every((n) => members.some((m) => m.name === n && ['running', 'streaming'].includes(m.state)));
    return leader.length === 1 && sync.length >= 1 && present ? members : undefined;
  }, alive);
}

async function ensureAppDatabase(layout: Layout): Promise<void> {
  const members = await patroniCluster(layout);
  const leader = members?.find((m) => m.role === 'leader');
  if (!leader) throw new Error('no Patroni leader to create the app database on');
  const sql = postgres({ host: leader.host, port: PG_PORT, user: 'postgres', password: layout.secrets.superuser, database: 'postgres', connect_timeout: 3, max: 1, onnotice: () => {} });
  try {
    const pw = layout.secrets.app.replace(/'/g, "''");
    const role = await sql`select 1 from pg_roles where rolname = 'firebreak'`;
    if (!role.length) await sql.unsafe(`create role firebreak login password '${pw}'`);
    const db = await sql`select 1 from pg_database where datname = 'firebreak'`;
    if (!db.length) await sql.unsafe('create database firebreak owner firebreak');
  } finally {
    await sql.end({ timeout: 1 });
  }
}

// ---------------------------------------------------------------------------------------------
// Commands.

export async function up(requested: Partial<ClusterOptions>, runDir = defaultRunDir()): Promise<Layout> {
  const problems = preflight();
  if (problems.length) throw new Error(`cannot bring the cluster up:\n  - ${problems.join('\n  - ')}`);
  const started = Date.now();
  let state = loadState(runDir);
  if (state && !namespaces().includes('fb-edge') && !existsSync(`${runDir}/dc1`)) state = undefined; // stale file
  if (!state) {
    state = {
      options: { ...defaultOptions, ...requested },
      secrets: { superuser: secret(), replication: secret(), rewind: secret(), app: secret(), statusAdmin: secret() },
      createdAt: new Date().toISOString(),
      latency: { applied: false, detail: 'not applied yet' },
      burned: [],
    };
  } else if (Object.keys(requested).length) {
    log('a cluster already exists here; keeping its options (run `firebreak cluster down` first to change them)');
  }
  const layout = layoutFromState(state, runDir);
  mkdirSync(layout.logDir, { recursive: true });
  saveState(runDir, state);

  log('network: bridge, namespaces, links');
  setupNetwork(layout);
  const burned = new Set(state.burned);
  const live = layout.dcs.filter((d) => !burned.has(d.name));
  const lat = layout.dcs.filter((d) => !burned.has(d.name)).map((dc) => applyLatency(supervisor(layout), dc, layout.options.latency));
  state.latency = { applied: lat.every((l) => l.applied), detail: lat[0]!.detail };
  if (!state.latency.applied && layout.options.latency !== '0ms') log(`latency: ${state.latency.detail}`);
  saveState(runDir, state);
  for (const dc of live) if (isIsolated(dc)) heal(dc);

  for (const dc of live) { prepareDcDirs(dc); writePatroniConfig(layout, dc); }
  const sup = supervisor(layout);

  log('etcd: one member per DC');
  for (const dc of live) if (!isRunning(sup, `${dc.name}-etcd`)) startEtcd(layout, dc, 'new');
  await waitEtcdQuorum(layout, live, 30_000, () => assertAlive(layout, live.map((d) => `${d.name}-etcd`)));

  log('Patroni + PostgreSQL 15: bootstrap, then synchronous standby and replica');
  for (const dc of live) if (!isRunning(sup, `${dc.name}-patroni`)) startPatroni(layout, dc);
  await waitPatroniHealthy(layout, live.map((d) => d.name), 120_000, () => assertAlive(layout, live.map((d) => `${d.name}-patroni`)));
  await ensureAppDatabase(layout);

  log('app servers');
  for (const dc of live) for (const app of dc.apps) if (!isRunning(sup, app.name)) startApp(layout, dc, app);
  const apps = live.flatMap((d) => d.apps);
  await waitFor('app servers ready', 120_000, async () => ((await Promise.all(apps.map((a) => appReady(a)))).every(Boolean) ? true : undefined),
    () => assertAlive(layout, apps.map((a) => a.name)));

  log('edge: HAProxy');
  if (!isRunning(sup, 'edge-haproxy')) startHaproxy(layout);
  await waitFor('the edge to see ready app servers', 30_000, async () => {
    const view = await edgeView(layout);
    return view && view.filter((s) => s.status === 'UP').length === apps.length ? true : undefined;
  }, () => assertAlive(layout, ['edge-haproxy']));

  log('status service: probes the edge and every DC from its own namespace');
  if (!isRunning(sup, 'status')) startStatus(layout, await ensureStatusProbeAccount(layout, state));
  await waitFor('the status page', 60_000, async () => ((await getJson(`${layout.statusUrl}/api/v2/status.json`)).status === 200 ? true : undefined),
    () => assertAlive(layout, ['status']));
  log(`cluster up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return layout;
}

export async function down(runDir = defaultRunDir()): Promise<void> {
  const state = loadState(runDir);
  const layout = buildLayout(state?.options ?? defaultOptions, runDir, state?.secrets ?? { superuser: '', replication: '', rewind: '', app: '', statusAdmin: '' });
  await teardownNetwork(layout);
  // Processes are gone with their namespaces' pids; remove what they stored. Logs stay for reading.
  for (const dc of layout.dcs) removeDcData(dc);
  rmSync(etcdRoot(runDir), { recursive: true, force: true });
  rmSync(layout.edge.dir, { recursive: true, force: true });
  rmSync(layout.status.dataDir, { recursive: true, force: true });
  rmSync(layout.pidDir, { recursive: true, force: true });
  rmSync(statePath(runDir), { force: true });
}

/** A fire's last two steps (the drill blackholes the network first): kill everything, delete the data. */
export async function burn(layout: Layout, dc: DataCenter): Promise<number> {
  const killed = await killNamespace(dc.ns);
  removeDcData(dc);
  for (const name of [`${dc.name}-etcd`, `${dc.name}-patroni`, ...dc.apps.map((a) => a.name)]) forgetPid(supervisor(layout), name);
  const state = loadState(layout.runDir);
  if (state && !state.burned.includes(dc.name)) { state.burned.push(dc.name); saveState(layout.runDir, state); }
  return killed;
}

/** Everything a DC stores: its directory and its etcd member's data. */
function removeDcData(dc: DataCenter): void {
  rmSync(dc.dir, { recursive: true, force: true });
  rmSync(dc.etcdDir, { recursive: true, force: true });
}

function etcdctl(endpoints: string[], args: string[]): string {
  return must('etcdctl', ['--endpoints', endpoints.join(','), '--dial-timeout', '2s', '--command-timeout', '5s', ...args], { timeoutMs: 15_000 });
}

/**
 * `member add`, retried: a busy etcd leader may apply the change yet answer after the client's
 * deadline, so a failed attempt first checks whether the member is there (unstarted) already.
 */
async function addEtcdMember(endpoints: string[], dc: DataCenter): Promise<void> {
  const peer = `http://${dc.ip}:2380`;
  for (let attempt = 1; ; attempt++) {
    try {
      etcdctl(endpoints, ['member', 'add', dc.name, `--peer-urls=${peer}`]);
      return;
    } catch (err) {
      try {
        if (parseMemberList(etcdctl(endpoints, ['member', 'list'])).some((m) => m.peerUrls.includes(peer))) return;
      } catch { /* the list can fail for the same reason; try the add again */ }
      if (attempt >= 5) throw err;
      log(`etcd: member add failed (${(err as Error).message.split('\n').at(-1)}); retrying`);
      await sleep(2000);
    }
  }
}

/** A burned DC comes back empty: a new etcd member, Patroni clones a replica, app servers start. */
export async function revive(layout: Layout, dc: DataCenter): Promise<void> {
  const started = Date.now();
  await killNamespace(dc.ns);
  removeDcData(dc);
  setupNetwork(layout);
  applyLatency(supervisor(layout), dc, layout.options.latency);
  if (isIsolated(dc)) heal(dc);
  prepareDcDirs(dc);
  writePatroniConfig(layout, dc);

  const others = layout.dcs.filter((d) => d !== dc && !isIsolated(d));
  const endpoints = others.map(clientUrl);
  const members = parseMemberList(etcdctl(endpoints, ['member', 'list']));
  for (const m of members.filter((m) => m.name === dc.name || m.peerUrls.includes(`http://${dc.ip}:2380`))) {
    log(`etcd: removing old member ${m.name} (${m.id})`);
    etcdctl(endpoints, ['member', 'remove', m.id]);
  }
  log(`etcd: adding ${dc.name} as a new member`);
  await addEtcdMember(endpoints, dc);
  const after = parseMemberList(etcdctl(endpoints, ['member', 'list']));
  const cluster = after.map((m) => `${m.name || dc.name}=${m.peerUrls[0]}`).join(',');
  startEtcd(layout, dc, 'existing', cluster);
  await waitEtcdQuorum(layout, [...others, dc], 60_000, () => assertAlive(layout, [`${dc.name}-etcd`]));

  log('Patroni: cloning a replica from the primary');
  startPatroni(layout, dc);
  await waitPatroniHealthy(layout, layout.dcs.map((d) => d.name), 180_000, () => assertAlive(layout, [`${dc.name}-patroni`]));
  for (const app of dc.apps) startApp(layout, dc, app);
  await waitFor('revived app servers ready', 60_000, async () => ((await Promise.all(dc.apps.map((a) => appReady(a)))).every(Boolean) ? true : undefined));
  const state = loadState(layout.runDir);
  if (state) { state.burned = state.burned.filter((n) => n !== dc.name); saveState(layout.runDir, state); }
  log(`${dc.name} revived in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

export { findDc, initialCluster, isolate, heal, stopGracefully, isIsolated };
