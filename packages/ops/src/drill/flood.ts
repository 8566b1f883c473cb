// `firebreak drill flood`: the whole drill in one run. Sets up its own network and service
// (flood-net.ts, flood-stack.ts) or joins the running cluster's edge (flood-cluster.ts), measures
// capacity, then runs each phase with the same legitimate open-loop load (60% of capacity, from
// fbf-legit): a baseline without attack, then (a) an HTTP flood of cheap anonymous requests (wrk
// from one address, a closed loop from nine more), (b) a flood of expensive anonymous requests from
// 50 addresses (search, far-back pages), (c) slowloris from 50 addresses, (d) a password brute force
// against one account from 40 addresses while its owner logs in. Counters from the edge, the app
// servers and /proc are read around each phase (flood-stats.ts); everything the drill created is
// torn down at the end, also on failure or Ctrl-C.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCALES, type Scale } from '@firebreak/testkit/dataset.js';
import { gitCommit } from '../bench/cli.js';
import type { OpenLoopResult } from '../bench/load.js';
import { run } from '../cluster/proc.js';
import { findPostgresBin } from '@firebreak/testkit/postgres-server.js';
import type { AgentSpec } from './flood-agent.js';
import type { ClosedLoopResult, LoginResult, SlowlorisResult } from './flood-clients.js';
import { attackAddresses, capAttackerCpu, floodNet, setupFloodNetwork, teardownFloodNetwork, type CpuCap } from './flood-net.js';
import { verdict, type AttackStats, type BruteForceReport, type FloodReport, type PhaseName, type PhaseReport } from './flood-report.js';
import { attachToCluster } from './flood-cluster.js';
import { startStack, VICTIM, type Stack } from './flood-stack.js';
import { appRejectedTotal, delta, edgeRefusedTotal, sampleAdmission, snapshot, type AdmissionSamples, type PhaseCounters } from './flood-stats.js';
import { parseWrk, wrkArgs } from './flood-wrk.js';

const AGENT = fileURLToPath(new URL('./flood-agent.js', import.meta.url));

export interface FloodOptions {
  short: boolean;
  minSuccess: number;
  /** CPUs the attackers may use together (0: uncapped). */
  attackerCpu: number;
  /** Share of measured capacity the legitimate clients ask for. */
  legitShare: number;
  /** The attacks to run (the baseline always runs first); default all. */
  attacks: PhaseName[];
  /** Against the running cluster's edge (flood-cluster.ts) instead of a server of the drill's own. */
  cluster: boolean;
  command: string;
}

interface Timing { capacitySeconds: number; warmupSeconds: number; maxWarmupSeconds: number; phaseSeconds: number; settleSeconds: number; scale: Scale }

const TIMING: Record<'full' | 'short', Timing> = {
  full: { capacitySeconds: 10, warmupSeconds: 3, maxWarmupSeconds: 90, phaseSeconds: 20, settleSeconds: 5, scale: SCALES.small! },
  // CI: a smaller network and a few seconds per phase; the whole drill well under three minutes.
  short: { capacitySeconds: 4, warmupSeconds: 2, maxWarmupSeconds: 30, phaseSeconds: 6, settleSeconds: 2, scale: { ...SCALES.small!, name: 'flood-short', accounts: 600, statuses: 15_000, meanFollows: 30 } },
};

const LOGIN_LIMIT = 5; // FIREBREAK_LOGIN_ATTEMPTS default, which the drill's app server runs with
const LOGIN_WINDOW_S = 300;
const LEGIT_TIMEOUT_MS = 10_000; // a user's patience
const POST_SHARE = 0.1;

