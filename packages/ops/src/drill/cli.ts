// `firebreak drill fire|partition|restart`: fault drills against the local cluster; `drill flood`
// runs on its own (flood.ts).
import { parseDuration } from '../cluster/layout.js';
import { parseFlags } from '../cluster/cli.js';
import { drillDefaults, runDrill, type DrillKind } from './drill.js';
import { exitCode, formatReport } from './report.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { updateMarkedSection } from '../bench/report.js';
import { join } from 'node:path';
import { PHASES, runFloodDrill } from './flood.js';
import { FLOOD_LOG_DIR } from './flood-stack.js';
import type { PhaseName } from './flood-report.js';
import { exitCode as floodExitCode, formatFloodReport, renderFloodMarkdown } from './flood-report.js';

const floodUsage = `usage: firebreak drill flood [--short] [--json] [--min-success 95] [--attacker-cpu 1] [--legit-share 60] [--cluster]
  Starts its own PostgreSQL, app server and HAProxy edge in network namespaces (fbf-*, bridge fbf0,
  10.78.0.0/24; needs root, haproxy, wrk, postgresql-15), measures capacity, then runs a baseline and
  four attacks (HTTP flood, expensive-request flood, slowloris, login brute force), each with the same
  legitimate open-loop load, and removes everything again.
  --cluster          flood the running cluster's edge instead (\`firebreak cluster up --rate-limits on\`);
                     its database gets the drill's dataset once, the cluster is left running
  --short            a few seconds per phase (CI); about a minute and a half in all
  --min-success P    exit 1 when legitimate success falls below P% in any phase (default 95)
  --attacker-cpu N   CPUs the attackers may use together, a cgroup (default 1; 0: uncapped)
  --legit-share P    legitimate load as P% of measured capacity (default 60)
  --attacks A,B      only these attacks: http-flood, expensive-flood, slowloris, brute-force (default all)
  --json             the report as JSON (it is also saved in run/flood/report.json, beside the edge's
                     config and log and the app's log)
  --benchmarks       also write bench-results/flood.json and the "Flood drill" section of BENCHMARKS.md`;

const usage = `usage: firebreak drill <fire|partition|restart|flood> [DC | --primary] [options]
  fire [DC|--primary]       blackhole the DC, SIGKILL everything in it, delete its data (default: the primary's DC)
  partition [DC|--primary]  cut the DC off for --partition (default 30s), then heal
  restart                   rolling restart of every app server, one at a time
options: --duration 40s --warmup 8s --partition 30s --writers 40 --readers 100 --curators 8
         --writer-pause 250ms --reader-pause 500ms --curator-pause 1s --picture-writers 5 (0: no pictures) --json
Exit status 1 when an acknowledged write (a post, a picture, a list with its member, a filter) was lost or
duplicated, two nodes claimed primary at once, or the audit could not run. The JSON report is also saved in run/cluster/drills/.`;

