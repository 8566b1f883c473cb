// CPU time spent serving a load, per request: the app server's process, and PostgreSQL's (the
// postmaster and every backend). Read from /proc, so it counts the work itself, not the wait, and
// holds up better than throughput on a machine other work shares. A backend that exits during the
// measurement is counted through the postmaster's reaped-children times.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Clock ticks per second for /proc's times (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** utime, stime, cutime, cstime and the parent pid of a process, from /proc/<pid>/stat. */
function stat(pid: number): { ticks: number; childTicks: number; ppid: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const n = (i: number) => Number(fields[i - 3]);
    return { ticks: n(14) + n(15), childTicks: n(16) + n(17), ppid: n(4) };
  } catch {
    return undefined;
  }
}

/** CPU milliseconds a process has used so far. */
export function processCpuMs(pid: number): number {
  return ((stat(pid)?.ticks ?? 0) * 1000) / TICKS_PER_SECOND;
}

/** CPU milliseconds PostgreSQL (its postmaster, live backends and reaped ones) has used so far. */
export function postgresCpuMs(dataDir: string): number {
  const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const own = stat(postmaster);
  let ticks = (own?.ticks ?? 0) + (own?.childTicks ?? 0);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const child = stat(Number(entry));
    if (child?.ppid === postmaster) ticks += child.ticks;
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/** Starts a measurement; its result is the CPU each part used since, per completed request. */
export function cpuMeter(parts: { app?: number; postgresDataDir?: string }): (requests: number) => { appMs?: number; dbMs?: number } {
  const read = () => ({
    app: parts.app !== undefined ? processCpuMs(parts.app) : undefined,
    db: parts.postgresDataDir !== undefined ? postgresCpuMs(parts.postgresDataDir) : undefined,
  });
  const start = read();
  return (requests) => {
    const end = read();
    const per = (a?: number, b?: number) => (a === undefined || b === undefined || requests <= 0 ? undefined : Math.round(((b - a) / requests) * 1000) / 1000);
    return { appMs: per(start.app, end.app), dbMs: per(start.db, end.db) };
  };
}
