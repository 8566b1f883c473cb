// The edge's first line, in the kernel of its namespace, before HAProxy sees a packet. HAProxy refuses
// a source holding five times its connection cap, but a refused connection comes straight back: in
// the flood drill wrk made the edge accept and refuse 20,000 connections a second, and on two shared
// cores that CPU was what real users' requests waited for. Dropping those sources' SYNs instead costs
// the kernel almost nothing and sends the flooder into TCP's own retry backoff (1 s, then 3 s...).
// The thresholds sit above HAProxy's, so a busy but polite source still gets HAProxy's 429s and
// tarpits with Retry-After; only sources far past them meet silence.
import { run } from '../cluster/proc.js';
import { defaultEdgeLimits, HARD_CAP_FACTOR, type EdgeLimits } from './haproxy.js';

/** Limits at or above this are "off" (perSourceLimitsOff) and get no kernel rule. */
const OFF = 1e6;

/** iptables argument lists for the INPUT chain of the edge's namespace (pure). */
export function edgeFirewallRules(port: number, overrides: Partial<EdgeLimits> = {}): string[][] {
  const l = { ...defaultEdgeLimits, ...overrides };
  const syn = ['-A', 'INPUT', '-p', 'tcp', '--dport', String(port), '--syn'];
  const rules: string[][] = [];
  const hardCap = l.connectionsPerSource * HARD_CAP_FACTOR;
  if (hardCap < OFF) {
    rules.push([...syn, '-m', 'connlimit', '--connlimit-above', String(hardCap), '--connlimit-mask', '32', '-j', 'DROP']);
  }
  if (l.newConnectionsPer10s < OFF) {
    // Twice HAProxy's connection-rate limit, averaged per second, with ten seconds' worth of burst.
    const perSecond = Math.max(1, Math.ceil((2 * l.newConnectionsPer10s) / 10));
    rules.push([...syn, '-m', 'hashlimit', '--hashlimit-name', `fb-edge-${port}`, '--hashlimit-mode', 'srcip',
      '--hashlimit-above', `${perSecond}/second`, '--hashlimit-burst', String(perSecond * 10), '-j', 'DROP']);
  }
  return rules;
}

/** Replaces the INPUT rules of ns with the edge's; says what happened (iptables may be missing). */
export function applyEdgeFirewall(ns: string, port: number, overrides: Partial<EdgeLimits> = {}): { applied: boolean; detail: string } {
  const iptables = (args: string[]) => run('ip', ['netns', 'exec', ns, 'iptables', ...args]);
  const flush = iptables(['-F', 'INPUT']);
  if (flush.code !== 0) return { applied: false, detail: `no kernel guard at the edge (iptables: ${flush.stderr.trim() || 'not installed'}); HAProxy's limits still apply` };
  const rules = edgeFirewallRules(port, overrides);
  for (const rule of rules) {
    const r = iptables(rule);
    if (r.code !== 0) return { applied: false, detail: `kernel guard rule failed: ${r.stderr.trim()}` };
  }
  return { applied: rules.length > 0, detail: rules.length ? `${rules.length} kernel rules drop SYNs of sources far past the limits` : 'per-source limits off' };
}
