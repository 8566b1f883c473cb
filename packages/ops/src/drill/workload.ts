// The drill workload: writer clients posting with Idempotency-Key, readers paging home timelines,
// curators making filters and lists (with a member), reporters filing reports (Idempotency-Key too)
// and notifiers mentioning an account that has a Web Push subscription, all through the edge,
// retrying as a good client would. Picture writers of their own first upload a picture for each post
// (POST /api/v2/media with its own key, then wait for processing) and attach it. Every HTTP attempt
// and every logical operation is recorded with start, end and outcome; the audit and the report work
// from that record (and from what the push subscriber received: push-receiver.ts).
import { randomUUID } from 'node:crypto';
import { noisyJpeg } from '@firebreak/testkit/media-fixtures.js';
import { subscriberKeys, subscriptionFor, type SubscriberKeys } from '@firebreak/testkit/web-push.js';

export type Outcome = 'ok' | 'http' | 'network' | 'timeout';

export interface Attempt { kind: 'read' | 'write'; start: number; end: number; outcome: Outcome; status: number; detail?: string }

export interface WriteOp {
  key: string;
  text: string;
  account: number;
  start: number;
  end: number;
  /** acked: a 2xx with a status id came back. failed: the client gave up (the write may still have landed). */
  result: 'acked' | 'failed';
  statusId?: string;
  attempts: number;
  lastError?: string;
  /** The picture this post carries: the acknowledged upload, and the file the acknowledged post showed. */
  media?: { uploadKey: string; mediaId?: string; url?: string };
}

/** An upload the server acknowledged (202 with an id): it must survive, processed, whatever burns. */
export interface UploadOp { key: string; mediaId: string; ackAt: number }

export interface ReadOp { start: number; end: number; ok: boolean; attempts: number; lastError?: string }

/**
 * A list or filter write (issue 17): a filter with one keyword, or a list made and given one member.
 * Acknowledged only when every request of it was; the audit then finds exactly one of it.
 */
export interface ControlOp {
  kind: 'filter' | 'list';
  /** The filter's or the list's title, unique to this operation. */
  title: string;
  /** The filter's keyword, or the list member's account id. */
  detail: string;
  account: number;
  start: number;
  end: number;
  result: 'acked' | 'failed';
  attempts: number;
  lastError?: string;
}

export interface WorkloadOptions {
  edgeUrl: string;
  writers: number;
  readers: number;
  writerAccounts: number;
  readerAccounts: number;
  /** Pause between a client's operations (keeps the load bounded on a small machine). */
  writerPauseMs: number;
  readerPauseMs: number;
  /** A good client keeps retrying a write this long (same Idempotency-Key), a read this long. */
  writeDeadlineMs: number;
  readDeadlineMs: number;
  runId: string;
  /** Loops posting only with a picture (0: none), beside the writers' plain posts. */
  pictureWriters: number;
  /** Loops making lists and filters, each as its own account (which follows every writer). */
  curators: number;
  curatorPauseMs: number;
  /** Clients filing reports, and clients mentioning the push subscriber, with their pauses. */
  reporters: number;
  reporterPauseMs: number;
  notifiers: number;
  notifierPauseMs: number;
  /** Where the push subscriber's notifications are delivered (push-receiver.ts). */
  pushEndpoint: string;
}

export interface Session { token: string; id: string; username: string }

export class Recorder {
  attempts: Attempt[] = [];
  writes: WriteOp[] = [];
  reads: ReadOp[] = [];
  uploads: UploadOp[] = [];
  controls: ControlOp[] = [];
  /** Reports filed (statusId: the report's id). */
  reports: WriteOp[] = [];
  /** Posts mentioning the push subscriber. */
  mentions: WriteOp[] = [];
}

/** The account with a Web Push subscription, and the keys its pushes are encrypted for. */
export interface PushSubscriber { session: Session; keys: SubscriberKeys }

export interface Sessions { writers: Session[]; readers: Session[]; curators: Session[]; subscriber: PushSubscriber }

interface HttpResult { status: number; body: any; outcome: Outcome; detail?: string; retryAfterMs?: number }

async function request(rec: Recorder | undefined, kind: 'read' | 'write', url: string, init: RequestInit, timeoutMs: number): Promise<HttpResult> {
  const start = Date.now();
  let result: HttpResult;
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    let body: any;
    try { body = text ? JSON.parse(text) : undefined; } catch { body = text; }
    const ra = Number(res.headers.get('retry-after'));
    result = { status: res.status, body, outcome: res.ok ? 'ok' : 'http', retryAfterMs: Number.isFinite(ra) && ra > 0 ? ra * 1000 : undefined };
    // The error text tells which layer refused (edge, load shedding, the database's budget).
    if (!res.ok) result.detail = `HTTP ${res.status}${typeof body?.error === 'string' ? `: ${body.error.slice(0, 60)}` : ''}`;
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const timedOut = e.name === 'TimeoutError' || e.name === 'AbortError';
    result = { status: 0, body: undefined, outcome: timedOut ? 'timeout' : 'network', detail: timedOut ? 'client timeout' : (e.cause?.code ?? e.cause?.message ?? e.message) };
  }
  rec?.attempts.push({ kind, start, end: Date.now(), outcome: result.outcome, status: result.status, detail: result.detail });
  return result;
}

