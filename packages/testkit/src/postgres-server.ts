// A throwaway PostgreSQL 15 server for tests: initdb into a temp dir, start on a free port, drop on stop.
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const candidates = ['/usr/lib/postgresql/15/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/17/bin'];

export function findPostgresBin(): string | undefined {
  return candidates.find((dir) => existsSync(join(dir, 'initdb')));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export interface ThrowawayPostgres {
  url: string;
  dir: string;
  /** The data directory (for copying it while the server is stopped). */
  dataDir: string;
  /** Shuts the server down cleanly and starts it again on the same port around `fn`. */
  whileStopped(fn: () => void): void;
  stop(): Promise<void>;
}

export interface ThrowawayOptions {
  /** Run the server inside this network namespace (the flood drill's server namespace). */
  netns?: string;
  /** listen_addresses (default 127.0.0.1); the URL names the first. */
  listen?: string[];
  /** Also accept password-less connections from this network (CIDR), e.g. a drill's bridge. */
  trustNetwork?: string;
  maxConnections?: number;
  /** Start from a copy of this (stopped, cleanly shut down) data directory instead of initdb. */
  copyFrom?: string;
  /** fsync=off suits tests; the benchmark wants a durable server (the default configuration). */
  fsync?: boolean;
}

export async function startThrowawayPostgres(options: ThrowawayOptions = {}): Promise<ThrowawayPostgres | undefined> {
  const bin = findPostgresBin();
  if (!bin) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-pg-'));
  const dataDir = join(dir, 'data');
  const runAs = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
  const inNs = options.netns ? ['ip', 'netns', 'exec', options.netns] : [];
  if (options.copyFrom) execFileSync('cp', ['-a', '--reflink=auto', options.copyFrom, dataDir]);
  if (runAs.length) execFileSync('chown', ['-R', 'postgres', dir]);
  const run = (cmd: string, args: string[]) => {
    const [exe, ...rest] = [...inNs, ...runAs, join(bin, cmd), ...args];
    execFileSync(exe!, rest, { stdio: ['ignore', 'ignore', 'inherit'] });
  };
  if (!options.copyFrom) run('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync']);
  if (options.trustNetwork) appendFileSync(join(dataDir, 'pg_hba.conf'), `host all all ${options.trustNetwork} trust\n`);
  // A fresh namespace has every port free; the host's loopback does not.
  const port = options.netns ? 5432 : await freePort();
  const listen = options.listen ?? ['127.0.0.1'];
  // Settings given on the command line outrank postgresql.conf and ALTER SYSTEM, so fsync is chosen here.
  const opts = `-p ${port} -k ${dir} -c listen_addresses=${listen.join(',')} -c fsync=${options.fsync ? 'on' : 'off'} -c max_connections=${options.maxConnections ?? 200}`;
  const start = () => run('pg_ctl', ['-D', dataDir, '-o', opts, '-l', join(dir, 'log'), '-w', 'start']);
  start();
  return {
    url: `postgres://postgres@${listen[0]}:${port}/postgres`,
    dir,
    dataDir,
    whileStopped(fn) {
      run('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
      try { fn(); } finally { start(); }
    },
    async stop() {
      try { run('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']); } catch { /* already gone */ }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
