#!/usr/bin/env node
// Runs every compiled test file with node:test. Starts a throwaway PostgreSQL 15 cluster from the
// machine's binaries (temp data dir, free port) so the API suite runs on PGlite *and* real PostgreSQL.
// With CI=true a missing prerequisite is a failure, never a silent skip.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { startThrowawayPostgres } from '@firebreak/testkit/postgres-server.js';

const root = new URL('..', import.meta.url).pathname;
const only = process.argv.slice(2);

function findTests(dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...findTests(path));
    else if (entry.endsWith('.test.js')) out.push(path);
  }
  return out.sort();
}

// Each package's tests compile to packages/<name>/dist/test.
const packagesDir = join(root, 'packages');
let files = readdirSync(packagesDir).flatMap((name) => {
  const dir = join(packagesDir, name, 'dist', 'test');
  return existsSync(dir) ? findTests(dir) : [];
});
if (only.length) files = files.filter((f) => only.some((o) => f.includes(o)));

const pg = await startThrowawayPostgres();
const env = { ...process.env };
if (pg) env.FIREBREAK_TEST_DATABASE_URL = pg.url;
else if (process.env.CI === 'true') {
  console.error('CI=true and no PostgreSQL 15 binaries found (apt-get install postgresql-15): failing.');
  process.exit(1);
} else console.warn('warning: no PostgreSQL binaries found; the PostgreSQL half of the API suite will be skipped');

const child = spawn(process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=2', ...files], { stdio: 'inherit', env });
const code = await new Promise((resolve) => child.on('exit', (c, sig) => resolve(c ?? (sig ? 1 : 0))));
await pg?.stop();
process.exit(code);
