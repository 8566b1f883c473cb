#!/usr/bin/env node
// The cluster job of CI (`npm run drills`): bring three data centers up, burn the primary's DC, revive
// it, partition the primary's DC, roll-restart every app server, tear down. Fails when a drill fails
// (an acknowledged write lost, a write duplicated, two primaries at once) or when the status service
// did not see the fire (DC marked down, incident opened) or did not clear it after the revive.
// Needs root and the Debian packages `.ci/run` installs.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { updateMarkedSection } from '@firebreak/ops/bench/report.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = `${root}bin/firebreak.js`;
const started = Date.now();
const loadAtStart = loadavg().map((x) => x.toFixed(2)).join(' ');
const benchmarks = process.argv.includes('--benchmarks');
const failures = [];
const results = [];
let latency = 'unknown';

function firebreak(args, { json = false } = {}) {
  const t0 = Date.now();
  process.stderr.write(`\n$ firebreak ${args.join(' ')}\n`);
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 10 * 60_000 });
  if (!json) process.stdout.write(r.stdout ?? '');
  process.stderr.write(`(exit ${r.status ?? r.signal}, ${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
  return r;
}

async function statusSummary(url) {
  try {
    const res = await fetch(`${url}/api/v2/summary.json`, { signal: AbortSignal.timeout(2000) });
    return res.ok ? await res.json() : undefined;
  } catch { return undefined; }
}

function drill(kind) {
  const r = firebreak(['drill', kind, ...(kind === 'restart' ? [] : ['--primary']), '--json'], { json: true });
  let report;
  try { report = JSON.parse(r.stdout); } catch { failures.push(`drill ${kind}: no report (exit ${r.status})`); return undefined; }
  results.push(report);
  const v = report.verdict;
  const f = report.failures;
  process.stdout.write(`drill ${kind} ${report.target ?? ''}: ${v.pass ? 'PASS' : 'FAIL'}; acknowledged ${report.writes.acknowledged}, lost ${report.writes.lost.length}, duplicated ${report.writes.duplicated.length}, pictures ${report.media.acknowledged} (lost ${report.media.lost.length}, corrupt ${report.media.corrupt.length}, uploads lost ${report.media.uploadsLost.length}, p99 ${(report.media.latencyP99Ms / 1000).toFixed(1)} s), max primaries ${report.splitBrain.maxPrimaries}; failed requests: writes ${f.writeAttempts.failed}/${f.writeAttempts.total}, reads ${f.readAttempts.failed}/${f.readAttempts.total}; longest write stall ${(report.timing.longestWriteStallMs / 1000).toFixed(2)} s\n`);
  process.stdout.write(`  lists and filters: acknowledged ${report.controls.acknowledged}, lost ${report.controls.lost.length}, duplicated ${report.controls.duplicated.length}; reports: acknowledged ${report.reports.acknowledged}, lost ${report.reports.lost.length}, duplicated ${report.reports.duplicated.length}; pushes: ${report.pushes.pushed}/${report.pushes.expected} notifications pushed, ${report.pushes.duplicates} duplicate deliveries, delay max ${(report.pushes.delayMaxMs / 1000).toFixed(1)} s\n`);
  if (report.statusPage) process.stdout.write(`  status page: ${report.target} down after ${report.statusPage.targetDownMs ?? '-'} ms, incident after ${report.statusPage.incidentOpenedMs ?? '-'} ms\n`);
  if (v.goalsMissed.length) process.stdout.write(`  goals missed: ${v.goalsMissed.join('; ')}\n`);
  if (!v.pass || r.status !== 0) failures.push(`drill ${kind}: ${v.problems.join('; ') || `exit ${r.status}`}`);
  return report;
}

try {
  firebreak(['cluster', 'down']);
  const up = firebreak(['cluster', 'up']);
  if (up.status !== 0) throw new Error('cluster up failed');
  const statusUrl = /status:\s+(\S+)/.exec(up.stdout)?.[1];
  latency = /latency:\s+(.*)/.exec(up.stdout)?.[1] ?? 'unknown';

  const fire = drill('fire');
  if (fire) {
    if (!fire.statusPage) failures.push('fire: no status service answered');
    else if (fire.statusPage.targetDownMs === null) failures.push(`fire: the status page never marked ${fire.target} down`);
    else if (fire.statusPage.incidentOpenedMs === null) failures.push('fire: the status page opened no incident');
  }
  if (firebreak(['cluster', 'revive']).status !== 0) throw new Error('cluster revive failed');
  if (fire && statusUrl) {
    const summary = await statusSummary(statusUrl);
    const component = summary?.components?.find((c) => c.name === fire.target);
    const open = (summary?.incidents ?? []).filter((i) => i.status !== 'resolved');
    if (component?.status !== 'operational' || open.length) failures.push(`after the revive the status page still shows ${fire.target} ${component?.status ?? 'missing'} (${component?.description ?? 'no reason given'}) with ${open.length} open incident(s)`);
  }
  drill('partition');
  drill('restart');
} catch (err) {
  failures.push(err.message);
} finally {
  firebreak(['cluster', 'down']);
}

const secs = (ms) => (ms === null || ms === undefined ? '-' : (ms / 1000).toFixed(1));
const ratio = (f) => `${f.failed} / ${f.total}`;

/** `--benchmarks`: the run as a section of BENCHMARKS.md, with the command and the machine's load. */
function markdown(latency) {
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim();
  const rows = results.map((r) => {
    const promoted = r.splitBrain.transitions.find((t) => t.t > 0 && t.to === 'primary');
    return `| ${r.drill} ${r.target ?? ''} | ${r.verdict.pass ? 'pass' : '**FAIL**'} | ${r.writes.acknowledged} | ${r.writes.lost.length} | ${r.writes.duplicated.length} | ${r.writes.ambiguous} | ${r.media.acknowledged} / ${r.media.lost.length} / ${r.media.corrupt.length} (p99 ${secs(r.media.latencyP99Ms)}) | ${ratio(r.failures.writes)} · ${ratio(r.failures.writeAttempts)} | ${ratio(r.failures.reads)} · ${ratio(r.failures.readAttempts)} | ${secs(promoted?.t)} | ${secs(r.timing.recoveryMs)} | ${secs(r.timing.longestWriteStallMs)} | ${secs(r.timing.readLatencyP99Ms)} | ${r.rejoinMs === null ? '-' : secs(r.rejoinMs)} | ${r.statusPage ? `${secs(r.statusPage.targetDownMs)} / ${secs(r.statusPage.incidentOpenedMs)}` : '-'} | ${r.splitBrain.maxPrimaries} |`;
  });
  return [
    '## Cluster drills (three data centers on this machine)',
    '',
    '- Command: `sudo npm run drills -- --benchmarks` (what CI runs, plus this section)',
    `- Commit: \`${commit}\`, ${new Date(started).toISOString()}; load average at start ${loadAtStart}; ${results.length ? `${results[0].workload.writers} writers + ${results[0].workload.readers} readers through the edge` : ''}`,
    `- Links: ${latency}`,
    '- Operations = after a good client\'s retries (same Idempotency-Key); attempts = single HTTP requests. Times in seconds after the fault.',
    '',
    '| Drill | Verdict | Acked writes | Lost | Duplicated | Ambiguous | Pictures: acked / lost / corrupt (p99 upload to post) | Failed writes: ops · attempts | Failed reads: ops · attempts | New primary at | First acked write | Longest write stall | Read p99 | Rejoined after heal | Status page: DC down / incident | Max primaries |',
    '|---|---|---:|---:|---:|---:|---|---|---|---:|---:|---:|---:|---:|---|---:|',
    ...rows,
    '',
    `Goals (issue 3): 0 lost, 0 duplicated, one primary at a time, every acknowledged picture read back byte for byte (all enforced: exit status 1 otherwise); fire: 0 failed requests, write stall <= 10 s, reads >= 99.9%; rolling restart: 0 failed requests. Missed here: ${results.flatMap((r) => r.verdict.goalsMissed.map((g) => `${r.drill}: ${g}`)).join('; ') || 'none'}.`,
  ].join('\n');
}

mkdirSync(`${root}run`, { recursive: true });
writeFileSync(`${root}run/cluster-drills.json`, `${JSON.stringify({ startedAt: new Date(started).toISOString(), failures, results }, null, 2)}\n`);
if (benchmarks && results.length) {
  writeFileSync(`${root}bench-results/cluster-drills.json`, `${JSON.stringify({ startedAt: new Date(started).toISOString(), loadAtStart, latency, failures, results }, null, 2)}\n`);
  updateMarkedSection(`${root}BENCHMARKS.md`, 'bench:cluster-drills', markdown(latency));
}
process.stdout.write(`\ncluster drills: ${failures.length ? `FAIL\n  - ${failures.join('\n  - ')}` : 'PASS'} (${((Date.now() - started) / 1000).toFixed(0)} s; reports in run/cluster-drills.json)\n`);
process.exit(failures.length ? 1 : 0);
