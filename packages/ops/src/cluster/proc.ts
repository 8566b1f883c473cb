// Running commands: synchronous helpers for short commands, a tiny supervisor for the long-lived
// processes (detached, one log file each, one pid file each) so `cluster up` can return, and waiting
// on them.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RunResult { code: number; stdout: string; stderr: string }

export function run(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): RunResult {
  const r = spawnSync(cmd, args, { input: opts.input, encoding: 'utf8', timeout: opts.timeoutMs ?? 30_000, env: opts.env ?? process.env });
  if (r.error) return { code: 127, stdout: '', stderr: r.error.message };
  return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Runs and throws with the command's stderr when it fails. */
export function must(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): string {
  const r = run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

export function nsRun(ns: string, cmd: string, args: string[], opts: { timeoutMs?: number } = {}): RunResult {
  return run('ip', ['netns', 'exec', ns, cmd, ...args], opts);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A progress line on stderr, with the time of day. */
export function log(msg: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 23)} ${msg}\n`);
}

/** Polls `probe` until it returns a value; `alive` may throw to give up early (a process exited). */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, alive?: () => void): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    alive?.();
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(300);
  }
}

export interface Supervisor { logDir: string; pidDir: string }

export interface StartSpec {
  name: string; // e.g. dc1-etcd: names the log and pid file
  ns: string;
  argv: string[];
  env?: NodeJS.ProcessEnv;
  /** Run as this user (via setpriv, which execs, so the pid file names the real process). */
  user?: string;
  cwd?: string;
  /**
   * Start it again a second after it exits, as systemd's Restart=always would. The pid file then
   * names a small shell that forwards SIGTERM to the process and stops restarting it.
   */
  restart?: boolean;
}

/** `sh -c` loop that keeps argv running; TERM/INT end it after forwarding them to the child. */
function restartLoop(argv: string[]): string[] {
  const script = [
    'stop=0; child=0',
    'trap \'stop=1; [ $child -ne 0 ] && kill -TERM $child 2>/dev/null\' TERM INT',
    'while [ $stop -eq 0 ]; do',
    '  "$@" & child=$!',
    '  wait $child; code=$?',
    '  while kill -0 $child 2>/dev/null; do wait $child; code=$?; done',
    '  [ $stop -eq 0 ] && echo "===== $(date -u +%FT%TZ) exited ($code); restarting in 1 s" && sleep 1',
    'done',
  ].join('\n');
  return ['sh', '-c', script, 'restart-loop', ...argv];
}

export function pidFile(sup: Supervisor, name: string): string {
  return join(sup.pidDir, `${name}.pid`);
}

export function logFile(sup: Supervisor, name: string): string {
  return join(sup.logDir, `${name}.log`);
}

export function readPid(sup: Supervisor, name: string): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile(sup, name), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch { return undefined; }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie or a recycled pid is not our process.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) Z /.test(stat);
  } catch { return false; }
}

export function isRunning(sup: Supervisor, name: string): boolean {
  const pid = readPid(sup, name);
  return pid !== undefined && pidAlive(pid);
}

export function startDetached(sup: Supervisor, spec: StartSpec): number {
  mkdirSync(sup.logDir, { recursive: true });
  mkdirSync(sup.pidDir, { recursive: true });
  const log = openSync(logFile(sup, spec.name), 'a');
  writeFileSync(log, `\n===== ${new Date().toISOString()} start ${spec.argv.join(' ')}\n`);
  const asUser = spec.user ? ['setpriv', `--reuid=${spec.user}`, `--regid=${spec.user}`, '--init-groups', '--'] : [];
  const argv = spec.restart ? restartLoop(spec.argv) : spec.argv;
  const child = spawn('ip', ['netns', 'exec', spec.ns, ...asUser, ...argv], {
    detached: true,
    stdio: ['ignore', log, log],
    env: spec.env ?? process.env,
    cwd: spec.cwd,
  });
  closeSync(log);
  child.unref();
  if (!child.pid) throw new Error(`could not start ${spec.name}`);
  writeFileSync(pidFile(sup, spec.name), `${child.pid}\n`);
  return child.pid;
}

/** Sends a signal to a supervised process; returns whether it was running. */
export function signal(sup: Supervisor, name: string, sig: NodeJS.Signals): boolean {
  const pid = readPid(sup, name);
  if (pid === undefined || !pidAlive(pid)) return false;
  try { process.kill(pid, sig); return true; } catch { return false; }
}

export async function stopGracefully(sup: Supervisor, name: string, timeoutMs = 10_000): Promise<void> {
  const pid = readPid(sup, name);
  if (pid === undefined) return;
  if (pidAlive(pid)) {
    process.kill(pid, 'SIGTERM');
    const until = Date.now() + timeoutMs;
    while (pidAlive(pid) && Date.now() < until) await sleep(100);
    if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  rmSync(pidFile(sup, name), { force: true });
}

export function forgetPid(sup: Supervisor, name: string): void {
  rmSync(pidFile(sup, name), { force: true });
}

function logTail(sup: Supervisor, name: string, lines = 8): string {
  try { return readFileSync(logFile(sup, name), 'utf8').trimEnd().split('\n').slice(-lines).join('\n'); } catch { return '(no log)'; }
}

/** Fails fast, with the end of its log, when a process we wait for has exited. */
export function assertAlive(sup: Supervisor, names: string[]): void {
  for (const name of names) {
    if (!isRunning(sup, name)) throw new Error(`${name} exited; end of ${logFile(sup, name)}:\n${logTail(sup, name)}`);
  }
}