const log = (line: string) => process.stderr.write(`[flood] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function preflight(): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root (network namespaces)');
  for (const [cmd, args, pkg] of [['ip', ['-V'], 'iproute2'], ['haproxy', ['-v'], 'haproxy'], ['wrk', ['-v'], 'wrk'], ['iptables', ['-V'], 'iptables']] as const) {
    // wrk -v prints its version and exits 1.
    if (run(cmd, [...args]).code === 127) missing.push(`${cmd} (apt-get install ${pkg})`);
  }
  if (!findPostgresBin()) missing.push('PostgreSQL 15 binaries (apt-get install postgresql-15)');
  return missing;
}

/** Runs one agent in a namespace; resolves with its JSON result. */
function agent<T>(ns: string, spec: AgentSpec, dir: string, cap?: CpuCap): Promise<T> {
  const file = join(dir, `${spec.role}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(spec));
  const child = spawn('ip', ['netns', 'exec', ns, ...(cap?.prefix ?? []), 'prlimit', '--nofile=20000', '--', process.execPath, AGENT, file], { stdio: ['ignore', 'pipe', 'pipe'] });
  if (cap && child.pid) cap.add(child.pid);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { err = (err + d).slice(-4000); });
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out) as T);
      else reject(new Error(`${spec.role} agent failed (${code}): ${err.trim()}`));
    });
  });
}

/** The cheap-request flood: wrk from the attacker namespace's main address. */
function wrk(url: string, connections: number, seconds: number, startAt: number, cap: CpuCap): Promise<string> {
  return new Promise((resolve, reject) => {
    setTimeout(() => {
      const child = spawn('ip', ['netns', 'exec', floodNet.attack.ns, ...cap.prefix, 'wrk', ...wrkArgs(url, connections, seconds)], { stdio: ['ignore', 'pipe', 'pipe'] });
      if (child.pid) cap.add(child.pid);
      let out = '';
      child.stdout!.on('data', (d) => { out += d; });
      child.stderr!.on('data', (d) => { out += d; });
      child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`wrk failed (${code}): ${out.slice(-1000)}`))));
    }, Math.max(0, startAt - Date.now()));
  });
}

interface Run {
  stack: Stack; dir: string; cap: CpuCap; timing: Timing; runId: string; legitRate: number; capacity: number;
  /** Filled in by the brute-force phase. */
  bruteForce: BruteForceReport | null;
}

function legitSpec(r: Run, startAt: number): AgentSpec {
  return {
    role: 'legit', baseUrl: r.stack.edgeUrl, startAt, users: r.stack.dataset.users, addresses: floodNet.legit.ips, runId: r.runId,
    rate: r.legitRate, seconds: r.timing.phaseSeconds, postShare: POST_SHARE, timeoutMs: LEGIT_TIMEOUT_MS,
  };
}

const loginForm = (r: Run, password: string) => ({
  grant_type: 'password', ...r.stack.dataset.client, username: VICTIM.username, password, scope: 'read',
});

/** The owner's login from one of the legitimate namespace's addresses. */
const ownerLogin = (r: Run, address: string, startAt = Date.now()) =>
  agent<LoginResult>(floodNet.legit.ns, { role: 'login', baseUrl: r.stack.edgeUrl, startAt, address, form: loginForm(r, VICTIM.password) }, r.dir);

/** The owner's usual address, and one they never logged in from. */
const OWNER_HOME = floodNet.legit.ips[0]!;
const OWNER_ELSEWHERE = floodNet.legit.ips[floodNet.legit.ips.length - 1]!;

type Attack = (r: Run, startAt: number) => Promise<AttackStats>;

const times = (r: Run, perSecond: number) => (r.capacity ? perSecond / r.capacity : null);

/** Cheap anonymous paths: what a flooder who knows nothing about the service hits. */
const CHEAP_PATHS = ['/api/v1/instance', '/api/v2/instance', '/api/v1/custom_emojis', '/nodeinfo/2.0'];

