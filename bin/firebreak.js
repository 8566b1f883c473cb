#!/usr/bin/env node
// `firebreak <command>`: one command in front of the workspaces. Each role lives in its own package and
// is loaded only when asked for. Builds the TypeScript once if it has not been built yet.
import { existsSync } from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const commands = {
  serve: ['server', 'run an app server (PGlite under FIREBREAK_DATA_DIR, or DATABASE_URL)'],
  migrate: ['server', 'apply database migrations and exit'],
  admin: ['server', 'run the instance: create-owner | set-role | registrations | rule'],
  status: ['status', 'run the independent status service'],
  cluster: ['ops', 'three local data centers: up | status | down | revive DC | burn DC | env'],
  drill: ['ops', 'fault drills: fire | partition | restart | flood'],
  bench: ['ops', 'generate a dataset and measure throughput and latency'],
};

const [name, ...rest] = process.argv.slice(2);
const command = name ? commands[name] : undefined;
if (!command) {
  const lines = Object.entries(commands).map(([n, [, summary]]) => `  ${n.padEnd(8)} ${summary}`);
  process.stderr.write(`usage: firebreak <command> [options]\n${lines.join('\n')}\n`);
  process.exit(name ? 2 : 0);
}
const [pkg] = command;
const entry = join(root, 'packages', pkg, 'dist', 'src', 'cli.js');
if (!existsSync(entry)) {
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', join(root, 'tsconfig.json')], { stdio: 'inherit' });
}
// The app server wants V8 flags that only the command line can set (packages/server/src/runtime.ts):
// without them, `firebreak serve` starts itself again with them (`npm start` passes them already).
if (name === 'serve') {
  const { SERVER_NODE_FLAGS, startedWithServerFlags } = await import(join(root, 'packages', 'server', 'dist', 'src', 'runtime.js'));
  if (!startedWithServerFlags()) {
    const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
    for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
    child.on('exit', (code, signal) => { process.exitCode = code ?? (signal ? 1 : 0); });
  } else await run();
} else await run();

async function run() {
  const { main } = await import(entry);
  // The package CLIs take the command itself first (`serve`), except the status service, which is one.
  process.exitCode = await main(pkg === 'status' ? rest : [name, ...rest]);
}
