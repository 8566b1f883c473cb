// The audit: the clients' record against the database after recovery, and the figures of the
// report. Pure functions, tested in test/drill/audit.test.ts.
import type { RoleSample } from './probe.js';
import type { Attempt, ControlOp, ReadOp, UploadOp, WriteOp } from './workload.js';

/** A drill status as the database has it after recovery, with the media it shows. */
export interface DbRow { id: string; text: string; media_ids?: string[] }

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

/** A reader's home feed after the drill: its floor (null: no feed) and which of the drill's statuses it holds. */
export interface FeedRow { reader: string; floor: string | null; statusIds: string[] }

export interface FeedAudit {
  /** Readers whose feeds were checked (those without a feed are counted apart). */
  readers: number;
  withoutFeed: number;
  /** (reader, status) pairs that had to be in a feed: every drill status at or above the reader's floor. */
  checked: number;
  missing: Array<{ reader: string; statusId: string }>;
  /** Statuses still waiting in the feed outbox when the audit gave up waiting (must be 0). */
  outboxLeft: number;
}

/**
 * Fan-out through the feed outbox (issue 15): every status the writers made (the readers follow them
 * all, and all are public) must be in each reader's home feed from the feed's floor up, whoever
 * queued it and whatever burned before it was drained.
 */
export function auditFeeds(statuses: DbRow[], feeds: FeedRow[], outboxLeft: number): FeedAudit {
  const out: FeedAudit = { readers: 0, withoutFeed: 0, checked: 0, missing: [], outboxLeft };
  for (const feed of feeds) {
    if (feed.floor === null) { out.withoutFeed++; continue; }
    out.readers++;
    const held = new Set(feed.statusIds);
    for (const status of statuses) {
      if (BigInt(status.id) < BigInt(feed.floor)) continue;
      out.checked++;
      if (!held.has(status.id)) out.missing.push({ reader: feed.reader, statusId: status.id });
    }
  }
  return out;
}

/** A filter (with its keyword) or a list (with its member) found in the database after the drill. */
export interface ControlRow { kind: 'filter' | 'list'; title: string; detail: string | null }

export interface ControlAudit {
  acknowledged: number;
  /** Acknowledged, and missing afterwards, or missing its keyword or member. */
  lost: Array<{ kind: string; title: string; ackAt: number }>;
  /** A filter or list made more than once (its title is unique to one operation). */
  duplicated: Array<{ kind: string; title: string; copies: number }>;
  ambiguous: number;
  failedNotLanded: number;
  unexpected: number;
}

/** The curators' lists and filters (workload.ts) against what the database holds after recovery. */
export function auditControls(ops: ControlOp[], rows: ControlRow[]): ControlAudit {
  const byTitle = new Map<string, ControlRow[]>();
  for (const row of rows) {
    const key = `${row.kind}:${row.title}`;
    const list = byTitle.get(key);
    if (list) list.push(row); else byTitle.set(key, [row]);
  }
  const made = new Set(ops.map((o) => `${o.kind}:${o.title}`));
  const out: ControlAudit = { acknowledged: 0, lost: [], duplicated: [], ambiguous: 0, failedNotLanded: 0, unexpected: 0 };
  for (const op of ops) {
    const found = byTitle.get(`${op.kind}:${op.title}`) ?? [];
    if (op.result === 'acked') {
      out.acknowledged++;
      if (!found.some((r) => r.detail === op.detail)) out.lost.push({ kind: op.kind, title: op.title, ackAt: op.end });
    } else if (found.length) out.ambiguous++;
    else out.failedNotLanded++;
  }
  for (const [key, list] of byTitle) {
    if (list.length > 1) out.duplicated.push({ kind: list[0]!.kind, title: list[0]!.title, copies: list.length });
    if (!made.has(key)) out.unexpected += list.length;
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
  /**
   * Writes acknowledged before the fault: what the load alone costs. A write in flight at the fault
   * carries this wait as well as the failover's, and the longest write stall includes it.
   */
  writeLatencyBeforeFaultP50Ms: number;
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
    writeLatencyBeforeFaultP50Ms: percentile(acked.filter((w) => w.end < faultAt).map((w) => w.end - w.start), 50),
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

/** An attached file as read back through the edge after recovery: its status and the SHA-256 of its bytes. */
export interface FetchedFile { status: number; sha256?: string; error?: string }

export interface MediaAudit {
  /** Acknowledged posts that carried a picture. */
  acknowledged: number;
  /** Their pictures missing afterwards: not on the post, or the file not served. Must be 0. */
  lost: Array<{ statusId: string; mediaId: string; why: string }>;
  /** Files served with other bytes than their content address (and the acknowledged post) say. Must be 0. */
  corrupt: Array<{ statusId: string; url: string; sha256: string }>;
  /** Uploads the server acknowledged (202), and those of them whose attachment is gone. */
  uploadsAcknowledged: number;
  uploadsLost: string[];
  /**
   * How long acknowledged posts with a picture took, from the upload's start to the post's
   * acknowledgement: processing waits for idle CPU by design (niced, the overload protection's lowest
   * class), so these are kept apart from the write stall of plain posts.
   */
  latencyP50Ms: number;
  latencyP99Ms: number;
  longestMs: number;
}

/** The SHA-256 a served file's name promises (`/system/files/<sha256>.<ext>`). */
export const promisedSha256 = (url: string) => /\/([0-9a-f]{64})\.[a-z0-9]+$/.exec(url)?.[1];

/**
 * Every acknowledged post with a picture still shows it, and its file reads back byte for byte (the
 * name is the SHA-256 of the bytes the acknowledged post pointed at); every acknowledged upload still
 * exists (processed, or attached). `mediaRows`: the ids of drill uploads the database has.
 */
export function auditMedia(writes: WriteOp[], uploads: UploadOp[], rows: DbRow[], mediaRows: Set<string>, files: Map<string, FetchedFile>): MediaAudit {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const durations = writes.filter((w) => w.result === 'acked' && w.media?.mediaId).map((w) => w.end - w.start);
  const out: MediaAudit = {
    acknowledged: 0, lost: [], corrupt: [], uploadsAcknowledged: uploads.length, uploadsLost: [],
    latencyP50Ms: percentile(durations, 50), latencyP99Ms: percentile(durations, 99), longestMs: durations.length ? Math.max(...durations) : 0,
  };
  for (const w of writes) {
    if (w.result !== 'acked' || !w.media?.mediaId) continue;
    out.acknowledged++;
    const statusId = w.statusId ?? '';
    const mediaId = w.media.mediaId;
    const row = byId.get(statusId);
    if (!row?.media_ids?.map(String).includes(mediaId)) { out.lost.push({ statusId, mediaId, why: 'not on the post' }); continue; }
    const url = w.media.url;
    if (!url) { out.lost.push({ statusId, mediaId, why: 'the acknowledged post had no file url' }); continue; }
    const file = files.get(url);
    if (!file || file.status !== 200) { out.lost.push({ statusId, mediaId, why: `file: ${file?.error ?? `HTTP ${file?.status ?? 'not read'}`}` }); continue; }
    if (file.sha256 !== promisedSha256(url)) out.corrupt.push({ statusId, url, sha256: file.sha256 ?? '' });
  }
  for (const u of uploads) if (!mediaRows.has(u.mediaId)) out.uploadsLost.push(u.mediaId);
  return out;
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
