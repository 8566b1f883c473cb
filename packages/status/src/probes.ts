// Probes of one watched server: is it ready (/readyz), does a real read work (a timeline),
// and optionally can a probe account post (and delete) a direct message. Each probe has a hard
// timeout: a burned data center answers with silence, not with connection resets.
import { randomUUID } from 'node:crypto';
import type { Target } from './config.js';

export type ProbeKind = 'readyz' | 'read' | 'post';

export interface ProbeResult {
  target: string;
  kind: ProbeKind;
  ok: boolean;
  latencyMs: number;
  /** Short reason when not ok: "HTTP 503", "timeout after 1500 ms", "ECONNREFUSED"... */
  error: string | null;
  at: number;
}

const MAX_BODY_BYTES = 64 * 1024;

/** Reads at most MAX_BODY_BYTES of a response body; a huge answer is a failure, not a memory problem. */
async function readLimited(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      throw new Error(`body over ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function describe(err: unknown, timeoutMs: number): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return `timeout after ${timeoutMs} ms`;
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return (cause?.code ?? cause?.message ?? err.message).slice(0, 200);
  }
  return String(err).slice(0, 200);
}

/** "HTTP 503: The server is busy…": the server's own error text tells operators which layer refused. */
function httpError(status: number, body: string): Error {
  let message = '';
  try { message = String((JSON.parse(body) as { error?: unknown }).error ?? ''); } catch { /* not JSON: the edge's page */ }
  return new Error(`HTTP ${status}${message ? `: ${message.slice(0, 80)}` : ''}`);
}

export interface ProbeOptions {
  timeoutMs: number;
  now: () => number;
  probeToken?: string | undefined;
}

async function timed(target: Target, kind: ProbeKind, opts: ProbeOptions, run: (signal: AbortSignal) => Promise<void>): Promise<ProbeResult> {
  const at = opts.now();
  const started = performance.now();
  let error: string | null = null;
  try {
    await run(AbortSignal.timeout(opts.timeoutMs));
  } catch (err) {
    error = describe(err, opts.timeoutMs);
  }
  return { target: target.name, kind, ok: error === null, latencyMs: performance.now() - started, error, at };
}

export function probeReady(target: Target, opts: ProbeOptions): Promise<ProbeResult> {
  return timed(target, 'readyz', opts, async (signal) => {
    const res = await fetch(`${target.url}/readyz`, { signal, headers: { 'user-agent': 'firebreak-status' } });
    const body = await readLimited(res);
    if (res.status !== 200) throw httpError(res.status, body);
  });
}

/**
 * With a probe account, the read is its home timeline, as a signed-in user reads; without one, the
 * public timeline, as an anonymous visitor does (and anonymous traffic is the first to be shed when
 * the service is busy, so such a probe reports load as well as outages).
 */
export function probeRead(target: Target, opts: ProbeOptions): Promise<ProbeResult> {
  return timed(target, 'read', opts, async (signal) => {
    const [path, auth] = opts.probeToken ? ['home', { authorization: `Bearer ${opts.probeToken}` }] : ['public', {}];
    const res = await fetch(`${target.url}/api/v1/timelines/${path}?limit=1`, { signal, headers: { accept: 'application/json', 'user-agent': 'firebreak-status', ...auth } });
    const body = await readLimited(res);
    if (res.status !== 200) throw httpError(res.status, body);
    if (!Array.isArray(JSON.parse(body))) throw new Error('timeline is not a JSON array');
  });
}

/** Posts a direct message as the probe account and deletes it; the Idempotency-Key makes a retry safe. */
export function probePost(target: Target, opts: ProbeOptions): Promise<ProbeResult> {
  return timed(target, 'post', opts, async (signal) => {
    const auth = { authorization: `Bearer ${opts.probeToken}`, 'user-agent': 'firebreak-status' };
    const res = await fetch(`${target.url}/api/v1/statuses`, {
      method: 'POST',
      signal,
      headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({ status: `status probe ${new Date(opts.now()).toISOString()}`, visibility: 'direct' }),
    });
    const body = await readLimited(res);
    if (res.status !== 200) throw httpError(res.status, body);
    const id = (JSON.parse(body) as { id?: unknown }).id;
    if (typeof id !== 'string') throw new Error('no status id in the answer');
    const del = await fetch(`${target.url}/api/v1/statuses/${encodeURIComponent(id)}`, { method: 'DELETE', signal, headers: auth });
    await readLimited(del);
    if (del.status !== 200) throw new Error(`delete: HTTP ${del.status}`);
  });
}
