// The edge's kernel guard: which SYNs it drops, and that a real iptables in a real namespace takes
// the rules (packages/ops/src/edge/firewall.ts).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { applyEdgeFirewall, edgeFirewallRules } from '@firebreak/ops/edge/firewall.js';
import { defaultEdgeLimits, HARD_CAP_FACTOR, perSourceLimitsOff } from '@firebreak/ops/edge/haproxy.js';

test('SYNs are dropped only far past HAProxy\'s own limits; limits off means no rule', () => {
  const rules = edgeFirewallRules(8080).map((r) => r.join(' '));
  assert.equal(rules.length, 2);
  assert.match(rules[0]!, new RegExp(`--dport 8080 --syn -m connlimit --connlimit-above ${defaultEdgeLimits.connectionsPerSource * HARD_CAP_FACTOR} --connlimit-mask 32 -j DROP`));
  assert.match(rules[1]!, new RegExp(`--hashlimit-mode srcip --hashlimit-above ${(2 * defaultEdgeLimits.newConnectionsPer10s) / 10}/second`));
  assert.deepEqual(edgeFirewallRules(8080, perSourceLimitsOff), []);
});

const root = process.getuid?.() === 0;
const iptables = spawnSync('sh', ['-c', 'command -v iptables'], { encoding: 'utf8' }).status === 0;
if (process.env.CI === 'true' && !(root && iptables)) throw new Error('CI=true: the edge firewall test needs root and iptables (apt-get install iptables)');

test('a real iptables in a namespace takes the rules, and applying twice does not stack them', { skip: !(root && iptables) && 'needs root and iptables' }, () => {
  const ns = `fbt-fw-${process.pid}`;
  assert.equal(spawnSync('ip', ['netns', 'add', ns]).status, 0);
  try {
    for (let i = 0; i < 2; i++) assert.deepEqual(applyEdgeFirewall(ns, 8080), { applied: true, detail: '2 kernel rules drop SYNs of sources far past the limits' });
    const listed = spawnSync('ip', ['netns', 'exec', ns, 'iptables', '-S', 'INPUT'], { encoding: 'utf8' }).stdout;
    assert.equal(listed.split('\n').filter((l) => l.startsWith('-A INPUT')).length, 2, listed);
    assert.match(listed, /connlimit/);
    assert.match(listed, /hashlimit/);
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
});
