// The audit: the clients' record against the database after recovery, and the figures of the
// report. Pure functions, tested in test/drill/audit.test.ts.
import type { RoleSample } from './probe.js';
import type { Attempt, ReadOp, WriteOp } from './workload.js';

export interface DbRow { id: string; text: string }

export interface WriteAudit {
  acknowledged: number;
  lost: Array<{ key: string; statusId: string; ackAt: number }>;
  duplicated: Array<{ text: string; copies: number }>;
  /** Writes the client gave up on that landed anyway (allowed: the client never heard back). */
  ambiguous: number;
  /** Writes the client gave up on that did not land. */
  failedNotLanded: number;
  /** Rows with drill text no client wrote (should never happen). */
  unexpected: number;
}

export function auditWrites(writes: WriteOp[], rows: DbRow[]): WriteAudit {
  const byText = new Map<string, DbRow[]>();
  for (const row of rows) {
    const list = byText.get(row.text);
    if (list) list.push(row); else byText.set(row.text, [row]);
  }
  const byId = new Map(rows.map((r) => [r.id, r]));
  const written = new Set(writes.map((w) => w.text));
  const out: WriteAudit = { acknowledged: 0, lost: [], duplicated: [], ambiguous: 0, failedNotLanded: 0, unexpected: 0 };
  for (const w of writes) {
    if (w.result === 'acked') {
      out.acknowledged++;
      const row = w.statusId ? byId.get(w.statusId) : undefined;
      if (!row || row.text !== w.text) out.lost.push({ key: w.key, statusId: w.statusId ?? '', ackAt: w.end });
    } else if (byText.has(w.text)) out.ambiguous++;
    else out.failedNotLanded++;
  }
  for (const [text, list] of byText) {
    if (list.length > 1) out.duplicated.push({ text, copies: list.length });
    if (!written.has(text)) out.unexpected += list.length;
  }
  return out;
}

export interface FailureStats {
  total: number;
  failed: number;
  successRate: number;
  /** First start to last end of a failed request, ms relative to the fault; null when none failed. */
  windowStart: number | null;
  windowEnd: number | null;
  byReason: Record<string, number>;
}

function stats<T>(items: T[], failed: (x: T) => boolean, reason: (x: T) => string, start: (x: T) => number, end: (x: T) => number, t0: number): FailureStats {
  const bad = items.filter(failed);
  const byReason: Record<string, number> = {};
  for (const b of bad) byReason[reason(b)] = (byReason[reason(b)] ?? 0) + 1;
  return {
    total: items.length,
    failed: bad.length,
    successRate: items.length ? (items.length - bad.length) / items.length : 1,
    windowStart: bad.length ? Math.min(...bad.map(start)) - t0 : null,
    windowEnd: bad.length ? Math.max(...bad.map(end)) - t0 : null,
    byReason,
  };
}

/** Attempts = single HTTP requests; operations = what a user asked for, after the client's retries. */
export function failureStats(attempts: Attempt[], writes: WriteOp[], reads: ReadOp[], faultAt: number) {
  const attemptReason = (a: Attempt) => a.detail ?? (a.outcome === 'http' ? `HTTP ${a.status}` : a.outcome);
  return {
    writeAttempts: stats(attempts.filter((a) => a.kind === 'write'), (a) => a.outcome !== 'ok', attemptReason, (a) => a.start, (a) => a.end, faultAt),
    readAttempts: stats(attempts.filter((a) => a.kind === 'read'), (a) => a.outcome !== 'ok', attemptReason, (a) => a.start, (a) => a.end, faultAt),
    writes: stats(writes, (w) => w.result !== 'acked', (w) => w.lastError ?? 'failed', (w) => w.start, (w) => w.end, faultAt),
    reads: stats(reads, (r) => !r.ok, (r) => r.lastError ?? 'failed', (r) => r.start, (r) => r.end, faultAt),
  };
}

export interface Timing {
  /** Longest any acknowledged write waited (start to acknowledgement, retries included). */
  longestWriteStallMs: number;
  /** Longest stretch with no acknowledged write across all clients, from faultAt on. */
  longestAckGapMs: number;
  /** From the fault to the first acknowledged write that started after it; null when none. */
  recoveryMs: number | null;
  writeLatencyP50Ms: number;
  writeLatencyP99Ms: number;
  readLatencyP99Ms: number;
}

