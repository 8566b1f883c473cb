// `firebreak drill flood --cluster`: the flood drill against the running three-DC cluster's edge
// instead of a server of its own. The drill's client namespaces (fbf-legit, fbf-atk on 10.78.0.0/24)
// reach the cluster's edge (fb-edge on 10.77.0.0/24) through the host, which forwards between the
// two bridges without address translation, so the edge sees every attacker's own source address
// and its per-source limits and kernel guard work as they would on the internet. Nothing in the
// cluster is started or stopped; the drill only adds its dataset (once) and two routes.
import { readFileSync, writeFileSync } from 'node:fs';
import { layoutFromState, loadState } from '../cluster/state.js';
import { appServers, appUrl, databaseUrl, defaultRunDir, SUBNET as CLUSTER_SUBNET, HOST_IP as CLUSTER_HOST_IP, type Layout } from '../cluster/layout.js';
import { namespacePids } from '../cluster/netns.js';
import { run } from '../cluster/proc.js';
import type { Scale } from '@firebreak/testkit/dataset.js';
import { FLOOD_HOST_IP, FLOOD_SUBNET, floodNet } from './flood-net.js';
import { seed, type Stack } from './flood-stack.js';

const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';

/** The command name of a process ('node', 'postgres', 'haproxy'), or '' when it is gone. */
function comm(pid: number): string {
  try { return readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { return ''; }
}

const processesNamed = (namespaces: string[], name: string) => () =>
  namespaces.flatMap((ns) => namespacePids(ns)).filter((pid) => comm(pid) === name);

function requireCluster(): Layout {
  const runDir = defaultRunDir();
  const state = loadState(runDir);
  if (!state) throw new Error('no cluster here: run `sudo firebreak cluster up --rate-limits on` first');
  if (state.burned.length) throw new Error(`${state.burned.join(', ')} burned by an earlier fire: run \`firebreak cluster revive\` first`);
  if (!state.options.rateLimits) {
    throw new Error('the cluster runs without per-source limits (--rate-limits off, the fault drills\' setting): '
      + '`sudo firebreak cluster down && sudo firebreak cluster up --rate-limits on`');
  }
  return layoutFromState(state, runDir);
}

/** Routes between the drill's namespaces and the cluster's edge; undone by the returned function. */
function connect(layout: Layout): () => void {
  const forwardBefore = readFileSync(IP_FORWARD, 'utf8').trim();
  writeFileSync(IP_FORWARD, '1');
  const routes: Array<[string, string, string]> = [
    [floodNet.legit.ns, `${CLUSTER_SUBNET}.0/24`, FLOOD_HOST_IP],
    [floodNet.attack.ns, `${CLUSTER_SUBNET}.0/24`, FLOOD_HOST_IP],
    [layout.edge.ns, `${FLOOD_SUBNET}.0/24`, CLUSTER_HOST_IP],
  ];
  for (const [ns, to, via] of routes) {
    const r = run('ip', ['-n', ns, 'route', 'replace', to, 'via', via]);
    if (r.code !== 0) throw new Error(`route ${to} via ${via} in ${ns}: ${r.stderr.trim()}`);
  }
  return () => {
    run('ip', ['-n', layout.edge.ns, 'route', 'del', `${FLOOD_SUBNET}.0/24`]);
    writeFileSync(IP_FORWARD, forwardBefore);
  };
}

export async function attachToCluster(scale: Scale, log: (l: string) => void): Promise<Stack> {
  const layout = requireCluster();
  const disconnect = connect(layout);
  try {
    log(`the cluster's edge at ${layout.edgeUrl}: seeding its database through the primary`);
    const dataset = await seed(databaseUrl(layout, undefined), scale, layout.edgeUrl, log);
    const dcNamespaces = layout.dcs.map((dc) => dc.ns);
    const apps = appServers(layout);
    return {
      edgeUrl: layout.edgeUrl,
      appUrls: apps.map(appUrl),
      metricsToken: layout.secrets.metrics,
      statsSocket: layout.edge.statsSocket,
      edgeNs: layout.edge.ns,
      pids: { apps: processesNamed(dcNamespaces, 'node'), edge: processesNamed([layout.edge.ns], 'haproxy'), db: processesNamed(dcNamespaces, 'postgres') },
      dataset,
      service: `the running cluster: ${layout.dcs.length} DCs, ${apps.length} app servers, PostgreSQL 15 with synchronous replication (Patroni), HAProxy edge; links ${layout.options.latency}`,
      stop: async () => disconnect(),
    };
  } catch (err) {
    disconnect();
    throw err;
  }
}
