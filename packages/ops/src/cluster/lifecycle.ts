// The cluster's lifecycle: bring it up (idempotent), revive a burned DC, tear it all down. Each
// component starts through its own module (etcd, patroni, apps, haproxy, status-service); this is
// the order and the waiting between them. `firebreak cluster status` is in status.ts.
import { chmodSync, chownSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { appReady, startApp } from './apps.js';
import { rejoinEtcd, startEtcd, waitEtcdQuorum } from './etcd.js';
import { edgeView, startHaproxy } from './haproxy.js';
import { getJson } from './http.js';
import { buildLayout, defaultOptions, defaultRunDir, etcdRoot, supervisor, type ClusterOptions, type DataCenter, type Layout } from './layout.js';
import { applyLatency, heal, isIsolated, killNamespace, namespaces, setupNetwork, teardownNetwork } from './netns.js';
import { POSTGRES_USER, ensureAppDatabase, startPatroni, waitPatroniHealthy, writePatroniConfig } from './patroni.js';
import { assertAlive, isRunning, log, must, run, waitFor } from './proc.js';
import { layoutFromState, loadState, markBurned, newState, removeState, saveState, secret } from './state.js';
import { ensureStatusProbeAccount, startStatus } from './status-service.js';
import { ensureMediaBucket, startSwift, swiftRoot, SWIFT_BINARIES, swiftProcessNames, swiftReady, writeSwiftConfig } from './swift.js';

/** Root and packages, each missing one with the fix spelled out. */
export function preflight(): string[] {
  const problems: string[] = [];
  if (process.getuid?.() !== 0) problems.push('needs root (network namespaces, bridges and running PostgreSQL as the postgres user): run it with sudo');
  const need: Array<[string, string]> = [
    ['ip', 'iproute2'], ['tc', 'iproute2'], ['etcd', 'etcd-server'], ['etcdctl', 'etcd-client'], ['patroni', 'patroni'],
    ['haproxy', 'haproxy'], ['setpriv', 'util-linux'], ...SWIFT_BINARIES,
  ];
  for (const [bin, pkg] of need) {
    if (run('sh', ['-c', `command -v ${bin}`]).code !== 0) problems.push(`missing ${bin}: apt-get install ${pkg}`);
  }
  if (!existsSync('/usr/lib/postgresql/15/bin/postgres')) problems.push('missing PostgreSQL 15 server: apt-get install postgresql-15');
  if (run('id', ['-u', POSTGRES_USER]).code !== 0) problems.push('missing user "postgres": apt-get install postgresql-15 creates it');
  return problems;
}

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

/** Everything a DC stores: its directory and its etcd member's data. */
export function removeDcData(dc: DataCenter): void {
  rmSync(dc.dir, { recursive: true, force: true });
  rmSync(dc.etcdDir, { recursive: true, force: true });
}

export async function up(requested: Partial<ClusterOptions>, runDir = defaultRunDir()): Promise<Layout> {
  const problems = preflight();
  if (problems.length) throw new Error(`cannot bring the cluster up:\n  - ${problems.join('\n  - ')}`);
  const started = Date.now();
  let state = loadState(runDir);
  if (state && !namespaces().includes('fb-edge') && !existsSync(`${runDir}/dc1`)) state = undefined; // stale file
  if (!state) {
    state = newState(requested);
  } else if (Object.keys(requested).length) {
    log('a cluster already exists here; keeping its options (run `firebreak cluster down` first to change them)');
  }
  state.secrets.media ??= secret(); // a state file from before the object store
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
  await waitEtcdQuorum(live, 30_000, () => assertAlive(sup, live.map((d) => `${d.name}-etcd`)));

  log('Patroni + PostgreSQL 15: bootstrap, then synchronous standby and replica');
  for (const dc of live) if (!isRunning(sup, `${dc.name}-patroni`)) startPatroni(layout, dc);
  await waitPatroniHealthy(layout, live.map((d) => d.name), 120_000, () => assertAlive(sup, live.map((d) => `${d.name}-patroni`)));
  await ensureAppDatabase(layout);

  log('object store: OpenStack Swift, a storage node and an S3 proxy per DC, three replicas');
  writeSwiftConfig(layout);
  for (const dc of live) if (!isRunning(sup, `${dc.name}-swift-proxy`)) startSwift(layout, dc);
  await waitFor('Swift in every DC', 60_000, async () => ((await Promise.all(live.map((d) => swiftReady(d)))).every(Boolean) ? true : undefined),
    () => assertAlive(sup, live.flatMap((d) => swiftProcessNames(d))));
  await waitFor('the media bucket', 60_000, async () => {
    try { await ensureMediaBucket(layout, live[0]!); return true; } catch { return undefined; }
  });

  log('app servers');
  for (const dc of live) for (const app of dc.apps) if (!isRunning(sup, app.name)) startApp(layout, dc, app);
  const apps = live.flatMap((d) => d.apps);
  await waitFor('app servers ready', 120_000, async () => ((await Promise.all(apps.map((a) => appReady(a)))).every(Boolean) ? true : undefined),
    () => assertAlive(sup, apps.map((a) => a.name)));

  log('edge: HAProxy');
  if (!isRunning(sup, 'edge-haproxy')) startHaproxy(layout);
  await waitFor('the edge to see ready app servers', 30_000, async () => {
    const view = await edgeView(layout);
    return view && view.filter((s) => s.status === 'UP').length === apps.length ? true : undefined;
  }, () => assertAlive(sup, ['edge-haproxy']));

  log('status service: probes the edge and every DC from its own namespace');
  if (!isRunning(sup, 'status')) startStatus(layout, await ensureStatusProbeAccount(layout, state));
  await waitFor('the status page', 60_000, async () => ((await getJson(`${layout.statusUrl}/api/v2/status.json`)).status === 200 ? true : undefined),
    () => assertAlive(sup, ['status']));
  log(`cluster up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return layout;
}

export async function down(runDir = defaultRunDir()): Promise<void> {
  const state = loadState(runDir);
  const layout = buildLayout(state?.options ?? defaultOptions, runDir, state?.secrets ?? { superuser: '', replication: '', rewind: '', app: '', statusAdmin: '', metrics: '', media: '' });
  await teardownNetwork(layout);
  // Processes are gone with their namespaces' pids; remove what they stored. Logs stay for reading.
  for (const dc of layout.dcs) removeDcData(dc);
  rmSync(etcdRoot(runDir), { recursive: true, force: true });
  rmSync(layout.edge.dir, { recursive: true, force: true });
  rmSync(swiftRoot(layout), { recursive: true, force: true });
  rmSync(layout.status.dataDir, { recursive: true, force: true });
  rmSync(layout.pidDir, { recursive: true, force: true });
  removeState(runDir);
}

/** A burned DC comes back empty: a new etcd member, Patroni clones a replica, app servers start. */
export async function revive(layout: Layout, dc: DataCenter): Promise<void> {
  const started = Date.now();
  const sup = supervisor(layout);
  await killNamespace(dc.ns);
  removeDcData(dc);
  setupNetwork(layout);
  applyLatency(sup, dc, layout.options.latency);
  if (isIsolated(dc)) heal(dc);
  prepareDcDirs(dc);
  writePatroniConfig(layout, dc);

  const others = layout.dcs.filter((d) => d !== dc && !isIsolated(d));
  await rejoinEtcd(layout, dc, others);
  await waitEtcdQuorum([...others, dc], 60_000, () => assertAlive(sup, [`${dc.name}-etcd`]));

  log('Patroni: cloning a replica from the primary');
  startPatroni(layout, dc);
  await waitPatroniHealthy(layout, layout.dcs.map((d) => d.name), 180_000, () => assertAlive(sup, [`${dc.name}-patroni`]));
  // Swift's node comes back empty; its replicators and the others' copy the DC's share back onto it.
  log('Swift: the storage node, proxy and replicators');
  writeSwiftConfig(layout);
  startSwift(layout, dc);
  await waitFor('revived Swift', 60_000, async () => ((await swiftReady(dc)) ? true : undefined), () => assertAlive(sup, swiftProcessNames(dc)));
  for (const app of dc.apps) startApp(layout, dc, app);
  await waitFor('revived app servers ready', 60_000, async () => ((await Promise.all(dc.apps.map((a) => appReady(a)))).every(Boolean) ? true : undefined));
  markBurned(layout.runDir, dc.name, false);
  log(`${dc.name} revived in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