export function percentile(values: number[], p: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function timing(writes: WriteOp[], reads: ReadOp[], faultAt: number, endAt: number): Timing {
  const acked = writes.filter((w) => w.result === 'acked');
  const durations = acked.map((w) => w.end - w.start);
  const after = acked.filter((w) => w.start >= faultAt).map((w) => w.end);
  const acks = acked.map((w) => w.end).filter((t) => t >= faultAt).sort((a, b) => a - b);
  let gap = 0;
  let prev = faultAt;
  for (const t of acks) { gap = Math.max(gap, t - prev); prev = t; }
  gap = Math.max(gap, endAt - prev);
  return {
    longestWriteStallMs: durations.length ? Math.max(...durations) : 0,
    longestAckGapMs: gap,
    recoveryMs: after.length ? Math.min(...after) - faultAt : null,
    writeLatencyP50Ms: percentile(durations, 50),
    writeLatencyP99Ms: percentile(durations, 99),
    readLatencyP99Ms: percentile(reads.filter((r) => r.ok).map((r) => r.end - r.start), 99),
  };
}

export interface SplitBrain {
  maxPrimaries: number;
  /** When the most nodes claimed primary at once (ms relative to the fault). */
  at: number | null;
  transitions: Array<{ t: number; dc: string; from: string; to: string }>;
  samples: number;
}

const roleName = (p: boolean | null | undefined) => (p === true ? 'primary' : p === false ? 'replica' : 'unreachable');

/**
 * Most nodes claiming primary at the same moment. A node's claim is its latest sample, valid for
 * `staleMs` (a probe that stops answering stops counting only when its next sample says so).
 */
export function splitBrain(samples: RoleSample[], faultAt: number, staleMs = 1000): SplitBrain {
  const sorted = [...samples].sort((a, b) => a.t - b.t);
  const latest = new Map<string, RoleSample>();
  let max = 0;
  let at: number | null = null;
  const transitions: SplitBrain['transitions'] = [];
  for (const s of sorted) {
    const prev = latest.get(s.dc);
    if (!prev || prev.primary !== s.primary) transitions.push({ t: s.t - faultAt, dc: s.dc, from: prev ? roleName(prev.primary) : 'start', to: roleName(s.primary) });
    latest.set(s.dc, s);
    let n = 0;
    for (const l of latest.values()) if (l.primary === true && s.t - l.t <= staleMs) n++;
    if (n > max) { max = n; at = s.t - faultAt; }
  }
  return { maxPrimaries: max, at, transitions: transitions.filter((t) => t.from !== 'start' || t.to !== 'replica'), samples: samples.length };
}

export interface PushAudit {
  /** The subscriber's notifications from the drill's mentions, found in the database after recovery: each must be pushed. */
  expected: number;
  /** Of those, pushed at least once. */
  pushed: number;
  /** Notification ids never pushed (must be none). */
  missing: string[];
  /** Deliveries after the first of the same notification (allowed: the payload carries its id, clients show it once). */
  duplicates: number;
  /** Deliveries that could not be decrypted or named no notification (must be none). */
  unreadable: number;
  /** From the notification's creation (its id holds the time) to its first delivery. */
  delayP50Ms: number;
  delayMaxMs: number;
}

/** Creation time (ms) of a time-sortable id: milliseconds in the high bits (server migration 0001). */
export const idTime = (id: string) => Number(BigInt(id) >> 16n);

export function auditPushes(expected: string[], received: Map<string, { first: number; count: number }>, unreadable: number): PushAudit {
  const delays: number[] = [];
  const missing: string[] = [];
  let duplicates = 0;
  for (const id of expected) {
    const got = received.get(id);
    if (!got) { missing.push(id); continue; }
    delays.push(Math.max(0, got.first - idTime(id)));
  }
  for (const got of received.values()) duplicates += got.count - 1;
  return {
    expected: expected.length, pushed: expected.length - missing.length, missing, duplicates, unreadable,
    delayP50Ms: percentile(delays, 50), delayMaxMs: delays.length ? Math.max(...delays) : 0,
  };
}
