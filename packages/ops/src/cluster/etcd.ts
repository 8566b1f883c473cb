// etcd: one member per DC. Argument generation is pure; membership changes go through etcdctl.
import { ETCD_CLIENT_PORT, ETCD_PEER_PORT, type DataCenter, type Layout } from './layout.js';

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
