// The Patroni callback that keeps etcd's leader out of the primary's DC (assets/etcd-leader-away.py),
// against a real three-member etcd on loopback: as the primary on the leading member it hands the
// leadership to another member; as a replica, or on a member that does not lead, it changes nothing.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '@firebreak/testkit/postgres-server.js';
import { assetPath } from '@firebreak/ops/entry-points.js';

const script = assetPath('etcd-leader-away.py');
const installed = existsSync('/usr/bin/etcd') && existsSync('/usr/bin/python3');
if (!installed && process.env.CI === 'true') throw new Error('CI=true: etcd-server and python3 must be installed (apt-get install etcd-server)');


async function post(url: string, path: string): Promise<any> {
  const res = await fetch(url + path, { method: 'POST', body: '{}', signal: AbortSignal.timeout(2000) });
  return res.json();
}

describe('etcd leadership kept away from the primary', { skip: !installed && 'etcd-server not installed' }, () => {
  let dir: string;
  const members: Array<{ name: string; url: string; process: ChildProcess }> = [];

  /** The client URL of the member that leads, once all three agree on one. */
  async function leaderUrl(): Promise<string> {
    for (let i = 0; i < 100; i++) {
      try {
        const statuses = await Promise.all(members.map(async (m) => ({ m, s: await post(m.url, '/v3/maintenance/status') })));
        const leader = statuses.find(({ s }) => s.leader && s.leader === s.header?.member_id);
        if (leader && statuses.every(({ s }) => s.leader === leader.s.leader)) return leader.m.url;
      } catch { /* starting or electing */ }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('no etcd leader');
  }

  const run = (url: string, role: string) => {
    const r = spawnSync('/usr/bin/python3', [script, url, 'on_role_change', role, 'firebreak'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fb-etcd3-'));
    const ports = await Promise.all(Array.from({ length: 6 }, freePort));
    const names = ['a', 'b', 'c'];
    const cluster = names.map((n, i) => `${n}=http://127.0.0.1:${ports[i * 2 + 1]}`).join(',');
    names.forEach((name, i) => {
      const client = `http://127.0.0.1:${ports[i * 2]}`;
      const peer = `http://127.0.0.1:${ports[i * 2 + 1]}`;
      members.push({ name, url: client, process: spawn('etcd', [
        '--name', name, '--data-dir', join(dir, name), '--listen-client-urls', client, '--advertise-client-urls', client,
        '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', cluster,
        '--initial-cluster-state', 'new', '--heartbeat-interval', '50', '--election-timeout', '500', '--log-level', 'error',
      ], { stdio: 'ignore' }) });
    });
    await leaderUrl();
  });
  after(() => {
    for (const m of members) m.process.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('as the primary on the leading member: the leadership moves to another member', async () => {
    const before = await leaderUrl();
    assert.match(run(before, 'master'), /^etcd leadership moved to [abc]\n$/);
    const now = await leaderUrl();
    assert.notEqual(now, before);
  });

  it('as the primary on a member that does not lead, or as a replica on the leader: nothing moves', async () => {
    const leader = await leaderUrl();
    const follower = members.find((m) => m.url !== leader)!.url;
    assert.equal(run(follower, 'master'), '');
    assert.equal(run(leader, 'replica'), '');
    assert.equal(await leaderUrl(), leader);
  });

  it('"primary" (Patroni after 3.0) counts as the primary too', async () => {
    const before = await leaderUrl();
    assert.match(run(before, 'primary'), /etcd leadership moved to/);
    assert.notEqual(await leaderUrl(), before);
  });
});
