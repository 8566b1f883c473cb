// What the server side saw during a phase, from counters read before and after it: the edge's
// (HAProxy stats socket: frontend counters and refusals by reason), the app's (/metrics: rejections
// by reason and route), and CPU time from /proc/<pid>/stat of the app, HAProxy and PostgreSQL.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { adminSocket, parseStatCsv } from '../cluster/haproxy.js';
import { EDGE_REASONS, EDGE_REJECTIONS_TABLE, FAIL_OPEN_SUFFIX, parseEdgeRejections, type EdgeReason } from '../edge/haproxy.js';
import type { RejectReason } from '@firebreak/server/overload/metrics.js';

export const APP_REASONS: RejectReason[] = ['rate_limited', 'login_limited', 'shed', 'deadline', 'challenged', 'abandoned'];

export interface EdgeCounters {
  /** Frontend: requests received, connections accepted. */
  requests: number;
  connections: number;
  /** Refusals counted by the edge's own rules, by reason. */
  refused: Record<EdgeReason, number>;
  /** Requests that never became a request: timeouts (408, slow headers), aborts, bad requests. */
  requestErrors: number;
  /** SYNs the edge namespace's kernel dropped before HAProxy saw them (../edge/firewall.ts). */
  kernelDropped: number;
  /** SYNs the edge's kernel dropped because HAProxy's listen queue was full (TcpExt ListenDrops): these hit real users too. */
  listenDrops: number;
  /** Responses by class from the frontend (the edge's own answers and the app's). */
  responses4xx: number;
  responses5xx: number;
  /** Backend: requests retried by the edge (`retry-on`). */
  retries: number;
  /** App servers taken out of rotation by failed health checks, and for how long (s). */
  serverDowns: number;
  serverDowntimeS: number;
}

export interface AppCounters { rejected: Record<RejectReason, number>; byRoute: Record<string, number> }

export interface CpuTimes {
  appMs: number; edgeMs: number; dbMs: number;
  /** Time the app's and the edge's threads were ready to run but waited for a CPU (schedstat). */
  appWaitMs: number; edgeWaitMs: number;
}

export interface Snapshot { at: number; edge: EdgeCounters | null; app: AppCounters | null; cpu: CpuTimes }

/** The server's processes, looked up at each reading (a cluster's app servers restart under their supervisor). */
export interface ServerPids { apps: () => number[]; edge: () => number[]; db: () => number[] }

/** Where a phase's counters are read: the edge's stats socket and namespace, every app server, the processes. */
/** metricsToken: the app servers' FIREBREAK_METRICS_TOKEN (/metrics answers only to it from outside). */
export interface Observed { pids: ServerPids; statsSocket: string; edgeNs: string; appUrls: string[]; metricsToken: string }

const num = (row: Record<string, string> | undefined, col: string) => Number(row?.[col] || 0);

/** Packets dropped by the DROP rules of the INPUT chain in ns (the edge's kernel guard). */
function kernelDropped(ns: string): number {
  const r = spawnSync('ip', ['netns', 'exec', ns, 'iptables', '-L', 'INPUT', '-v', '-x', '-n'], { encoding: 'utf8', timeout: 5000 });
  return (r.stdout ?? '').split('\n').filter((l) => /\sDROP\s/.test(l)).reduce((t, l) => t + Number(l.trim().split(/\s+/)[0] || 0), 0);
}

/** TcpExt ListenDrops of ns: connections lost because the listener did not accept them in time. */
function listenDrops(ns: string): number {
  const text = spawnSync('ip', ['netns', 'exec', ns, 'cat', '/proc/net/netstat'], { encoding: 'utf8', timeout: 5000 }).stdout ?? '';
  const [names, values] = text.split('\n').filter((l) => l.startsWith('TcpExt:')).map((l) => l.split(/\s+/));
  const i = names?.indexOf('ListenDrops') ?? -1;
  return i > 0 ? Number(values?.[i] ?? 0) : 0;
}