const httpFlood: Attack = async (r, startAt) => {
  // Two floods of cheap anonymous requests at once. wrk from one address with more connections than
  // the edge lets one source hold (100 served, up to 500 held in the tarpit): the rest meet the
  // kernel guard, whose dropped SYNs send wrk into TCP's retry backoff, so on its own it stops being
  // a flood. Beside it, a closed loop from nine other addresses, each within the connection limits,
  // keeps the request rate at many times capacity for the edge's rate limits and the app's shedding.
  const connections = 1000;
  const spreadConcurrency = 200;
  const [wrkOut, spread] = await Promise.all([
    wrk(`${r.stack.edgeUrl}${CHEAP_PATHS[0]}`, connections, r.timing.phaseSeconds, startAt, r.cap).then(parseWrk),
    agent<ClosedLoopResult>(floodNet.attack.ns, {
      role: 'anonymous', baseUrl: r.stack.edgeUrl, startAt, paths: CHEAP_PATHS, addresses: attackAddresses.httpFloodSpread,
      concurrency: spreadConcurrency, seconds: r.timing.phaseSeconds,
    }, r.dir, r.cap),
  ]);
  const attempts = wrkOut.attempts + spread.requests;
  const perSecond = Math.round(wrkOut.attemptsPerSecond + spread.requests / spread.seconds);
  const outcomes: Record<string, number> = {
    'wrk non-2xx': wrkOut.non2xx, 'wrk 2xx': wrkOut.requests - wrkOut.non2xx, 'wrk connect errors': wrkOut.socketErrors.connect,
    'wrk read errors': wrkOut.socketErrors.read, 'wrk timeouts': wrkOut.socketErrors.timeout,
  };
  for (const [k, v] of Object.entries(spread.outcomes)) outcomes[`spread ${k}`] = v;
  return {
    description: `wrk, ${connections} connections from 1 address, and ${spreadConcurrency} connections from ${attackAddresses.httpFloodSpread.length} more; GET ${CHEAP_PATHS.join(', ')}`,
    attempts, perSecond, timesCapacity: times(r, perSecond), outcomes, detail: { wrk: wrkOut, spread },
  };
};

function closedLoopAttack(description: string, res: ClosedLoopResult, r: Run): AttackStats {
  const perSecond = Math.round(res.requests / res.seconds);
  return { description, attempts: res.requests, perSecond, timesCapacity: times(r, perSecond), outcomes: res.outcomes };
}

const expensiveFlood: Attack = async (r, startAt) => {
  const concurrency = 200;
  const res = await agent<ClosedLoopResult>(floodNet.attack.ns, {
    role: 'anonymous', baseUrl: r.stack.edgeUrl, startAt, paths: r.stack.dataset.expensivePaths, addresses: attackAddresses.expensive,
    concurrency, seconds: r.timing.phaseSeconds,
  }, r.dir, r.cap);
  return closedLoopAttack(`${concurrency} connections from ${attackAddresses.expensive.length} addresses: search, far-back pages of public, tag and account timelines`, res, r);
};

const slowlorisAttack: Attack = async (r, startAt) => {
  const connections = 3000;
  const res = await agent<SlowlorisResult>(floodNet.attack.ns, {
    role: 'slowloris', host: new URL(r.stack.edgeUrl).hostname, port: Number(new URL(r.stack.edgeUrl).port), startAt, addresses: attackAddresses.slowloris, connections, seconds: r.timing.phaseSeconds,
  }, r.dir, r.cap);
  const perSecond = Math.round(res.opened / r.timing.phaseSeconds);
  return {
    description: `${connections} slow connections from ${attackAddresses.slowloris.length} addresses, one header line a second, never finished`,
    attempts: res.opened, perSecond, timesCapacity: null,
    outcomes: { 'held open at peak': res.peakOpen, 'dropped by the server': res.closedByServer, 'of those answered 408': res.answered408, 'refused': res.refused },
    detail: res,
  };
};

const bruteForceAttack: Attack = async (r, startAt) => {
  const concurrency = 20;
  const attack = agent<ClosedLoopResult>(floodNet.attack.ns, {
    role: 'bruteforce', baseUrl: r.stack.edgeUrl, startAt, addresses: attackAddresses.bruteForce, concurrency, seconds: r.timing.phaseSeconds,
    form: loginForm(r, ''),
  }, r.dir, r.cap);
  const ownerDuring = ownerLogin(r, OWNER_HOME, startAt + (r.timing.phaseSeconds * 1000) / 2);
  const res = await attack;
  const [during, after, elsewhere] = await Promise.all([ownerDuring, ownerLogin(r, OWNER_HOME), ownerLogin(r, OWNER_ELSEWHERE)]);
  r.bruteForce = {
    passwordChecks: res.outcomes['400'] ?? 0, limitPerWindow: LOGIN_LIMIT, windowSeconds: LOGIN_WINDOW_S,
    ownerDuring: during, ownerAfter: after, ownerNewAddress: elsewhere,
  };
  return closedLoopAttack(`${concurrency} connections from ${attackAddresses.bruteForce.length} addresses, password guesses for @${VICTIM.username}`, res, r);
};

