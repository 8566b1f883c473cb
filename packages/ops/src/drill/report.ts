// The drill report: one object (printed as JSON with --json) and its human-readable text.
import type { ControlAudit, FailureStats, FeedAudit, MediaAudit, PushAudit, SplitBrain, Timing, WriteAudit } from './audit.js';
import type { StatusPageObservation } from './status-watch.js';

export interface DrillReport {
  drill: 'fire' | 'partition' | 'restart';
  target: string | null;
  targetWasPrimary: boolean;
  primaryBefore: string | null;
  primaryAfter: string | null;
  startedAt: string;
  workload: { writers: number; readers: number; durationMs: number; faultAtMs: number };
  /** What the drill did, ms relative to the fault. */
  events: Array<{ t: number; what: string }>;
  /** Why the fault was not injected as planned (a DC not burned, a server not restarted); null when it was. */
  faultError: string | null;
  /** Where the failover's time went: etcd, Patroni, promotion, the edge, the apps' detectors, the first ack (failover-timeline.ts). */
  failoverTimeline: Array<{ t: number; what: string }>;
  writes: WriteAudit;
  /** Pictures on acknowledged posts and acknowledged uploads, read back after recovery. */
  media: MediaAudit;
  /** Lists (with a member) and filters (with a keyword) the curators made. */
  controls: ControlAudit;
  /** Reports filed during the drill, audited like the writes. */
  reports: WriteAudit;
  /** Posts mentioning the push subscriber, audited like the writes; their notifications must all be pushed. */
  mentions: WriteAudit;
  pushes: PushAudit;
  /** The writers' statuses in the readers' home feeds, once the feed outbox has drained. */
  feeds: FeedAudit;
  failures: { writeAttempts: FailureStats; readAttempts: FailureStats; writes: FailureStats; reads: FailureStats };
  timing: Timing;
  splitBrain: SplitBrain;
  /** A partitioned DC back as a replica, ms after the heal. */
  rejoinMs: number | null;
  /** What the status service showed (null: no status service answered). */
  statusPage: StatusPageObservation | null;
  auditError: string | null;
  verdict: { pass: boolean; problems: string[]; goalsMissed: string[] };
}

/** Hard failures (exit status 1) and soft goals (reported, from issue 3's targets). */
export function verdict(r: Omit<DrillReport, 'verdict'>): DrillReport['verdict'] {
  const problems: string[] = [];
  // A drill whose fault did not happen as planned proves nothing about that fault.
  if (r.faultError) problems.push(`the fault was not injected as planned: ${r.faultError}`);
  if (r.auditError) problems.push(`audit could not run: ${r.auditError}`);
  if (r.writes.lost.length) problems.push(`${r.writes.lost.length} acknowledged writes lost`);
  if (r.writes.duplicated.length) problems.push(`${r.writes.duplicated.length} writes duplicated`);
  if (r.writes.unexpected) problems.push(`${r.writes.unexpected} rows no client wrote`);
  if (r.controls.lost.length) problems.push(`${r.controls.lost.length} acknowledged lists or filters lost`);
  if (r.controls.duplicated.length) problems.push(`${r.controls.duplicated.length} lists or filters duplicated`);
  if (r.controls.unexpected) problems.push(`${r.controls.unexpected} lists or filters no client made`);
  if (r.splitBrain.maxPrimaries > 1) problems.push(`split brain: ${r.splitBrain.maxPrimaries} nodes claimed primary at once`);
  if (r.writes.acknowledged === 0) problems.push('no write was acknowledged at all');
  if (r.media.lost.length) problems.push(`${r.media.lost.length} acknowledged pictures lost`);
  if (r.media.corrupt.length) problems.push(`${r.media.corrupt.length} pictures read back with other bytes`);
  if (r.media.uploadsLost.length) problems.push(`${r.media.uploadsLost.length} acknowledged uploads lost`);
  for (const [name, audit] of [['reports', r.reports], ['mentions', r.mentions]] as const) {
    if (audit.lost.length) problems.push(`${audit.lost.length} acknowledged ${name} lost`);
    if (audit.duplicated.length) problems.push(`${audit.duplicated.length} ${name} duplicated`);
  }
  if (r.pushes.missing.length) problems.push(`${r.pushes.missing.length} of ${r.pushes.expected} notifications never pushed`);
  if (r.pushes.unreadable) problems.push(`${r.pushes.unreadable} pushes could not be decrypted`);
  if (r.reports.acknowledged === 0) problems.push('no report was acknowledged at all');
  if (r.feeds.outboxLeft) problems.push(`${r.feeds.outboxLeft} statuses never left the feed outbox`);
  if (r.feeds.missing.length) problems.push(`${r.feeds.missing.length} of ${r.feeds.checked} statuses missing from readers' home feeds`);
  if (r.feeds.checked === 0) problems.push('no reader had a home feed to check');
  if (r.pushes.expected === 0) problems.push('no notification to push was made at all');
  const goalsMissed: string[] = [];
  if (r.failures.writes.failed) goalsMissed.push(`${r.failures.writes.failed} writes failed as seen by users (goal 0)`);
  if (r.failures.reads.successRate < 0.999) goalsMissed.push(`reads ${(r.failures.reads.successRate * 100).toFixed(2)}% successful (goal >= 99.9%)`);
  if (r.drill === 'fire' && r.timing.longestWriteStallMs > 10_000) goalsMissed.push(`longest write stall ${(r.timing.longestWriteStallMs / 1000).toFixed(1)} s (goal <= 10 s)`);
  if (r.drill === 'restart' && (r.failures.writeAttempts.failed || r.failures.readAttempts.failed)) goalsMissed.push('requests failed during a rolling restart (goal 0)');
  if (r.statusPage && r.drill !== 'restart') {
    const down = r.statusPage.targetDownMs;
    if (down === null || down > 10_000) goalsMissed.push(`status page marked ${r.target} down ${down === null ? 'never' : `after ${(down / 1000).toFixed(1)} s`} (goal <= 10 s)`);
    if (r.statusPage.incidentOpenedMs === null) goalsMissed.push('the status page opened no incident');
  }
  if (r.drill === 'partition' && r.rejoinMs === null) goalsMissed.push('the partitioned DC did not rejoin as a replica');
  return { pass: problems.length === 0, problems, goalsMissed };
}

