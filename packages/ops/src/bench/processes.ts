// The processes under test run apart from the load generator, so they never share its event loop:
// the app (`firebreak serve`) and the HTTP-ceiling server (`firebreak bench fixed-server`).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { SERVER_NODE_FLAGS } from '@firebreak/server/runtime.js';
import { serverCli } from '../entry-points.js';

export interface ServerProcess {
  url: string;
  pid: number;
  /** Resident set size now and at its peak (VmHWM), in MB, from /proc. */
  memory(): { rssMb: number; peakRssMb: number };
  stop(): Promise<void>;
}

export interface SpawnOptions {
  /** The program (see entry-points.ts) and its arguments. */
  cli: string;
  args: string[];
  env: Record<string, string>;
  port: number;
  /** Write a V8 CPU profile into this directory when the process exits. */
  cpuProfileDir?: string;
  readyPath?: string;
  /** Run inside this network namespace (`ip netns exec` execs, so the pid is still the server's). */
  netns?: string;
  /** Listen address; default 127.0.0.1 (in a namespace: its own address, reachable over the bridge). */
  host?: string;
  /** Append the server's stdout and stderr (its log) to this file instead of keeping a tail in memory. */
  logFile?: string;
}

export async function startServer(options: SpawnOptions): Promise<ServerProcess> {
  const nodeArgs = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
  const host = options.host ?? '127.0.0.1';
  const argv = [process.execPath, ...(options.cli === serverCli ? SERVER_NODE_FLAGS : []), ...nodeArgs, options.cli, ...options.args];
  const [exe, ...args] = options.netns ? ['ip', 'netns', 'exec', options.netns, ...argv] : argv;
  const logFd = options.logFile ? openSync(options.logFile, 'a') : undefined;
  const child = spawn(exe!, args, {
    env: { ...process.env, ...options.env, PORT: String(options.port), HOST: host },
    stdio: logFd === undefined ? ['ignore', 'ignore', 'pipe'] : ['ignore', logFd, logFd],
  });
  if (logFd !== undefined) closeSync(logFd);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  const tail = () => (options.logFile ? readFileSync(options.logFile, 'utf8').slice(-4000) : stderr);
  const url = `http://${host}:${options.port}`;
  await waitUntilReady(child, `${url}${options.readyPath ?? '/readyz'}`, tail);
  return {
    url,
    pid: child.pid!,
    memory: () => processMemory(child.pid!),
    stop: () => stopChild(child),
  };
}

async function waitUntilReady(child: ChildProcess, url: string, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode} before it was ready:\n${stderr()}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`server did not become ready at ${url} within 120 s:\n${stderr()}`);
}

/** SIGTERM lets serve close cleanly (and --cpu-prof write its profile); SIGKILL after 15 s. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

function processMemory(pid: number): { rssMb: number; peakRssMb: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rssMb: Math.round(kb('VmRSS') / 1024), peakRssMb: Math.round(kb('VmHWM') / 1024) };
  } catch {
    return { rssMb: 0, peakRssMb: 0 };
  }
}
