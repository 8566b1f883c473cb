// The cluster's object store as generated (Debian's swift-ring-builder reads the rings back): every
// ring holds three replicas, one zone per DC with every partition, so each DC has a copy of every
// file and two DCs make a write's quorum; each DC's proxy reads its own DC first and gives up on a
// silent node quickly; the rings are built once and kept (rebuilding them under running servers would
// move data), and a fire forgets every Swift process of the DC.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { buildLayout, defaultOptions } from '@firebreak/ops/cluster/layout.js';
import { swiftProcessNames, swiftRoot, writeSwiftConfig } from '@firebreak/ops/cluster/swift.js';

const haveSwift = spawnSync('swift-ring-builder', [], { stdio: 'ignore' }).error === undefined;
if (!haveSwift && process.env.CI === 'true') throw new Error('CI=true and swift-ring-builder is missing (apt-get install swift): failing, not skipping');

describe('the cluster\'s Swift configuration', { skip: haveSwift ? false : 'swift-ring-builder not installed' }, () => {
  const runDir = mkdtempSync(join(tmpdir(), 'firebreak-swift-config-'));
  after(() => rmSync(runDir, { recursive: true, force: true }));
  const layout = buildLayout(defaultOptions, runDir, { superuser: 'a', replication: 'b', rewind: 'c', app: 'd', statusAdmin: 'e', metrics: 'f', media: 'secret-media' });

  it('three replicas in every ring, one zone per DC holding every partition', () => {
    writeSwiftConfig(layout);
    for (const ring of ['account', 'container', 'object']) {
      const out = spawnSync('swift-ring-builder', [join(swiftRoot(layout), `${ring}.builder`)], { encoding: 'utf8' }).stdout;
      assert.match(out, /(\d+) partitions, 3\.000000 replicas, 1 regions, 3 zones, 3 devices/, ring);
      const partitions = Number(/(\d+) partitions/.exec(out)![1]);
      const devices = out.split('\n').filter((l) => /^\s+\d+\s+1\s+\d\s+10\.77\.0\.\d+:\d+/.test(l)).map((l) => l.trim().split(/\s+/));
      assert.deepEqual(devices.map((d) => [d[2], d[3]!.split(':')[0]]), layout.dcs.map((dc) => [String(dc.index), dc.ip]), `${ring}: zone i is dc i`);
      assert.ok(devices.every((d) => Number(d[7]) === partitions), `${ring}: every DC holds every partition`);
    }
  });

  it('each proxy reads its own DC first, gives up on a silent node in half a second, and signs S3 with the cluster\'s secret', () => {
    for (const dc of layout.dcs) {
      const proxy = readFileSync(join(swiftRoot(layout), dc.name, 'proxy-server.conf'), 'utf8');
      assert.match(proxy, new RegExp(`read_affinity = r1z${dc.index}=100`));
      assert.match(proxy, /conn_timeout = 0\.5/);
      assert.match(proxy, /pipeline = .*s3api tempauth proxy-server/);
      assert.match(proxy, /user_firebreak_media = secret-media \.admin/);
      assert.match(proxy, new RegExp(`bind_ip = ${dc.ip.replace(/\./g, '\\.')}`));
      // Data in the DC's own directory (a fire deletes it), configuration outside every DC.
      assert.match(readFileSync(join(swiftRoot(layout), dc.name, 'object-server.conf'), 'utf8'), new RegExp(`devices = ${join(dc.dir, 'swift')}`));
      assert.ok(!swiftRoot(layout).startsWith(dc.dir));
    }
  });

  it('keeps the rings it built; a fire forgets every Swift process of the DC', () => {
    const before = statSync(join(swiftRoot(layout), 'object.ring.gz')).mtimeMs;
    writeSwiftConfig(layout);
    assert.equal(statSync(join(swiftRoot(layout), 'object.ring.gz')).mtimeMs, before);
    const names = swiftProcessNames(layout.dcs[0]!);
    for (const part of ['account', 'container', 'object', 'proxy', 'object-replicator', 'rsync']) assert.ok(names.includes(`dc1-swift-${part}`), part);
  });
});
