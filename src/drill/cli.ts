// `firebreak drill fire|partition|restart`: fault drills against the local cluster.
import { parseDuration } from '../cluster/layout.js';
import { parseFlags } from '../cluster/cli.js';
import { drillDefaults, runDrill, type DrillKind } from './drill.js';
import { exitCode, formatReport } from './report.js';

const usage = `usage: firebreak drill <fire|partition|restart> [DC | --primary] [options]
  fire [DC|--primary]       blackhole the DC, SIGKILL everything in it, delete its data (default: the primary's DC)
  partition [DC|--primary]  cut the DC off for --partition (default 30s), then heal
  restart                   rolling restart of every app server, one at a time
options: --duration 40s --warmup 8s --partition 30s --writers 40 --readers 100
         --writer-pause 250ms --reader-pause 500ms --json
Exit status 1 when an acknowledged write was lost, a write was duplicated, two nodes claimed primary at
once, or the audit could not run. The JSON report is also saved in run/cluster/drills/.`;

export async function main(args: string[]): Promise<number> {
  const [kind, ...rest] = args;
  if (kind === 'flood') {
    process.stderr.write('firebreak drill flood: not in this build\n');
    return 2;
  }
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
    });
    process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`);
    return exitCode(report);
  } catch (err) {
    process.stderr.write(`firebreak drill ${kind}: ${(err as Error).message}\n`);
    return 1;
  }
}