export async function edgeCounters(statsSocket: string, ns: string): Promise<EdgeCounters | null> {
  try {
    const rows = parseStatCsv(await adminSocket(statsSocket, 'show stat'));
    const fe = rows.find((r) => r.pxname === 'fe_firebreak' && r.svname === 'FRONTEND');
    const be = rows.find((r) => r.pxname === 'be_app' && r.svname === 'BACKEND');
    const writes = rows.find((r) => r.pxname === 'be_app_writes' && r.svname === 'BACKEND');
    const servers = rows.filter((r) => r.pxname === 'be_app' && !['FRONTEND', 'BACKEND'].includes(r.svname ?? '') && !r.svname?.endsWith(FAIL_OPEN_SUFFIX));
    const sum = (col: string) => servers.reduce((t, r) => t + num(r, col), 0);
    const refused = parseEdgeRejections(await adminSocket(statsSocket, `show table ${EDGE_REJECTIONS_TABLE}`));
    return {
      requests: num(fe, 'req_tot'), connections: num(fe, 'conn_tot'), refused, requestErrors: num(fe, 'ereq'), kernelDropped: kernelDropped(ns), listenDrops: listenDrops(ns),
      responses4xx: num(fe, 'hrsp_4xx'), responses5xx: num(fe, 'hrsp_5xx'), retries: num(be, 'wretr') + num(writes, 'wretr'),
      serverDowns: sum('chkdown'), serverDowntimeS: sum('downtime'),
    };
  } catch { return null; }
}

/** Sums firebreak_requests_rejected_total from a Prometheus text page, by reason and by `reason route`. */
export function parseRejections(metrics: string): AppCounters {
  const rejected = Object.fromEntries(APP_REASONS.map((r) => [r, 0])) as Record<RejectReason, number>;
  const byRoute: Record<string, number> = {};
  for (const m of metrics.matchAll(/^firebreak_requests_rejected_total\{reason="([^"]+)",route="([^"]*)"\} (\d+)/gm)) {
    const [, reason, route, value] = m as unknown as [string, string, string, string];
    if (reason in rejected) rejected[reason as RejectReason] += Number(value);
    byRoute[`${reason} ${route}`] = Number(value);
  }
  return { rejected, byRoute };
}

const scrape = (appUrl: string, metricsToken: string, timeoutMs: number) =>
  fetch(`${appUrl}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` }, signal: AbortSignal.timeout(timeoutMs) });

export async function appCounters(appUrl: string, metricsToken: string): Promise<AppCounters | null> {
  try {
    const res = await scrape(appUrl, metricsToken, 5000);
    return res.ok ? parseRejections(await res.text()) : null;
  } catch { return null; }
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** utime + stime of one process in ms; 0 when it is gone. */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces); utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch { return 0; }
}

/** Run-queue wait of every thread of a process, in ms (/proc/<pid>/task/<tid>/schedstat, field 2). */
export function cpuWaitMs(pid: number): number {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[1] ?? 0);
    }
    return Math.round(ns / 1e6);
  } catch { return 0; }
}

const sum = (pids: number[], f: (pid: number) => number) => pids.reduce((t, pid) => t + f(pid), 0);

/** Rejections summed over every app server; null when none answered. */
async function appCountersOf(appUrls: string[], metricsToken: string): Promise<AppCounters | null> {
  const all = (await Promise.all(appUrls.map((url) => appCounters(url, metricsToken)))).filter((c): c is AppCounters => c !== null);
  if (!all.length) return null;
  const rejected = Object.fromEntries(APP_REASONS.map((r) => [r, all.reduce((t, c) => t + c.rejected[r], 0)])) as Record<RejectReason, number>;
  const byRoute: Record<string, number> = {};
  for (const c of all) for (const [k, v] of Object.entries(c.byRoute)) byRoute[k] = (byRoute[k] ?? 0) + v;
  return { rejected, byRoute };
}

export async function snapshot(o: Observed): Promise<Snapshot> {
  const [edge, app] = await Promise.all([edgeCounters(o.statsSocket, o.edgeNs), appCountersOf(o.appUrls, o.metricsToken)]);
  const apps = o.pids.apps();
  const edges = o.pids.edge();
  const cpu = {
    appMs: sum(apps, cpuMs), edgeMs: sum(edges, cpuMs), dbMs: sum(o.pids.db(), cpuMs),
    appWaitMs: sum(apps, cpuWaitMs), edgeWaitMs: sum(edges, cpuWaitMs),
  };
  return { at: Date.now(), edge, app, cpu };
}

