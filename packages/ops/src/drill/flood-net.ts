// The flood drill's own network, apart from the cluster's (fb-*, fbr0, 10.77.0.0/24): bridge fbf0 on
// 10.78.0.0/24 with the host at .1 and four namespaces joined to it:
//   fbf-edge   .2          HAProxy
//   fbf-srv    .3          PostgreSQL and the app server
//   fbf-legit  .10-.73     legitimate clients, each user on one of 64 addresses (as from many homes)
//   fbf-atk    .100-.249   attackers: the HTTP flood from .100, the other attacks from address ranges
//                          of their own, so no attack starts out already limited by an earlier one.
// Attackers are held to a CPU budget (a cgroup) with the lowest CPU weight, and run niced: on one
// small machine the attacker's own load generator would otherwise take the CPU the defended server
// needs, which a real attacker, on other machines, does not. The weight is what counts: the
// scheduler weighs a cgroup as one task, so nice inside it does not lower the group against the
// server (one run lost 7% of legitimate requests to an attacker holding its full CPU budget).
import { mkdirSync, rmdirSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { ensureBridge, ensureNamespace, killNamespace, linkExists, namespaces } from '../cluster/netns.js';
import { run } from '../cluster/proc.js';

export const FLOOD_BRIDGE = 'fbf0';
export const FLOOD_SUBNET = '10.78.0';
export const FLOOD_HOST_IP = `${FLOOD_SUBNET}.1`;

export interface FloodNamespace { ns: string; hostVeth: string; ips: string[] }

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `${FLOOD_SUBNET}.${from + i}`);

export const floodNet = {
  edge: { ns: 'fbf-edge', hostVeth: 'fbfv-edge', ips: [`${FLOOD_SUBNET}.2`] },
  server: { ns: 'fbf-srv', hostVeth: 'fbfv-srv', ips: [`${FLOOD_SUBNET}.3`] },
  legit: { ns: 'fbf-legit', hostVeth: 'fbfv-legit', ips: range(10, 73) },
  attack: { ns: 'fbf-atk', hostVeth: 'fbfv-atk', ips: range(100, 249) },
} satisfies Record<string, FloodNamespace>;

/** Attacker addresses for each attack, disjoint. The HTTP flood's wrk uses the namespace's main address. */
export const attackAddresses = {
  httpFlood: floodNet.attack.ips.slice(0, 1),
  httpFloodSpread: floodNet.attack.ips.slice(1, 10),
  expensive: floodNet.attack.ips.slice(10, 60),
  slowloris: floodNet.attack.ips.slice(60, 110),
  bruteForce: floodNet.attack.ips.slice(110, 150),
};

const ALL = Object.values(floodNet);

export function setupFloodNetwork(): void {
  ensureBridge(FLOOD_BRIDGE, FLOOD_HOST_IP);
  for (const n of ALL) ensureNamespace(n.ns, n.hostVeth, n.ips, FLOOD_BRIDGE);
}

/** Kills what runs in our namespaces and removes them, the veths and the bridge. Only fbf-* names. */
export async function teardownFloodNetwork(): Promise<void> {
  const present = namespaces();
  for (const n of ALL) {
    if (!present.includes(n.ns)) continue;
    await killNamespace(n.ns);
    run('ip', ['netns', 'del', n.ns]);
  }
  for (const n of ALL) if (linkExists(n.hostVeth)) run('ip', ['link', 'del', n.hostVeth]);
  if (linkExists(FLOOD_BRIDGE)) run('ip', ['link', 'del', FLOOD_BRIDGE]);
}

// ---------------------------------------------------------------------------------------------
// The attackers' CPU budget and weight: cgroup v2 (cpu.max, cpu.weight) or v1 (cfs quota, shares).

const CGROUP_NAME = 'fbf-attack';
const PERIOD_US = 100_000;

export interface CpuCap {
  /** CPUs the attackers may use together, or null when no cap could be set. */
  cpus: number | null;
  detail: string;
  /** Command prefix for attacker processes: their niceness. */
  prefix: string[];
  add(pid: number): void;
  remove(): void;
}

export const ATTACKER_NICE = 10;

export function capAttackerCpu(cpus: number): CpuCap {
  const prefix = ['nice', '-n', String(ATTACKER_NICE)];
  const none = (detail: string): CpuCap => ({ cpus: null, detail: `${detail}; nice ${ATTACKER_NICE}`, prefix, add: () => {}, remove: () => {} });
  if (!(cpus > 0)) return none('no cap requested');
  const quota = String(Math.round(cpus * PERIOD_US));
  const v2 = '/sys/fs/cgroup/cgroup.controllers';
  let dir: string;
  try {
    if (existsSync(v2) && readFileSync(v2, 'utf8').includes('cpu')) {
      dir = `/sys/fs/cgroup/${CGROUP_NAME}`;
      mkdirSync(dir, { recursive: true });
      writeFileSync(`${dir}/cpu.max`, `${quota} ${PERIOD_US}`);
      writeFileSync(`${dir}/cpu.weight`, '1');
    } else if (existsSync('/sys/fs/cgroup/cpu/cpu.cfs_quota_us')) {
      dir = `/sys/fs/cgroup/cpu/${CGROUP_NAME}`;
      mkdirSync(dir, { recursive: true });
      writeFileSync(`${dir}/cpu.cfs_period_us`, String(PERIOD_US));
      writeFileSync(`${dir}/cpu.cfs_quota_us`, quota);
      writeFileSync(`${dir}/cpu.shares`, '2');
    } else return none('no cgroup cpu controller: attackers run uncapped');
  } catch (err) {
    return none(`cgroup not writable (${(err as Error).message}): attackers run uncapped`);
  }
  return {
    cpus,
    prefix,
    detail: `attackers capped at ${cpus} CPU with the lowest CPU weight (cgroup ${dir}), nice ${ATTACKER_NICE}`,
    add(pid) {
      try { writeFileSync(`${dir}/cgroup.procs`, String(pid)); } catch { /* already exited */ }
    },
    remove() {
      // Only empty cgroups can be removed; our attackers have exited by now.
      try { rmdirSync(dir); } catch { /* still busy or gone */ }
    },
  };
}