export const PHASES: Array<{ name: PhaseName; attack: Attack | null }> = [
  { name: 'baseline', attack: null },
  { name: 'http-flood', attack: httpFlood },
  { name: 'expensive-flood', attack: expensiveFlood },
  { name: 'slowloris', attack: slowlorisAttack },
  { name: 'brute-force', attack: bruteForceAttack },
];

async function runPhase(r: Run, name: PhaseName, attack: Attack | null, baseline: PhaseReport | undefined): Promise<PhaseReport> {
  log(`${name}: ${r.timing.phaseSeconds} s, legitimate ${r.legitRate} req/s${attack ? ' + attack' : ''}`);
  const startAt = Date.now() + 1500; // time for the agents to start
  const legit = agent<OpenLoopResult>(floodNet.legit.ns, legitSpec(r, startAt), r.dir);
  const attacking = attack?.(r, startAt);
  await sleep(startAt - Date.now() - 100);
  const before = await snapshot(r.stack);
  const sampler = sampleAdmission(r.stack.appUrls, r.stack.metricsToken);
  const [l, a] = await Promise.all([legit, attacking ?? Promise.resolve(null)]);
  const admission = sampler.stop();
  const after = await snapshot(r.stack);
  return phaseReport(name, l, a, delta(before, after), admission, baseline);
}

function phaseReport(name: PhaseName, l: OpenLoopResult, attack: AttackStats | null, c: PhaseCounters, admission: AdmissionSamples, baseline: PhaseReport | undefined): PhaseReport {
  const ok = l.requests - l.failures;
  const failures = Object.fromEntries(Object.entries(l.outcomes).filter(([k]) => !/^2\d\d$/.test(k)));
  const edgeTotal = edgeRefusedTotal(c) + (c.edge?.requestErrors ?? 0) + (c.edge?.kernelDropped ?? 0);
  const appTotal = appRejectedTotal(c);
  // The attack's CPU: what the phase used minus what its successful legitimate requests cost at the
  // baseline's price per request (an attack that makes legitimate requests fail also saves their work).
  const totalMs = c.cpu.appMs + c.cpu.edgeMs + c.cpu.dbMs;
  const perLegitMs = baseline ? (baseline.cpu.appMs + baseline.cpu.edgeMs + baseline.cpu.dbMs) / Math.max(1, baseline.legit.ok) : 0;
  const extraMs = baseline ? Math.round(totalMs - perLegitMs * ok) : 0;
  const refused = edgeTotal + appTotal;
  return {
    name, seconds: c.seconds, admission,
    edgeServer: c.edge ? { downs: c.edge.serverDowns, downtimeS: c.edge.serverDowntimeS, retries: c.edge.retries } : null,
    legit: { targetRate: l.targetRate ?? 0, requests: l.requests, ok, successRate: ok / l.requests, p50Ms: l.p50Ms, p99Ms: l.p99Ms, p999Ms: l.p999Ms, maxMs: l.maxMs, failures },
    attack,
    rejected: {
      edge: c.edge ? { ...c.edge.refused, requestErrors: c.edge.requestErrors, kernelDropped: c.edge.kernelDropped, listenDrops: c.edge.listenDrops } : null,
      app: c.app?.rejected ?? null,
      appTopRoutes: Object.entries(c.app?.byRoute ?? {}).sort((x, y) => y[1] - x[1]).slice(0, 4).map(([key, count]) => ({ key, count })),
      edgeTotal, appTotal,
    },
    cpu: { ...c.cpu, extraMs, msPerRejected: attack && refused > 0 ? Math.max(0, extraMs) / refused : null },
  };
}