function retryable(r: HttpResult): boolean {
  return r.outcome === 'network' || r.outcome === 'timeout' || r.status >= 500 || r.status === 429 || r.status === 408;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function backoff(attempt: number, r: HttpResult): number {
  if (r.retryAfterMs) return Math.min(r.retryAfterMs, 5000);
  return Math.min(200 * 2 ** attempt, 2000) * (0.5 + Math.random() / 2);
}

/** Setup calls (not part of the measured record): retried until they succeed or 60 s pass. */
async function setupCall(url: string, init: RequestInit): Promise<any> {
  const until = Date.now() + 60_000;
  for (let attempt = 0; ; attempt++) {
    const r = await request(undefined, 'write', url, init, 20_000);
    if (r.outcome === 'ok') return r.body;
    if (!retryable(r) || Date.now() > until) throw new Error(`drill setup: ${init.method ?? 'GET'} ${url} failed: ${r.detail} ${typeof r.body === 'string' ? r.body : JSON.stringify(r.body ?? '')}`.slice(0, 500));
    await sleep(backoff(attempt, r));
  }
}

const json = (body: unknown, token?: string, extra: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra },
  body: JSON.stringify(body),
});

export async function createSessions(opts: WorkloadOptions): Promise<Sessions> {
  const base = opts.edgeUrl;
  const app = await setupCall(`${base}/api/v1/apps`, json({ client_name: `drill-${opts.runId}`, redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes: 'read write follow push' }));
  const tok = await setupCall(`${base}/oauth/token`, json({ grant_type: 'client_credentials', client_id: app.client_id, client_secret: app.client_secret, scope: 'read write follow push' }));
  const make = async (role: string, i: number): Promise<Session> => {
    const username = `d${opts.runId}${role}${i}`.slice(0, 30);
    const created = await setupCall(`${base}/api/v1/accounts`, json({ username, email: `${username}@drill.invalid`, password: `pw-${randomUUID()}`, agreement: true, locale: 'en' }, tok.access_token));
    const me = await setupCall(`${base}/api/v1/accounts/verify_credentials`, { headers: { authorization: `Bearer ${created.access_token}` } });
    return { token: created.access_token, id: String(me.id), username };
  };
  const writers: Session[] = [];
  for (let i = 0; i < opts.writerAccounts; i++) writers.push(await make('w', i));
  const readers: Session[] = [];
  for (let i = 0; i < opts.readerAccounts; i++) readers.push(await make('r', i));
  const curators: Session[] = [];
  for (let i = 0; i < opts.curators; i++) curators.push(await make('c', i));
  for (const r of [...readers, ...curators]) for (const w of writers) await setupCall(`${base}/api/v1/accounts/${w.id}/follow`, json({}, r.token));
  const subscriber = { session: await make('p', 0), keys: subscriberKeys() };
  await setupCall(`${base}/api/v1/push/subscription`, json({
    subscription: subscriptionFor(opts.pushEndpoint, subscriber.keys), data: { alerts: { mention: true }, policy: 'all' },
  }, subscriber.session.token));
  return { writers, readers, curators, subscriber };
}

/** Titles of lists are at most 30 characters: the run id and a short random part. */
export const controlTitle = (runId: string, kind: 'filter' | 'list') => `${kind === 'list' ? 'l' : 'f'}${runId}-${randomUUID().slice(0, 13)}`;

/**
 * One request of a control operation, retried with its Idempotency-Key until it is answered with a
 * 2xx or the operation's deadline passes; returns the body, or undefined when the client gave up.
 */
async function keyedCall(rec: Recorder, op: ControlOp, opts: WorkloadOptions, url: string, body: unknown, token: string): Promise<any> {
  const init = json(body, token, { 'idempotency-key': randomUUID() });
  for (let attempt = 0; ; attempt++) {
    const left = op.start + opts.writeDeadlineMs - Date.now();
    const r = await request(rec, 'write', url, init, Math.max(1000, Math.min(45_000, left)));
    op.attempts++;
    if (r.outcome === 'ok' && r.body && typeof r.body === 'object') return r.body;
    op.lastError = r.detail ?? 'no answer body';
    if (!retryable(r) || Date.now() + 200 > op.start + opts.writeDeadlineMs) return undefined;
    await sleep(backoff(attempt, r));
  }
}

