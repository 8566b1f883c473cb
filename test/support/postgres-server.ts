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

export interface ThrowawayPostgres { url: string; dir: string; stop(): Promise<void> }

export interface ThrowawayOptions {
  /** Run the server inside this network namespace (the flood drill's server namespace). */
  netns?: string;
  /** listen_addresses (default 127.0.0.1); the URL names the first. */
  listen?: string[];
  /** Also accept password-less connections from this network (CIDR), e.g. a drill's bridge. */
  trustNetwork?: string;
  maxConnections?: number;
}

export async function startThrowawayPostgres(options: ThrowawayOptions = {}): Promise<ThrowawayPostgres | undefined> {
  const bin = findPostgresBin();
  if (!bin) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-pg-'));
  const runAs = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
  const inNs = options.netns ? ['ip', 'netns', 'exec', options.netns] : [];
  if (runAs.length) execFileSync('chown', ['-R', 'postgres', dir]);
  const run = (cmd: string, args: string[]) => {
    const [exe, ...rest] = [...inNs, ...runAs, join(bin, cmd), ...args];
    execFileSync(exe!, rest, { stdio: ['ignore', 'ignore', 'inherit'] });
  };
  run('initdb', ['-D', join(dir, 'data'), '-U', 'postgres', '-A', 'trust', '--no-sync']);
  if (options.trustNetwork) appendFileSync(join(dir, 'data', 'pg_hba.conf'), `host all all ${options.trustNetwork} trust\n`);
  // A fresh namespace has every port free; the host's loopback does not.
  const port = options.netns ? 5432 : await freePort();
  const listen = options.listen ?? ['127.0.0.1'];
  const opts = `-p ${port} -k ${dir} -c listen_addresses=${listen.join(',')} -c fsync=off -c max_connections=${options.maxConnections ?? 200}`;
  run('pg_ctl', ['-D', join(dir, 'data'), '-o', opts, '-l', join(dir, 'log'), '-w', 'start']);
  return {
    url: `postgres://postgres@${listen[0]}:${port}/postgres`,
    dir,
    async stop() {
      try { run('pg_ctl', ['-D', join(dir, 'data'), '-m', 'immediate', '-w', 'stop']); } catch { /* already gone */ }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