export function exitCode(r: DrillReport): number {
  return r.verdict.pass ? 0 : 1;
}

const s = (ms: number | null) => (ms === null ? '-' : `${(ms / 1000).toFixed(2)} s`);
const pct = (x: number) => `${(x * 100).toFixed(3)}%`;

function failureLine(label: string, f: FailureStats): string {
  const reasons = Object.entries(f.byReason).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} x${v}`).join(', ');
  const window = f.failed ? `, window ${s(f.windowStart)} .. ${s(f.windowEnd)} after the fault` : '';
  return `  ${label.padEnd(16)} ${String(f.failed).padStart(5)} failed of ${String(f.total).padStart(6)}  (${pct(f.successRate)} ok${window})${reasons ? `\n  ${''.padEnd(16)} ${reasons}` : ''}`;
}

export function formatReport(r: DrillReport): string {
  const lines: string[] = [];
  lines.push(`drill ${r.drill}${r.target ? ` ${r.target}${r.targetWasPrimary ? ' (held the primary)' : ''}` : ''}: ${r.verdict.pass ? 'PASS' : 'FAIL'}`);
  lines.push(`  started ${r.startedAt}; ${r.workload.writers} writers, ${r.workload.readers} readers for ${s(r.workload.durationMs)}, fault at ${s(r.workload.faultAtMs)}`);
  lines.push(`  primary before: ${r.primaryBefore ?? '?'}, after: ${r.primaryAfter ?? '?'}`);
  lines.push('', 'events (time after the fault):');
  for (const e of r.events) lines.push(`  ${s(e.t).padStart(9)}  ${e.what}`);
  if (r.failoverTimeline.length) {
    lines.push('', 'failover timeline (time after the fault):');
    for (const e of r.failoverTimeline) lines.push(`  ${s(e.t).padStart(9)}  ${e.what}`);
  }
  for (const t of r.splitBrain.transitions) lines.push(`  ${s(t.t).padStart(9)}  ${t.dc}: ${t.from} -> ${t.to} (probe)`);
  lines.push('', 'writes (audited in the database after recovery):');
  lines.push(`  acknowledged     ${r.writes.acknowledged}`);
  lines.push(`  lost             ${r.writes.lost.length}   (acknowledged, missing afterwards; must be 0)`);
  lines.push(`  duplicated       ${r.writes.duplicated.length}   (landed more than once; must be 0)`);
  lines.push(`  ambiguous        ${r.writes.ambiguous}   (client gave up, write landed; allowed)`);
  lines.push(`  failed, absent   ${r.writes.failedNotLanded}`);
  lines.push(`  with a picture   ${r.media.acknowledged}   (each read back through the edge, byte for byte)`);
  lines.push(`  pictures lost    ${r.media.lost.length}   (must be 0)${r.media.lost.length ? `: ${r.media.lost.slice(0, 3).map((l) => `${l.mediaId} ${l.why}`).join('; ')}` : ''}`);
  lines.push(`  corrupt          ${r.media.corrupt.length}   (bytes differ from their SHA-256 name; must be 0)`);
  lines.push(`  uploads acked    ${r.media.uploadsAcknowledged}, lost ${r.media.uploadsLost.length}   (must be 0)`);
  lines.push(`  picture posts    p50 ${s(r.media.latencyP50Ms)}, p99 ${s(r.media.latencyP99Ms)}, longest ${s(r.media.longestMs)}   (upload, processing, post; not in the write stall below)`);
  const c = r.controls;
  lines.push(`  lists and filters: ${c.acknowledged} acknowledged, ${c.lost.length} lost, ${c.duplicated.length} duplicated (both must be 0), ${c.ambiguous} ambiguous, ${c.failedNotLanded} failed and absent`);
  if (r.auditError) lines.push(`  AUDIT ERROR: ${r.auditError}`);
  lines.push(`  reports          ${r.reports.acknowledged} acknowledged, ${r.reports.lost.length} lost, ${r.reports.duplicated.length} duplicated, ${r.reports.ambiguous} ambiguous`);
  lines.push(`  mentions         ${r.mentions.acknowledged} acknowledged, ${r.mentions.lost.length} lost, ${r.mentions.duplicated.length} duplicated, ${r.mentions.ambiguous} ambiguous`);
  const f = r.feeds;
  lines.push(`  home feeds       ${f.checked} (reader, status) pairs in ${f.readers} readers' feeds, ${f.missing.length} missing, ${f.outboxLeft} left in the outbox (both must be 0)`);
  lines.push('', 'web push (the subscriber\'s notifications, decrypted as delivered):');
  lines.push(`  notifications    ${r.pushes.expected}, pushed ${r.pushes.pushed}, missing ${r.pushes.missing.length} (must be 0)`);
  lines.push(`  duplicates       ${r.pushes.duplicates}   (the payload carries the notification's id; allowed)`);
  lines.push(`  delay p50 / max  ${s(r.pushes.delayP50Ms)} / ${s(r.pushes.delayMaxMs)}   (notification made -> first delivery)`);
  lines.push('', 'failures seen by clients (operations = after the client\'s retries; attempts = single HTTP requests):');
  lines.push(failureLine('write operations', r.failures.writes));
  lines.push(failureLine('read operations', r.failures.reads));
  lines.push(failureLine('write attempts', r.failures.writeAttempts));
  lines.push(failureLine('read attempts', r.failures.readAttempts));
  lines.push('', 'timing:');
  lines.push(`  longest write stall            ${s(r.timing.longestWriteStallMs)}`);
  lines.push(`  fault -> first acked new write ${s(r.timing.recoveryMs)}`);
  lines.push(`  longest gap between acks       ${s(r.timing.longestAckGapMs)}`);
  lines.push(`  write latency p50 / p99        ${s(r.timing.writeLatencyP50Ms)} / ${s(r.timing.writeLatencyP99Ms)}`);
  lines.push(`  write latency p50 before fault ${s(r.timing.writeLatencyBeforeFaultP50Ms)}   (the load alone; a write in flight at the fault waits this too)`);
  lines.push(`  read latency p99               ${s(r.timing.readLatencyP99Ms)}`);
  if (r.drill === 'partition') lines.push(`  heal -> rejoined as replica    ${s(r.rejoinMs)}`);
  lines.push(`  most nodes claiming primary    ${r.splitBrain.maxPrimaries} (${r.splitBrain.samples} probe samples; must be 1)`);
  if (r.statusPage) {
    lines.push('', `status page (${r.statusPage.url}):`);
    lines.push(`  ${r.target ?? 'target'} shown ${r.statusPage.targetStatus ?? 'down'} after ${s(r.statusPage.targetDownMs)}`);
    lines.push(`  incident opened after ${s(r.statusPage.incidentOpenedMs)}${r.statusPage.incidentName ? `: "${r.statusPage.incidentName}"` : ''}`);
  }
  lines.push('');
  if (r.verdict.problems.length) lines.push(`FAIL: ${r.verdict.problems.join('; ')}`);
  if (r.verdict.goalsMissed.length) lines.push(`goals missed (reported, not failing): ${r.verdict.goalsMissed.join('; ')}`);
  if (r.verdict.pass && !r.verdict.goalsMissed.length) lines.push('PASS: no loss, no duplicates, one primary at a time; every goal met');
  else if (r.verdict.pass) lines.push('PASS: no loss, no duplicates, one primary at a time');
  return lines.join('\n');
}
