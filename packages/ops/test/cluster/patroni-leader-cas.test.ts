// The cluster runs Debian's Patroni 3.0.2 through assets/patroni-launch.py, which applies the
// upstream fix for a leader-key steal that lost acknowledged writes in a partition drill. This test
// replays the steal against a real etcd: unpatched, the former leader takes the key; patched, not.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { freePort } from '@firebreak/testkit/postgres-server.js';

const script = fileURLToPath(new URL('../../../test/cluster/leader-key-steal.py', import.meta.url));
const python = '/usr/bin/python3';
const installed = existsSync('/usr/bin/etcd') && spawnSync(python, ['-c', 'import patroni'], { encoding: 'utf8' }).status === 0;
const patroniVersion = installed ? spawnSync(python, ['-c', 'from patroni.version import __version__; print(__version__)'], { encoding: 'utf8' }).stdout.trim() : '';
if (!installed && process.env.CI === 'true') throw new Error('CI=true: etcd-server and patroni must be installed (apt-get install etcd-server patroni)');


describe('Patroni leader key under a stale view', { skip: !installed && 'etcd-server or patroni not installed' }, () => {
  let dir: string;
  let etcd: ReturnType<typeof spawn>;
  let endpoint: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fb-etcd-'));
    const [client, peer] = [await freePort(), await freePort()];
    endpoint = `127.0.0.1:${client}`;
    etcd = spawn('etcd', [
      '--data-dir', join(dir, 'data'), '--listen-client-urls', `http://${endpoint}`, '--advertise-client-urls', `http://${endpoint}`,
      '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
      '--initial-cluster', `default=http://127.0.0.1:${peer}`, '--log-level', 'error',
    ], { stdio: 'ignore' });
    for (let i = 0; ; i++) {
      try { if ((await fetch(`http://${endpoint}/health`)).ok) break; } catch { /* starting */ }
      if (i > 100) throw new Error('etcd did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  after(() => { etcd.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }); });

  const replay = (mode: string) => {
    const r = spawnSync(python, [script, endpoint, mode], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { holder: string; returned: boolean };
  };

  it('patched: the former leader fails to renew and the new leader keeps the key', () => {
    assert.deepEqual(replay('patched'), { holder: 'new', returned: false });
  });

  it('unpatched 3.0.2: the former leader takes the key (the bug the launcher fixes)', { skip: patroniVersion !== '3.0.2' && `Patroni ${patroniVersion}` }, () => {
    assert.deepEqual(replay('original'), { holder: 'old', returned: true });
  });
});