export interface PhaseCounters {
  seconds: number;
  edge: EdgeCounters | null;
  app: AppCounters | null;
  cpu: CpuTimes;
}

/** b - a, field by field. */
function diff<T extends object>(a: T, b: T): T {
  const x = a as Record<string, number>;
  return Object.fromEntries(Object.entries(b as Record<string, number>).map(([k, v]) => [k, v - (x[k] ?? 0)])) as T;
}

export function delta(before: Snapshot, after: Snapshot): PhaseCounters {
  const edge = before.edge && after.edge
    ? { ...diff({ ...before.edge, refused: 0 }, { ...after.edge, refused: 0 }), refused: diff(before.edge.refused, after.edge.refused) }
    : null;
  let app: AppCounters | null = null;
  if (before.app && after.app) {
    const byRoute: Record<string, number> = {};
    for (const [k, v] of Object.entries(after.app.byRoute)) if (v - (before.app.byRoute[k] ?? 0) > 0) byRoute[k] = v - (before.app.byRoute[k] ?? 0);
    app = { rejected: diff(before.app.rejected, after.app.rejected), byRoute };
  }
  return { seconds: (after.at - before.at) / 1000, edge, app, cpu: diff(before.cpu, after.cpu) };
}

export const edgeRefusedTotal = (c: PhaseCounters) => (c.edge ? EDGE_REASONS.reduce((s, r) => s + c.edge!.refused[r], 0) : 0);
export const appRejectedTotal = (c: PhaseCounters) => (c.app ? APP_REASONS.reduce((s, r) => s + c.app!.rejected[r], 0) : 0);

/** The app's admission state over a phase, sampled from /metrics: how far the limit fell, how long the queue got. */
export interface AdmissionSamples {
  samples: number; limitMin: number | null; limitMax: number | null; inflightMax: number; queuedMax: number;
  /** The slowest /readyz answer seen from outside (what the edge's health check sees), and the longest event-loop stall. */
  readyzMaxMs: number; eventLoopLagMaxMs: number;
}

/** Samples every app server; the figures are the extremes over all of them. */
export function sampleAdmission(appUrls: string[], metricsToken: string, everyMs = 500): { stop(): AdmissionSamples } {
  const out: AdmissionSamples = { samples: 0, limitMin: null, limitMax: null, inflightMax: 0, queuedMax: 0, readyzMaxMs: 0, eventLoopLagMaxMs: 0 };
  const gauge = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN);
  const sampleOne = async (appUrl: string) => {
    try {
      const started = performance.now();
      await fetch(`${appUrl}/readyz`, { signal: AbortSignal.timeout(5000) }).then((r) => r.arrayBuffer()).catch(() => {});
      out.readyzMaxMs = Math.max(out.readyzMaxMs, Math.round(performance.now() - started));
      const text = await (await scrape(appUrl, metricsToken, 2000)).text();
      // prom-client resets its event-loop histogram at every scrape: this is the worst since the last one.
      out.eventLoopLagMaxMs = Math.max(out.eventLoopLagMaxMs, Math.round((gauge(text, 'nodejs_eventloop_lag_max_seconds') || 0) * 1000));
      const limit = gauge(text, 'firebreak_overload_concurrency_limit');
      if (Number.isFinite(limit)) {
        out.limitMin = Math.min(out.limitMin ?? limit, limit);
        out.limitMax = Math.max(out.limitMax ?? limit, limit);
      }
      out.inflightMax = Math.max(out.inflightMax, gauge(text, 'firebreak_overload_inflight') || 0);
      out.queuedMax = Math.max(out.queuedMax, gauge(text, 'firebreak_overload_queued') || 0);
      out.samples++;
    } catch { /* the app is too busy to answer a scrape: that shows elsewhere */ }
  };
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return; // a slow scrape is skipped, not stacked
    busy = true;
    try { await Promise.all(appUrls.map(sampleOne)); } finally { busy = false; }
  }, everyMs);
  return { stop: () => { clearInterval(timer); return out; } };
}