export async function main(args: string[]): Promise<number> {
  const [kind, ...rest] = args;
  if (kind === 'flood') return flood(rest);
  if (kind !== 'fire' && kind !== 'partition' && kind !== 'restart') {
    process.stderr.write(`${usage}\n`);
    return kind ? 2 : 0;
  }
  const { flags, positional } = parseFlags(rest);
  // A drill must reach its audit: a stray rejection from a probe's dropped connection is reported,
  // not allowed to end the run with the workload's record unread.
  process.on('unhandledRejection', (reason) => process.stderr.write(`drill: unhandled rejection: ${String((reason as Error)?.stack ?? reason)}\n`));
  try {
    const partitionMs = flags.partition ? parseDuration(flags.partition, 's') : drillDefaults.partitionMs;
    const warmupMs = flags.warmup ? parseDuration(flags.warmup, 's') : drillDefaults.warmupMs;
    const durationMs = flags.duration ? parseDuration(flags.duration, 's')
      : kind === 'partition' ? Math.max(drillDefaults.durationMs, warmupMs + partitionMs + 15_000) : drillDefaults.durationMs;
    const report = await runDrill({
      kind: kind as DrillKind,
      target: positional[0] ?? 'primary',
      durationMs,
      warmupMs,
      partitionMs,
      writers: flags.writers ? Number(flags.writers) : drillDefaults.writers,
      readers: flags.readers ? Number(flags.readers) : drillDefaults.readers,
      writerPauseMs: flags['writer-pause'] ? parseDuration(flags['writer-pause']) : drillDefaults.writerPauseMs,
      readerPauseMs: flags['reader-pause'] ? parseDuration(flags['reader-pause']) : drillDefaults.readerPauseMs,
      pictureWriters: flags['picture-writers'] !== undefined ? Number(flags['picture-writers']) : drillDefaults.pictureWriters,
      curators: flags.curators ? Number(flags.curators) : drillDefaults.curators,
      curatorPauseMs: flags['curator-pause'] ? parseDuration(flags['curator-pause']) : drillDefaults.curatorPauseMs,
    });
    process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`);
    return exitCode(report);
  } catch (err) {
    process.stderr.write(`firebreak drill ${kind}: ${(err as Error).message}\n`);
    return 1;
  }
}

/** A percentage flag as a fraction. */
function percent(flags: Record<string, string>, name: string, fallback: number): number {
  const value = flags[name] === undefined ? fallback : Number(flags[name]);
  if (!(value > 0 && value <= 100)) throw new UsageError(`--${name} must be a percentage between 0 and 100, got "${flags[name]}"`);
  return value / 100;
}

class UsageError extends Error {}

async function flood(args: string[]): Promise<number> {
  const { flags, positional } = parseFlags(args);
  try {
    const known = ['short', 'json', 'min-success', 'attacker-cpu', 'legit-share', 'attacks', 'benchmarks', 'cluster', 'help'];
    const unknown = Object.keys(flags).find((f) => !known.includes(f)) ?? positional[0];
    if (flags.help) { process.stdout.write(`${floodUsage}\n`); return 0; }
    if (unknown !== undefined) throw new UsageError(`unknown argument "${unknown}"`);
    const attackerCpu = flags['attacker-cpu'] === undefined ? 1 : Number(flags['attacker-cpu']);
    if (!(attackerCpu >= 0 && attackerCpu <= 64)) throw new UsageError(`--attacker-cpu must be a number of CPUs (0 for no cap), got "${flags['attacker-cpu']}"`);
    const attackNames = PHASES.filter((p) => p.attack).map((p) => p.name);
    const attacks = flags.attacks ? flags.attacks.split(',') : attackNames;
    const bad = attacks.find((a) => !(attackNames as string[]).includes(a));
    if (bad !== undefined) throw new UsageError(`unknown attack "${bad}" (have ${attackNames.join(', ')})`);
    const report = await runFloodDrill({
      attacks: attacks as PhaseName[], cluster: flags.cluster === 'true',
      short: flags.short === 'true', minSuccess: percent(flags, 'min-success', 95), legitShare: percent(flags, 'legit-share', 60), attackerCpu,
      command: `firebreak drill flood ${args.join(' ')}`.trim(),
    });
    writeFileSync(join(FLOOD_LOG_DIR, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    if (flags.benchmarks) {
      // Like `npm run bench`: the JSON beside BENCHMARKS.md, and the section rewritten in place.
      const variant = `${flags.cluster ? '-cluster' : ''}${flags.short ? '-short' : ''}`;
      const json = join('bench-results', `flood${variant}.json`);
      mkdirSync('bench-results', { recursive: true });
      writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
      updateMarkedSection('BENCHMARKS.md', `flood${variant.replaceAll('-', ':')}`, renderFloodMarkdown(report, json));
    }
    process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatFloodReport(report)}\n`);
    return floodExitCode(report);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`firebreak drill flood: ${err.message}\n${floodUsage}\n`);
      return 2;
    }
    process.stderr.write(`firebreak drill flood: ${(err as Error).message}\n`);
    return 1;
  }
}
