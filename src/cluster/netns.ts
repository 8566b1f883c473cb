// The network: a bridge in the root namespace (the host gets an address on it so drills and tests
// run from the host), one namespace per DC and one for the edge, each joined by a veth pair.
// Faults: a DC is cut off by detaching its link from the bridge: frames go nowhere, in both
// directions, with no reset and no ICMP (silence, like a burned building or a cut fibre).
import { BRIDGE, HOST_IP, type DataCenter, type Layout } from './layout.js';
import { must, run, nsRun } from './proc.js';

export function namespaces(): string[] {
  const r = run('ip', ['netns', 'list']);
  return r.stdout.split('\n').map((l) => l.split(' ')[0]!).filter(Boolean);
}

function linkExists(name: string): boolean {
  return run('ip', ['link', 'show', 'dev', name]).code === 0;
}

function ensureBridge(): void {
  if (!linkExists(BRIDGE)) must('ip', ['link', 'add', BRIDGE, 'type', 'bridge']);
  const addrs = run('ip', ['-o', 'addr', 'show', 'dev', BRIDGE]).stdout;
  if (!addrs.includes(`${HOST_IP}/`)) must('ip', ['addr', 'add', `${HOST_IP}/24`, 'dev', BRIDGE]);
  must('ip', ['link', 'set', BRIDGE, 'up']);
}

function ensureNamespace(ns: string, hostVeth: string, ip: string): void {
  if (!namespaces().includes(ns)) must('ip', ['netns', 'add', ns]);
  if (!linkExists(hostVeth)) must('ip', ['link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
  must('ip', ['link', 'set', hostVeth, 'master', BRIDGE, 'up']);
  must('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
  const addrs = nsRun(ns, 'ip', ['-o', 'addr', 'show', 'dev', 'eth0']).stdout;
  if (!addrs.includes(`${ip}/`)) must('ip', ['netns', 'exec', ns, 'ip', 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
  must('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'eth0', 'up']);
}

export function setupNetwork(layout: Layout): void {
  ensureBridge();
  ensureNamespace(layout.edge.ns, layout.edge.hostVeth, layout.edge.ip);
  ensureNamespace(layout.status.ns, layout.status.hostVeth, layout.status.ip);
  for (const dc of layout.dcs) ensureNamespace(dc.ns, dc.hostVeth, dc.ip);
}

export interface LatencyResult { applied: boolean; detail: string }

/**
 * Adds a one-way delay to everything a DC sends (so DC-to-DC round trips pay twice the delay).
 * Needs the kernel's sch_netem; some kernels (e.g. minimal VM kernels) lack it, and then the
 * cluster runs without added delay and says so.
 */
export function applyLatency(dc: DataCenter, latency: string): LatencyResult {
  if (/^0+(ms|s)?$/.test(latency)) {
    nsRun(dc.ns, 'tc', ['qdisc', 'del', 'dev', 'eth0', 'root']);
    return { applied: false, detail: 'none requested' };
  }
  const r = nsRun(dc.ns, 'tc', ['qdisc', 'replace', 'dev', 'eth0', 'root', 'netem', 'delay', latency]);
  if (r.code === 0) return { applied: true, detail: `netem delay ${latency} on ${dc.name} egress` };
  return { applied: false, detail: `tc netem unavailable (${r.stderr.trim() || 'error'}): this kernel lacks sch_netem, running without added delay` };
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
