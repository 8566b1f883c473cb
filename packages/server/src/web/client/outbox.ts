// The durable outbox: every write a person makes to posts, likes, reposts, bookmarks and follows is
// stored in IndexedDB with its Idempotency-Key before it is sent, and sent (with that same key) until
// the server acknowledges it: across failovers, outages, reloads and closed tabs (it goes out the
// next time a Firebreak page opens). Nothing is dropped without the person saying so (Discard), and
// nothing lands twice: the server answers a repeated key with the first result (README, "Writes are
// safe to retry"), and likes, reposts, bookmarks, follows and edits are idempotent by nature.
// One tab sends at a time (a Web Lock); the others hear of every change (a BroadcastChannel).
import { errorOf, RETRYABLE, send } from './api.js';
import { onRecovered, onRetryRequested } from './connection.js';
import { idbAll, idbDelete, idbPut } from './idb.js';
import { state } from './state.js';

export type WriteKind = 'post' | 'edit' | 'delete' | 'favourite' | 'unfavourite' | 'reblog' | 'unreblog' | 'bookmark' | 'unbookmark'
  | 'follow' | 'unfollow' | 'mute' | 'unmute' | 'block' | 'unblock';

export interface OutboxEntry {
  key: string;
  /** Whose session queued it: it is never sent in anyone else's. */
  account: string;
  kind: WriteKind;
  method: 'POST' | 'PUT' | 'DELETE';
  url: string;
  body?: Record<string, unknown>;
  /** The status or account the write is about. */
  target: string;
  /** What the person did, in words the outbox shows: 'Post “Hello…”', 'Like a post by Bob'. */
  label: string;
  createdAt: number;
  attempts: number;
  nextAttemptAt: number;
  state: 'waiting' | 'sending' | 'failed';
  error: string | null;
}

export type OutboxEvent =
  | { type: 'changed' }
  | { type: 'sent'; entry: OutboxEntry; result: unknown }
  | { type: 'discarded'; entry: OutboxEntry };

const OPPOSITE: Partial<Record<WriteKind, WriteKind>> = {
  favourite: 'unfavourite', unfavourite: 'favourite', reblog: 'unreblog', unreblog: 'reblog', bookmark: 'unbookmark', unbookmark: 'bookmark',
  follow: 'unfollow', unfollow: 'follow', mute: 'unmute', unmute: 'mute', block: 'unblock', unblock: 'block',
};

let entries: OutboxEntry[] = [];
const listeners = new Set<(e: OutboxEvent) => void>();
const channel = 'BroadcastChannel' in window ? new BroadcastChannel('firebreak-outbox') : null;
let flushTimer: ReturnType<typeof setTimeout> | undefined;
let flushing = false;
let flushAgain = false;

function emit(e: OutboxEvent): void {
  for (const l of [...listeners]) l(e);
}

function changed(): void {
  emit({ type: 'changed' });
  channel?.postMessage('changed');
}