/** A filter with one keyword, or a list with one member: acknowledged when every request of it was. */
async function control(rec: Recorder, opts: WorkloadOptions, session: Session, account: number, kind: 'filter' | 'list', member: Session): Promise<void> {
  const title = controlTitle(opts.runId, kind);
  const op: ControlOp = { kind, title, detail: kind === 'filter' ? `k${randomUUID().slice(0, 8)}` : member.id, account, start: Date.now(), end: 0, result: 'failed', attempts: 0 };
  rec.controls.push(op);
  if (kind === 'filter') {
    const filter = await keyedCall(rec, op, opts, `${opts.edgeUrl}/api/v2/filters`, { title, context: ['home'], keywords_attributes: [{ keyword: op.detail }] }, session.token);
    if (filter?.id) op.result = 'acked';
  } else {
    const list = await keyedCall(rec, op, opts, `${opts.edgeUrl}/api/v1/lists`, { title }, session.token);
    const added = list?.id && await keyedCall(rec, op, opts, `${opts.edgeUrl}/api/v1/lists/${list.id}/accounts`, { account_ids: [member.id] }, session.token);
    if (added) op.result = 'acked';
  }
  op.end = Date.now();
}

/** The text of a post mentioning the push subscriber. */
export const mentionText = (runId: string, username: string, key: string) => `@${username} ${drillText(runId, key)}`;

export function drillText(runId: string, key: string): string {
  return `drill ${runId} ${key}`;
}

/**
 * A picture for a post: uploaded with its own Idempotency-Key (retried like a post), then polled
 * until processed. Returns the media id, or undefined when the deadline passed first.
 */
async function uploadPicture(rec: Recorder, opts: WorkloadOptions, session: Session, op: WriteOp, deadline: number): Promise<string | undefined> {
  const uploadKey = randomUUID();
  op.media = { uploadKey };
  const bytes = await noisyJpeg(48, 32);
  const auth = { authorization: `Bearer ${session.token}` };
  let mediaId: string | undefined;
  for (let attempt = 0; !mediaId; attempt++) {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(bytes)], { type: 'image/jpeg' }), 'drill.jpg');
    const r = await request(rec, 'write', `${opts.edgeUrl}/api/v2/media`, { method: 'POST', headers: { ...auth, 'idempotency-key': uploadKey }, body: form }, Math.max(1000, Math.min(45_000, deadline - Date.now())));
    op.attempts++;
    if (r.outcome === 'ok' && typeof r.body?.id === 'string') {
      mediaId = r.body.id;
      rec.uploads.push({ key: uploadKey, mediaId: r.body.id, ackAt: Date.now() });
      break;
    }
    op.lastError = `upload: ${r.detail ?? 'no media id'}`;
    if (!retryable(r) || Date.now() + 200 > deadline) return undefined;
    await sleep(backoff(attempt, r));
  }
  op.media.mediaId = mediaId;
  for (let attempt = 0; ; attempt++) {
    const r = await request(rec, 'read', `${opts.edgeUrl}/api/v1/media/${mediaId}`, { headers: auth }, Math.max(1000, Math.min(20_000, deadline - Date.now())));
    if (r.status === 200) return mediaId;
    op.lastError = `processing: ${r.detail ?? `HTTP ${r.status}`}`;
    if ((r.status !== 206 && !retryable(r)) || Date.now() + 200 > deadline) return undefined;
    await sleep(r.status === 206 ? 100 : backoff(attempt, r));
  }
}

/**
 * One logical write: the same Idempotency-Key on every attempt until acknowledged or the deadline.
 * `body(text)` is what is posted to `path`; the answer's id is recorded (a status's, a report's).
 */
async function keyedWrite(rec: Recorder, opts: WorkloadOptions, list: WriteOp[], session: Session, account: number, path: string,
  text: (key: string) => string, body: (text: string) => object, withPicture = false): Promise<void> {
  const key = randomUUID();
  const op: WriteOp = { key, text: text(key), account, start: Date.now(), end: 0, result: 'failed', attempts: 0 };
  list.push(op);
  const mediaId = withPicture ? await uploadPicture(rec, opts, session, op, op.start + opts.writeDeadlineMs) : undefined;
  if (withPicture && !mediaId) { op.end = Date.now(); return; }
  const init = json({ ...body(op.text), ...(mediaId ? { media_ids: [mediaId] } : {}) }, session.token, { 'idempotency-key': key });
  for (let attempt = 0; ; attempt++) {
    const left = op.start + opts.writeDeadlineMs - Date.now();
    const r = await request(rec, 'write', `${opts.edgeUrl}${path}`, init, Math.max(1000, Math.min(45_000, left)));
    op.attempts++;
    if (r.outcome === 'ok' && r.body && typeof r.body.id === 'string') {
      op.result = 'acked';
      op.statusId = r.body.id;
      if (op.media) op.media.url = r.body.media_attachments?.[0]?.url ?? undefined;
      break;
    }
    op.lastError = r.detail ?? 'no status id in the answer';
    if (!retryable(r) || Date.now() + 200 > op.start + opts.writeDeadlineMs) break;
    await sleep(backoff(attempt, r));
  }
  op.end = Date.now();
}