export async function runFloodDrill(options: FloodOptions): Promise<FloodReport> {
  const missing = preflight();
  if (missing.length) throw new Error(`missing: ${missing.join(', ')}`);
  const timing = TIMING[options.short ? 'short' : 'full'];
  const startedAt = new Date();
  const loadAverageStart = loadavg();
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-flood-agents-'));
  let stack: Stack | undefined;
  let cap: CpuCap | undefined;
  const cleanup = async () => {
    await stack?.stop();
    stack = undefined;
    await teardownFloodNetwork();
    cap?.remove();
    rmSync(dir, { recursive: true, force: true });
  };
  const interrupted = () => { log('interrupted: cleaning up'); void cleanup().finally(() => process.exit(130)); };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    await teardownFloodNetwork(); // leftovers of an interrupted run
    setupFloodNetwork();
    cap = capAttackerCpu(options.attackerCpu);
    stack = options.cluster ? await attachToCluster(timing.scale, log) : await startStack(timing.scale, log);
    const r: Run = { stack, dir, cap, timing, runId: startedAt.getTime().toString(36), legitRate: 0, capacity: 0, bruteForce: null };

    const home = await ownerLogin(r, OWNER_HOME);
    if (home.status !== 200) throw new Error(`the owner's first login failed: ${JSON.stringify(home)}`);

    log(`capacity: warm-up in ${timing.warmupSeconds} s rounds until throughput stops rising, then ${timing.capacitySeconds} s closed loop`);
    const capacitySpec = (seconds: number): AgentSpec => ({
      role: 'capacity', baseUrl: stack!.edgeUrl, startAt: Date.now() + 500, users: stack!.dataset.users, addresses: floodNet.legit.ips,
      runId: r.runId, concurrency: 32, seconds, postShare: POST_SHARE,
    });
    // Warm up until throughput stops rising: a database just seeded (a cluster's above all, whose
    // replicas replay the seed and whose first reads set hint bits) served a fifth of its later rate.
    for (let last = 0, spent = 0; ; spent += timing.warmupSeconds) {
      const warm = await agent<ClosedLoopResult>(floodNet.legit.ns, capacitySpec(timing.warmupSeconds), dir);
      if (warm.throughput < last * 1.1 || spent + timing.warmupSeconds > timing.maxWarmupSeconds) break;
      log(`  warm-up: ${warm.throughput} req/s, still rising`);
      last = warm.throughput;
    }
    const capacity = await agent<ClosedLoopResult>(floodNet.legit.ns, capacitySpec(timing.capacitySeconds), dir);
    if (capacity.throughput < 5) throw new Error(`capacity measured at ${capacity.throughput} req/s: the service is not working (${JSON.stringify(capacity.outcomes)})`);
    r.capacity = capacity.throughput;
    r.legitRate = Math.max(1, Math.round(capacity.throughput * options.legitShare));
    log(`capacity ${capacity.throughput} req/s; legitimate load ${r.legitRate} req/s`);

    const phases: PhaseReport[] = [];
    for (const { name, attack } of PHASES.filter((p) => !p.attack || options.attacks.includes(p.name))) {
      await sleep(timing.settleSeconds * 1000);
      phases.push(await runPhase(r, name, attack, phases[0]));
    }
    const partial: Omit<FloodReport, 'verdict'> = {
      drill: 'flood', startedAt: startedAt.toISOString(), commit: gitCommit(), command: options.command,
      machine: { cpus: cpus().length, loadAverageStart, loadAverageEnd: loadavg(), attackerCpu: cap.detail },
      service: stack.service,
      dataset: { users: stack.dataset.users.length, statuses: stack.dataset.statuses, expensivePaths: stack.dataset.expensivePaths.length },
      capacity: { perSecond: capacity.throughput, concurrency: 32, seconds: timing.capacitySeconds, outcomes: capacity.outcomes },
      legitRate: r.legitRate, phases, bruteForce: r.bruteForce, minSuccess: options.minSuccess,
    };
    return { ...partial, verdict: verdict(partial) };
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await cleanup();
  }
}
