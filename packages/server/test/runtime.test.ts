// The V8 flags the app server is started with (runtime.ts): every way of starting it passes them, and
// V8 takes them (Node refuses to start on an unknown or misspelt one).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { SERVER_NODE_FLAGS, startedWithServerFlags } from '@firebreak/server/runtime.js';

const packageJson = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };

describe('app server runtime flags', () => {
  it('are passed by `npm start`', () => {
    const start = packageJson.scripts.start!;
    for (const flag of SERVER_NODE_FLAGS) assert.ok(start.split(' ').includes(flag), `npm start lacks ${flag}: ${start}`);
  });

  it('are taken by this Node (it refuses to start on an unknown one), and are recognised in the child', () => {
    const execArgvOf = (flags: string[]) => JSON.parse(execFileSync(process.execPath, [...flags, '-p', 'JSON.stringify(process.execArgv)'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as string[];
    assert.throws(() => execArgvOf(['--heap-growing-percentage=50']), /bad option/);
    assert.equal(startedWithServerFlags(execArgvOf(SERVER_NODE_FLAGS)), true);
    assert.equal(startedWithServerFlags(execArgvOf([])), false);
  });
});
