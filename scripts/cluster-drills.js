#!/usr/bin/env node
// The cluster job of CI (`npm run drills`): bring three data centers up, burn the primary's DC, revive
// it, partition the primary's DC, roll-restart every app server, tear down. Fails when a drill fails
// (an acknowledged write lost, a write duplicated, two primaries at once) or when the status service
// did not see the fire (DC marked down, incident opened) or did not clear it after the revive.
// Needs root and the Debian packages `.ci/run` installs.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = `${root}dist/src/cli.js`;
const started = Date.now();
const failures = [];
const results = [];

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
  process.stdout.write(`drill ${kind} ${report.target ?? ''}: ${v.pass ? 'PASS' : 'FAIL'}; acknowledged ${report.writes.acknowledged}, lost ${report.writes.lost.length}, duplicated ${report.writes.duplicated.length}, max primaries ${report.splitBrain.maxPrimaries}; failed requests: writes ${f.writeAttempts.failed}/${f.writeAttempts.total}, reads ${f.readAttempts.failed}/${f.readAttempts.total}; longest write stall ${(report.timing.longestWriteStallMs / 1000).toFixed(2)} s\n`);
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
    if (component?.status !== 'operational' || open.length) failures.push(`after the revive the status page still shows ${fire.target} ${component?.status ?? 'missing'} with ${open.length} open incident(s)`);
  }
  drill('partition');
  drill('restart');
} catch (err) {
  failures.push(err.message);
} finally {
  firebreak(['cluster', 'down']);
}

mkdirSync(`${root}run`, { recursive: true });
writeFileSync(`${root}run/cluster-drills.json`, `${JSON.stringify({ startedAt: new Date(started).toISOString(), failures, results }, null, 2)}\n`);
process.stdout.write(`\ncluster drills: ${failures.length ? `FAIL\n  - ${failures.join('\n  - ')}` : 'PASS'} (${((Date.now() - started) / 1000).toFixed(0)} s; reports in run/cluster-drills.json)\n`);
process.exit(failures.length ? 1 : 0);
