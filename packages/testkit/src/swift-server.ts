// A throwaway OpenStack Swift (Debian's swift 2.30) on one machine for tests: account, container and
// object servers and a proxy with the s3api and tempauth middlewares, on free ports under a temp
// dir, so the media store's S3 backend is tested against a real S3-compatible object store.
// Prerequisite: `apt-get install swift swift-proxy swift-object swift-container swift-account`.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './postgres-server.js';

export interface ThrowawaySwift {
  /** The S3 endpoint (path-style) and tempauth's credentials as S3 keys. */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  stop(): Promise<void>;
}

const PYTHON = '/usr/bin/python3';

export function findSwift(): boolean {
  return ['swift-proxy-server', 'swift-object-server', 'swift-container-server', 'swift-account-server', 'swift-ring-builder'].every((b) => existsSync(`/usr/bin/${b}`));
}

async function waitListening(url: string, child: ChildProcess, log: () => string): Promise<void> {
  for (const until = Date.now() + 30_000; Date.now() < until;) {
    if (child.exitCode !== null) throw new Error(`swift exited (${child.exitCode}): ${log()}`);
    try { await fetch(url); return; } catch { await new Promise((r) => setTimeout(r, 100)); }
  }
  throw new Error(`swift did not listen at ${url}: ${log()}`);
}

export async function startThrowawaySwift(): Promise<ThrowawaySwift | undefined> {
  if (!findSwift()) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-swift-'));
  const devices = join(dir, 'srv');
  mkdirSync(join(devices, 'd1'), { recursive: true });
  const user = userInfo().username;
  const ports = { proxy: await freePort(), account: await freePort(), container: await freePort(), object: await freePort() };
  writeFileSync(join(dir, 'swift.conf'), `[swift-hash]\nswift_hash_path_suffix = ${Math.random().toString(36).slice(2)}\n\n[storage-policy:0]\nname = Policy-0\ndefault = yes\n`);
  for (const ring of ['account', 'container', 'object'] as const) {
    const builder = join(dir, `${ring}.builder`);
    execFileSync('/usr/bin/swift-ring-builder', [builder, 'create', '8', '1', '1'], { stdio: 'ignore' });
    execFileSync('/usr/bin/swift-ring-builder', [builder, 'add', `r1z1-127.0.0.1:${ports[ring]}/d1`, '1'], { stdio: 'ignore' });
    execFileSync('/usr/bin/swift-ring-builder', [builder, 'rebalance'], { stdio: 'ignore' });
    writeFileSync(join(dir, `${ring}-server.conf`), [
      '[DEFAULT]', `devices = ${devices}`, 'mount_check = false', 'bind_ip = 127.0.0.1', `bind_port = ${ports[ring]}`, 'workers = 0', `user = ${user}`, `swift_dir = ${dir}`, 'log_level = WARNING',
      '', '[pipeline:main]', `pipeline = ${ring}-server`, '', `[app:${ring}-server]`, `use = egg:swift#${ring}`,
      ...(ring === 'container' ? ['', '[container-sync]'] : []), ...(ring === 'object' ? ['', '[object-replicator]'] : []), '',
    ].join('\n'));
  }
  writeFileSync(join(dir, 'proxy-server.conf'), [
    '[DEFAULT]', 'bind_ip = 127.0.0.1', `bind_port = ${ports.proxy}`, 'workers = 0', `user = ${user}`, `swift_dir = ${dir}`, 'log_level = WARNING',
    '', '[pipeline:main]', 'pipeline = catch_errors cache s3api tempauth proxy-server',
    '', '[app:proxy-server]', 'use = egg:swift#proxy', 'account_autocreate = true',
    '', '[filter:catch_errors]', 'use = egg:swift#catch_errors',
    '', '[filter:cache]', 'use = egg:swift#memcache', 'memcache_servers = 127.0.0.1:1',
    '', '[filter:s3api]', 'use = egg:swift#s3api', 'location = us-east-1',
    '', '[filter:tempauth]', 'use = egg:swift#tempauth', 'user_test_tester = testing .admin', '',
  ].join('\n'));
  const children: ChildProcess[] = [];
  let output = '';
  const start = (server: string) => {
    const child = spawn(PYTHON, [`/usr/bin/swift-${server}-server`, join(dir, `${server}-server.conf`)], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => { output = (output + d.toString()).slice(-4000); });
    child.stderr!.on('data', (d: Buffer) => { output = (output + d.toString()).slice(-4000); });
    children.push(child);
    return child;
  };
  const stop = async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const server of ['account', 'container', 'object'] as const) await waitListening(`http://127.0.0.1:${ports[server]}/healthcheck`, start(server), () => output);
    await waitListening(`http://127.0.0.1:${ports.proxy}/healthcheck`, start('proxy'), () => output);
  } catch (err) {
    await stop();
    throw err;
  }
  return { endpoint: `http://127.0.0.1:${ports.proxy}`, accessKeyId: 'test:tester', secretAccessKey: 'testing', stop };
}
