// The network: a bridge in the root namespace (the host gets an address on it so drills and tests
// run from the host), one namespace per DC and one for the edge, each joined by a veth pair.
// Faults: a DC is cut off by detaching its link from the bridge: frames go nowhere, in both
// directions, with no reset and no ICMP (silence, like a burned building or a cut fibre).
import { existsSync } from 'node:fs';
import { assetPath } from '../entry-points.js';
import { BRIDGE, HOST_IP, parseDuration, type DataCenter, type Layout } from './layout.js';
import { must, run, nsRun, signal, startDetached, type Supervisor } from './proc.js';

export function namespaces(): string[] {
  const r = run('ip', ['netns', 'list']);
  return r.stdout.split('\n').map((l) => l.split(' ')[0]!).filter(Boolean);
}

export function linkExists(name: string): boolean {
  return run('ip', ['link', 'show', 'dev', name]).code === 0;
}

/** The bridge (the flood drill passes its own, so it never touches the cluster's). */
export function ensureBridge(bridge = BRIDGE, hostIp = HOST_IP): void {
  if (!linkExists(bridge)) must('ip', ['link', 'add', bridge, 'type', 'bridge']);
  const addrs = run('ip', ['-o', 'addr', 'show', 'dev', bridge]).stdout;
  if (!addrs.includes(`${hostIp}/`)) must('ip', ['addr', 'add', `${hostIp}/24`, 'dev', bridge]);
  must('ip', ['link', 'set', bridge, 'up']);
}

/** A namespace joined to the bridge by a veth pair; `ips` on its eth0 (the first is its main address). */
export function ensureNamespace(ns: string, hostVeth: string, ips: string | string[], bridge = BRIDGE): void {
  if (!namespaces().includes(ns)) must('ip', ['netns', 'add', ns]);
  if (!linkExists(hostVeth)) must('ip', ['link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
  must('ip', ['link', 'set', hostVeth, 'master', bridge, 'up']);
  must('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
  const addrs = nsRun(ns, 'ip', ['-o', 'addr', 'show', 'dev', 'eth0']).stdout;
  for (const ip of [ips].flat()) {
    if (!addrs.includes(`${ip}/`)) must('ip', ['netns', 'exec', ns, 'ip', 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
  }
  must('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'eth0', 'up']);
}

export function setupNetwork(layout: Layout): void {
  ensureBridge();
  ensureNamespace(layout.edge.ns, layout.edge.hostVeth, layout.edge.ip);
  ensureNamespace(layout.status.ns, layout.status.hostVeth, layout.status.ip);
  for (const dc of layout.dcs) ensureNamespace(dc.ns, dc.hostVeth, dc.ip);
}

export interface LatencyResult { applied: boolean; detail: string }

const DELAY_QUEUE = 1;
const delayer = assetPath('nfqueue-delay.py');
// On arrival, not departure: a packet held on its way out still counts against its socket's TCP
// Small Queues budget (about 1 ms of data), which throttled a 10 ms link to 0.5 MB/s; once it has
// crossed the link it belongs to no socket. Either way each crossing pays the delay once.
const delayRule = ['INPUT', '-i', 'eth0', '-j', 'NFQUEUE', '--queue-num', String(DELAY_QUEUE), '--queue-bypass'];

/**
 * Adds a one-way delay to everything a DC sends (so DC-to-DC round trips pay twice the delay).
 * With the kernel's sch_netem: `tc netem` on the DC's egress. Kernels without it (minimal VM kernels,
 * this project's CI among them) still have netfilter's queue: an iptables rule hands each packet
 * arriving in the DC to a small process there that releases it after the delay
 * (assets/nfqueue-delay.py).
 */
export function applyLatency(sup: Supervisor, dc: DataCenter, latency: string): LatencyResult {
  const none = /^0+(ms|s)?$/.test(latency);
  nsRun(dc.ns, 'tc', ['qdisc', 'del', 'dev', 'eth0', 'root']);
  nsRun(dc.ns, 'iptables', ['-F']); // the namespace is ours alone: its only rules are the delay's
  signal(sup, `${dc.name}-delay`, 'SIGKILL');
  if (none) return { applied: false, detail: 'none requested' };
  const netem = nsRun(dc.ns, 'tc', ['qdisc', 'replace', 'dev', 'eth0', 'root', 'netem', 'delay', latency]);
  if (netem.code === 0) return { applied: true, detail: `netem delay ${latency} on ${dc.name} egress` };
  const ms = parseDuration(latency);
  if (run('sh', ['-c', 'command -v iptables']).code !== 0 || !existsSync('/usr/bin/python3')) {
    return { applied: false, detail: `no delay: this kernel lacks sch_netem (${netem.stderr.trim()}) and the NFQUEUE fallback needs iptables and python3 (apt-get install iptables)` };
  }
  startDetached(sup, { name: `${dc.name}-delay`, ns: dc.ns, argv: ['/usr/bin/python3', delayer, String(DELAY_QUEUE), String(ms)] });
  const rule = nsRun(dc.ns, 'iptables', ['-A', ...delayRule]);
  if (rule.code !== 0) return { applied: false, detail: `no delay: iptables NFQUEUE rule failed: ${rule.stderr.trim()}` };
  return { applied: true, detail: `NFQUEUE delay ${latency} on ${dc.name} ingress (kernel lacks sch_netem)` };
}

export function isIsolated(dc: DataCenter): boolean {
  const r = run('ip', ['-o', 'link', 'show', 'dev', dc.hostVeth]);
  return r.code !== 0 || !r.stdout.includes(`master ${BRIDGE}`);
}

/** Cuts the DC off: its link leaves the bridge. Silent both ways. */
export function isolate(dc: DataCenter): void {
  if (linkExists(dc.hostVeth)) must('ip', ['link', 'set', dc.hostVeth, 'nomaster']);
}

export function heal(dc: DataCenter): void {
  must('ip', ['link', 'set', dc.hostVeth, 'master', BRIDGE, 'up']);
}

export function namespacePids(ns: string): number[] {
  const r = run('ip', ['netns', 'pids', ns]);
  if (r.code !== 0) return [];
  return r.stdout.split('\n').map((s) => Number(s.trim())).filter((n) => Number.isInteger(n) && n > 0);
}

/** SIGKILLs every process in the namespace, repeatedly until none is left (children may fork). */
export async function killNamespace(ns: string): Promise<number> {
  let killed = 0;
  for (let round = 0; round < 20; round++) {
    const pids = namespacePids(ns).filter((p) => p !== process.pid);
    if (!pids.length) break;
    for (const pid of pids) { try { process.kill(pid, 'SIGKILL'); killed++; } catch { /* gone */ } }
    await new Promise((r) => setTimeout(r, 100));
  }
  return killed;
}

export async function teardownNetwork(layout: Layout): Promise<void> {
  const ours = [layout.edge.ns, layout.status.ns, ...layout.dcs.map((d) => d.ns)];
  // Also namespaces left by a bigger cluster from an earlier run.
  const all = namespaces().filter((n) => ours.includes(n) || /^fb-(dc\d+|edge|status)$/.test(n));
  for (const ns of all) {
    await killNamespace(ns);
    run('ip', ['netns', 'del', ns]);
  }
  for (const veth of [layout.edge.hostVeth, layout.status.hostVeth, ...layout.dcs.map((d) => d.hostVeth)]) {
    if (linkExists(veth)) run('ip', ['link', 'del', veth]);
  }
  if (linkExists(BRIDGE)) run('ip', ['link', 'del', BRIDGE]);
}
