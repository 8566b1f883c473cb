// etcd: one member per DC. Argument generation is pure; the members run under the cluster's
// supervisor, and membership changes (a revived DC's new member) go through etcdctl.
import { getJson } from './http.js';
import { ETCD_CLIENT_PORT, ETCD_PEER_PORT, supervisor, type DataCenter, type Layout } from './layout.js';
import { log, must, sleep, startDetached, waitFor } from './proc.js';

export function peerUrl(dc: DataCenter): string {
  return `http://${dc.ip}:${ETCD_PEER_PORT}`;
}

export function clientUrl(dc: DataCenter): string {
  return `http://${dc.ip}:${ETCD_CLIENT_PORT}`;
}

export function initialCluster(dcs: DataCenter[]): string {
  return dcs.map((d) => `${d.name}=${peerUrl(d)}`).join(',');
}

/**
 * Command line for one member. `state: 'new'` bootstraps the cluster; `'existing'` joins a member
 * that was just added with `etcdctl member add` (revive), starting from an empty data directory.
 * Heartbeat 50 ms / election 500 ms: when the etcd leader burns with its DC, a new one is elected
 * within about a second, and etcd extends every lease (Patroni's leader key too) by the election
 * timeout on a leader change, so this timeout adds directly to the write stall of a fire. Links
 * between our DCs are ~10-20 ms round trips, well under a tenth of it, as etcd's tuning guide asks.
 * Pre-vote (off by default in etcd 3.4, on from 3.5): a member cut off by a partition keeps starting
 * elections nobody answers, each with a higher term; without pre-vote, its first message after the
 * heal makes the healthy leader step down, and the cluster elects again while Patroni's leader key
 * cannot be renewed. With it, a member asks whether it could win before it raises its term.
 */
export function etcdArgs(layout: Layout, dc: DataCenter, state: 'new' | 'existing', cluster = initialCluster(layout.dcs)): string[] {
  return [
    '--name', dc.name,
    '--data-dir', dc.etcdDir,
    '--listen-client-urls', `${clientUrl(dc)},http://127.0.0.1:${ETCD_CLIENT_PORT}`,
    '--advertise-client-urls', clientUrl(dc),
    '--listen-peer-urls', peerUrl(dc),
    '--initial-advertise-peer-urls', peerUrl(dc),
    '--initial-cluster', cluster,
    '--initial-cluster-state', state,
    '--initial-cluster-token', 'firebreak',
    '--heartbeat-interval', '50',
    '--election-timeout', '500',
    '--pre-vote',
    '--logger', 'zap',
    '--log-level', 'warn',
  ];
}

export interface EtcdMember { id: string; status: string; name: string; peerUrls: string[]; clientUrls: string[] }

/** Parses `etcdctl member list` (simple format): "id, status, name, peer urls, client urls, learner". */
export function parseMemberList(text: string): EtcdMember[] {
  return text.split('\n').map((l) => l.trim()).filter(Boolean).map((line) => {
    const [id = '', status = '', name = '', peers = '', clients = ''] = line.split(',').map((s) => s.trim());
    return { id, status, name, peerUrls: peers.split(/\s+/).filter(Boolean), clientUrls: clients.split(/\s+/).filter(Boolean) };
  });
}

export function startEtcd(layout: Layout, dc: DataCenter, state: 'new' | 'existing', cluster?: string): void {
  startDetached(supervisor(layout), { name: `${dc.name}-etcd`, ns: dc.ns, argv: ['etcd', ...etcdArgs(layout, dc, state, cluster)] });
}

export async function waitEtcdQuorum(dcs: DataCenter[], timeoutMs = 30_000, alive?: () => void): Promise<void> {
  await waitFor('etcd quorum', timeoutMs, async () => {
    const healthy = await Promise.all(dcs.map(async (dc) => (await getJson<{ health: string }>(`${clientUrl(dc)}/health`)).body?.health === 'true'));
    return healthy.every(Boolean) ? true : undefined;
  }, alive);
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

/**
 * A DC that comes back empty joins as a new member: the surviving members (`others`) forget its old
 * one, add the new one, and it starts from an empty data directory into the existing cluster.
 */
export async function rejoinEtcd(layout: Layout, dc: DataCenter, others: DataCenter[]): Promise<void> {
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
}
