// The flood drill's parsing and verdict, on recorded outputs: wrk's summary, HAProxy's stats CSV and
// rejection table, the app's /metrics, and the pass/fail and goal rules.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseWrk } from '@firebreak/ops/drill/flood-wrk.js';
import { delta, parseRejections, type Snapshot } from '@firebreak/ops/drill/flood-stats.js';
import { parseEdgeRejections } from '@firebreak/ops/edge/haproxy.js';
import { parseStatCsv } from '@firebreak/ops/cluster/haproxy.js';
import { verdict, type FloodReport, type PhaseReport } from '@firebreak/ops/drill/flood-report.js';

const WRK = `Running 8s test @ http://10.78.0.2:8080/api/v1/instance
  2 threads and 400 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    36.30ms  143.21ms   1.04s    96.73%
    Req/Sec     1.41k     2.29k    8.47k    80.95%
  3199 requests in 8.04s, 713.11KB read
  Socket errors: connect 5, read 171217, write 217246, timeout 200
  Non-2xx or 3xx responses: 3051
Requests/sec:    398.01
Transfer/sec:     88.72KB
`;

describe('flood drill parsing', () => {
  it("reads wrk's summary, counting refused and cut connections as attempts", () => {
    const r = parseWrk(WRK);
    assert.equal(r.requests, 3199);
    assert.equal(r.seconds, 8.04);
    assert.equal(r.non2xx, 3051);
    assert.deepEqual(r.socketErrors, { connect: 5, read: 171217, write: 217246, timeout: 200 });
    assert.equal(r.attempts, 3199 + 5 + 171217);
    assert.equal(r.attemptsPerSecond, Math.round((3199 + 5 + 171217) / 8.04));
    assert.equal(parseWrk('  10 requests in 1.00m, 1KB read\n').seconds, 60);
  });

  it("reads the edge's refusals by reason from `show table`", () => {
    const table = '# table: firebreak_edge_rejections, type: string, size:16, used:2\n'
      + '0x55d0c1a8: key=rate_limited use=0 exp=0 shard=0 gpc0=1000\n0x55d0c1b0: key=tarpit use=0 exp=0 shard=0 gpc0=71\n';
    const r = parseEdgeRejections(table);
    assert.equal(r.rate_limited, 1000);
    assert.equal(r.tarpit, 71);
    assert.equal(r.erroring, 0);
  });

  it("reads HAProxy's stats CSV by column name", () => {
    const rows = parseStatCsv('# pxname,svname,req_tot,chkdown\nfe_firebreak,FRONTEND,42,\nbe_app,app1,,3\n');
    assert.equal(rows[0]!.req_tot, '42');
    assert.equal(rows[1]!.chkdown, '3');
  });

  it("sums the app's refusals by reason and keeps them by route", () => {
    const text = [
      '# HELP firebreak_requests_rejected_total x',
      'firebreak_requests_rejected_total{reason="shed",route="GET /api/v2/search"} 7',
      'firebreak_requests_rejected_total{reason="shed",route="GET /api/v1/timelines/public"} 3',
      'firebreak_requests_rejected_total{reason="rate_limited",route="POST /oauth/token"} 2',
    ].join('\n');
    const r = parseRejections(text);
    assert.equal(r.rejected.shed, 10);
    assert.equal(r.rejected.rate_limited, 2);
    assert.equal(r.byRoute['shed GET /api/v2/search'], 7);
  });

  it('subtracts snapshots field by field', () => {
    const snap = (at: number, shed: number, appMs: number): Snapshot => ({
      at, edge: null,
      app: { rejected: { rate_limited: 0, login_limited: 0, shed, deadline: 0, challenged: 0, abandoned: 0 }, byRoute: { 'shed GET /x': shed } },
      cpu: { appMs, edgeMs: 0, dbMs: 0, appWaitMs: 0, edgeWaitMs: 0 },
    });
    const d = delta(snap(1000, 5, 100), snap(3000, 12, 350));
    assert.equal(d.seconds, 2);
    assert.equal(d.app!.rejected.shed, 7);
    assert.deepEqual(d.app!.byRoute, { 'shed GET /x': 7 });
    assert.equal(d.cpu.appMs, 250);
  });
});

describe('flood drill verdict', () => {
  const phase = (name: PhaseReport['name'], successRate: number, p99Ms: number): PhaseReport => ({
    name, seconds: 6,
    admission: { samples: 0, limitMin: null, limitMax: null, inflightMax: 0, queuedMax: 0, readyzMaxMs: 0, eventLoopLagMaxMs: 0 },
    edgeServer: null,
    legit: { targetRate: 100, requests: 1000, ok: Math.round(successRate * 1000), successRate, p50Ms: 5, p99Ms, p999Ms: p99Ms, maxMs: p99Ms, failures: {} },
    attack: null,
    rejected: { edge: null, app: null, appTopRoutes: [], edgeTotal: 0, appTotal: 0 },
    cpu: { appMs: 0, edgeMs: 0, dbMs: 0, appWaitMs: 0, edgeWaitMs: 0, extraMs: 0, msPerRejected: null },
  });
  const report = (phases: PhaseReport[], bruteForce: FloodReport['bruteForce'] = null): Omit<FloodReport, 'verdict'> => ({
    drill: 'flood', startedAt: '', commit: '', command: '', machine: { cpus: 2, loadAverageStart: [], loadAverageEnd: [], attackerCpu: '' },
    dataset: { users: 0, statuses: 0, expensivePaths: 0 }, capacity: { perSecond: 100, concurrency: 32, seconds: 4, outcomes: {} },
    legitRate: 60, phases, bruteForce, minSuccess: 0.95,
  });

  it('fails below --min-success in any phase, and reports the goals separately', () => {
    const ok = verdict(report([phase('baseline', 1, 100), phase('http-flood', 0.97, 250)]));
    assert.equal(ok.pass, true, '97% passes the 95% threshold');
    assert.deepEqual(ok.goals.map((g) => g.met), [true, false, true], 'healthy baseline; misses the 99% goal; p99 2.5x baseline meets the 3x goal');
    const bad = verdict(report([phase('baseline', 1, 100), phase('slowloris', 0.94, 400)]));
    assert.equal(bad.pass, false);
    assert.match(bad.problems[0]!, /slowloris: legitimate success 94\.00% < 95\.00%/);
    assert.equal(bad.goals.find((g) => g.goal.includes('p99 <='))!.met, false, '4x the baseline p99');
  });

  it('holds the brute force to the limit and wants the owner in', () => {
    const login = (status: number) => ({ status, ms: 100, retryAfter: null, tries: 1 });
    const v = verdict(report([phase('baseline', 1, 100)], {
      passwordChecks: 6, limitPerWindow: 5, windowSeconds: 300, ownerDuring: login(200), ownerAfter: login(503), ownerNewAddress: login(429),
    }));
    assert.deepEqual(v.goals.map((g) => g.met), [true, false, true, false]);
    assert.equal(v.pass, false, 'a limiter that lets a sixth guess through, or keeps the owner out, fails the drill');
    assert.equal(v.problems.length, 2);
    const held = verdict(report([phase('baseline', 1, 100)], {
      passwordChecks: 5, limitPerWindow: 5, windowSeconds: 300, ownerDuring: login(503), ownerAfter: login(200), ownerNewAddress: login(429),
    }));
    assert.equal(held.pass, true, 'an owner shed during the attack is a missed goal, not a broken limiter');
  });
});