async function read(rec: Recorder, opts: WorkloadOptions, session: Session, maxId: string | undefined): Promise<string | undefined> {
  const op: ReadOp = { start: Date.now(), end: 0, ok: false, attempts: 0 };
  rec.reads.push(op);
  const url = `${opts.edgeUrl}/api/v1/timelines/home?limit=20${maxId ? `&max_id=${maxId}` : ''}`;
  let next: string | undefined;
  for (let attempt = 0; ; attempt++) {
    const left = op.start + opts.readDeadlineMs - Date.now();
    const r = await request(rec, 'read', url, { headers: { authorization: `Bearer ${session.token}` } }, Math.max(1000, Math.min(20_000, left)));
    op.attempts++;
    if (r.outcome === 'ok' && Array.isArray(r.body)) {
      op.ok = true;
      const last = r.body[r.body.length - 1] as { id?: string } | undefined;
      next = r.body.length === 20 ? last?.id : undefined;
      break;
    }
    op.lastError = r.detail ?? 'not a list';
    if (!retryable(r) || Date.now() + 200 > op.start + opts.readDeadlineMs) break;
    await sleep(backoff(attempt, r));
  }
  op.end = Date.now();
  return next;
}

export interface RunningWorkload { stop(): Promise<void> }

export function startWorkload(rec: Recorder, opts: WorkloadOptions, sessions: Sessions): RunningWorkload {
  let stopping = false;
  const loops: Promise<void>[] = [];
  /** `clients` loops, each doing `op` (with its client number and a count from 1) then pausing about `pauseMs`. */
  const repeat = (clients: number, pauseMs: number, op: (i: number, n: number) => Promise<void>) => {
    for (let i = 0; i < clients; i++) {
      loops.push((async () => {
        await sleep(Math.random() * pauseMs);
        for (let n = 1; !stopping; n++) {
          await op(i, n);
          await sleep(pauseMs * (0.5 + Math.random()));
        }
      })());
    }
  };
  const writer = (i: number) => i % sessions.writers.length;
  const post = (i: number, withPicture: boolean) => keyedWrite(rec, opts, rec.writes, sessions.writers[writer(i)]!, writer(i), '/api/v1/statuses',
    (key) => drillText(opts.runId, key), (status) => ({ status, visibility: 'public' }), withPicture);
  // Plain posts and picture posts in loops of their own: a picture post waits for its processing (tens
  // of seconds under the drill's load), and writers that took turns at pictures were nearly all waiting
  // on one when the fault came, so the write stall measured almost no plain post.
  repeat(opts.writers, opts.writerPauseMs, (i) => post(i, false));
  repeat(opts.pictureWriters, opts.writerPauseMs, (i) => post(i, true));
  // Curators alternate a filter and a list whose member is a writer.
  repeat(sessions.curators.length, opts.curatorPauseMs, (i, n) => control(rec, opts, sessions.curators[i]!, i, n % 2 === 1 ? 'filter' : 'list', sessions.writers[n % sessions.writers.length]!));
  // Readers report writers; writers mention the push subscriber.
  repeat(opts.reporters, opts.reporterPauseMs, (i) => keyedWrite(rec, opts, rec.reports, sessions.readers[i % sessions.readers.length]!, i, '/api/v1/reports',
    (key) => drillText(opts.runId, key), (comment) => ({ account_id: sessions.writers[i % sessions.writers.length]!.id, comment, category: 'spam' })));
  repeat(opts.notifiers, opts.notifierPauseMs, (i) => keyedWrite(rec, opts, rec.mentions, sessions.writers[writer(i)]!, writer(i), '/api/v1/statuses',
    (key) => mentionText(opts.runId, sessions.subscriber.session.username, key), (status) => ({ status, visibility: 'public' })));
  for (let i = 0; i < opts.readers; i++) {
    const session = sessions.readers[i % sessions.readers.length]!;
    loops.push((async () => {
      await sleep(Math.random() * opts.readerPauseMs);
      let page = 0;
      let maxId: string | undefined;
      while (!stopping) {
        maxId = await read(rec, opts, session, maxId);
        if (!maxId || ++page >= 3) { maxId = undefined; page = 0; }
        await sleep(opts.readerPauseMs * (0.5 + Math.random()));
      }
    })());
  }
  return {
    async stop() {
      stopping = true;
      await Promise.all(loops);
    },
  };
}
