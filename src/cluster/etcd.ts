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
 * Heartbeat 100 ms / election 1000 ms (etcd's defaults, fine on one machine) keep leader loss short.
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
    '--heartbeat-interval', '100',
    '--election-timeout', '1000',
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