export function onOutbox(listener: (e: OutboxEvent) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The signed-in person's writes not yet acknowledged, oldest first. */
export function pendingWrites(): OutboxEntry[] {
  return entries.filter((e) => e.account === state.me?.id);
}

async function reload(): Promise<void> {
  entries = (await idbAll<OutboxEntry>('outbox')).sort((a, b) => a.createdAt - b.createdAt);
}

/** Reads the outbox at start-up and starts sending what waits. */
export async function startOutbox(): Promise<void> {
  await reload().catch(() => { entries = []; });
  channel?.addEventListener('message', () => void reload().then(() => emit({ type: 'changed' })));
  onRecovered(() => void flush());
  onRetryRequested(() => void retryAll());
  void flush();
}

/**
 * Stores a write, then sends it. A like (or repost, bookmark, follow...) undone before it was sent
 * cancels out instead of sending both.
 */
export async function queueWrite(write: Pick<OutboxEntry, 'kind' | 'method' | 'url' | 'target' | 'label'> & { body?: Record<string, unknown> }): Promise<OutboxEntry> {
  if (!state.me) throw new Error('Sign in first');
  const opposite = OPPOSITE[write.kind];
  const undone = opposite && pendingWrites().find((e) => e.kind === opposite && e.target === write.target && e.state !== 'sending');
  if (undone) {
    await idbDelete('outbox', undone.key);
    entries = entries.filter((e) => e !== undone);
    changed();
    return undone;
  }
  const entry: OutboxEntry = {
    ...write, key: crypto.randomUUID(), account: state.me.id, createdAt: Date.now(), attempts: 0, nextAttemptAt: 0, state: 'waiting', error: null,
  };
  await idbPut('outbox', entry); // on disk before the first byte goes out
  entries.push(entry);
  changed();
  void flush();
  return entry;
}

export async function retryWrite(key: string): Promise<void> {
  const entry = entries.find((e) => e.key === key);
  if (!entry || entry.state === 'sending') return;
  Object.assign(entry, { state: 'waiting', nextAttemptAt: 0, error: null });
  await idbPut('outbox', entry);
  changed();
  void flush();
}

async function retryAll(): Promise<void> {
  for (const entry of pendingWrites()) if (entry.state === 'waiting') entry.nextAttemptAt = 0;
  void flush();
}

export async function discardWrite(key: string): Promise<void> {
  const entry = entries.find((e) => e.key === key);
  if (!entry || entry.state === 'sending') return;
  await idbDelete('outbox', key);
  entries = entries.filter((e) => e !== entry);
  emit({ type: 'discarded', entry });
  changed();
}

function backoff(attempts: number, retryAfterMs: number): number {
  return Math.max(retryAfterMs, Math.min(60_000, 500 * 2 ** Math.min(attempts, 10)) * (0.75 + Math.random() * 0.5));
}

/** Sends what is due, oldest first; stops at the first write the server could not take, so order holds. */
export async function flush(): Promise<void> {
  if (flushing) { flushAgain = true; return; }
  flushing = true;
  try {
    do {
      flushAgain = false;
      // Web Locks exist on secure origins only; elsewhere each tab sends on its own (keys still dedupe).
      if (navigator.locks) await navigator.locks.request('firebreak-outbox', sendDue); else await sendDue();
    } while (flushAgain);
  } finally {
    flushing = false;
    scheduleFlush();
  }
}

async function sendDue(): Promise<void> {
  await reload(); // another tab may have sent some
  for (const entry of pendingWrites()) {
    if (entry.state === 'failed') continue;
    if (entry.nextAttemptAt > Date.now()) break;
    entry.state = 'sending';
    entry.attempts++;
    changed();
    const response = await send(entry.method, entry.url, entry.body, entry.key);
    if (!response || RETRYABLE.has(response.status) || response.status === 429) {
      const retryAfter = Number(response?.headers.get('retry-after')) * 1000 || 0;
      Object.assign(entry, {
        state: 'waiting', nextAttemptAt: Date.now() + backoff(entry.attempts, retryAfter),
        error: !response ? "Can't reach the server" : response.status === 429 ? 'Too many requests: waiting' : `The server is busy (${response.status})`,
      });
      await idbPut('outbox', entry);
      changed();
      break;
    }
    if (response.ok || (response.status === 404 && entry.kind === 'delete')) {
      const result = response.status === 204 || !response.ok ? null : await response.json().catch(() => null);
      await idbDelete('outbox', entry.key);
      entries = entries.filter((e) => e !== entry);
      emit({ type: 'sent', entry, result });
      changed();
      continue;
    }
    const error = response.status === 401 ? 'You are signed out: sign in again, then retry' : (await errorOf(response)).message;
    Object.assign(entry, { state: 'failed', error });
    await idbPut('outbox', entry);
    changed();
  }
}

function scheduleFlush(): void {
  clearTimeout(flushTimer);
  const due = pendingWrites().filter((e) => e.state === 'waiting').map((e) => e.nextAttemptAt);
  if (due.length) flushTimer = setTimeout(() => void flush(), Math.max(0, Math.min(...due) - Date.now()));
}
