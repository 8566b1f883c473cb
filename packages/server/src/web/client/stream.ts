// One WebSocket to the streaming API for the whole page. Views subscribe to streams; the socket
// reconnects with backoff and re-subscribes, then tells listeners so they can fetch what they missed.
// While it is down the connection banner says live updates are paused (connection.ts).
import { csrfToken } from './api.js';
import { onRecovered, onRetryRequested, reportStream } from './connection.js';

export interface StreamEvent { stream: string[]; event: string; payload: string }
type Listener = (e: StreamEvent) => void;

const subscriptions = new Map<string, { stream: string; tag?: string; listeners: Set<Listener> }>();
const reconnectListeners = new Set<() => void>();
let socket: WebSocket | null = null;
let attempt = 0;
let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
/** A socket that stays down this long is reported (a quick reconnect is not worth a banner). */
const REPORT_AFTER_MS = 3000;
let reportTimer: ReturnType<typeof setTimeout> | undefined;

const keyOf = (stream: string, tag?: string) => (tag ? `${stream}:${tag.toLowerCase()}` : stream);

/** A (un)subscribe message; `tag` is the hashtag, or for the `list` stream the list's id. */
const message = (type: string, stream: string, tag?: string) => JSON.stringify(stream === 'list' ? { type, stream, list: tag } : { type, stream, tag });

function connect(): void {
  clearTimeout(reconnectTimer); // one socket at a time, however connect() was reached
  const url = new URL('/api/v1/streaming', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const token = csrfToken();
  if (token) url.searchParams.set('csrf_token', token);
  const ws = new WebSocket(url);
  socket = ws;
  ws.onopen = () => {
    const reconnected = attempt > 0;
    attempt = 0;
    clearTimeout(reportTimer);
    reportTimer = undefined;
    reportStream(true);
    for (const s of subscriptions.values()) ws.send(message('subscribe', s.stream, s.tag));
    if (reconnected) for (const l of reconnectListeners) l();
  };
  ws.onmessage = (message) => {
    const e = JSON.parse(String(message.data)) as StreamEvent;
    if (!e.stream) return;
    const sub = subscriptions.get(keyOf(e.stream[0]!, e.stream[1]));
    for (const l of sub?.listeners ?? []) l(e);
  };
  ws.onclose = () => {
    if (socket !== ws) return;
    socket = null;
    attempt++;
    reportTimer ??= setTimeout(() => reportStream(false), REPORT_AFTER_MS);
    reconnectTimer = setTimeout(connect, Math.min(30_000, 500 * 2 ** attempt) * (0.5 + Math.random()));
  };
}

/** Retry now (the banner's button), or the server is back: no need to wait out the backoff. */
function reconnectNow(): void {
  if (socket || subscriptions.size === 0) return;
  clearTimeout(reconnectTimer);
  connect();
}
onRetryRequested(reconnectNow);
onRecovered(reconnectNow);

/** Subscribes to a stream; returns the unsubscribe function. */
export function subscribe(stream: string, tag: string | undefined, listener: Listener): () => void {
  const key = keyOf(stream, tag);
  let sub = subscriptions.get(key);
  if (!sub) {
    sub = { stream, tag, listeners: new Set() };
    subscriptions.set(key, sub);
    if (socket?.readyState === WebSocket.OPEN) socket.send(message('subscribe', stream, tag));
  }
  sub.listeners.add(listener);
  if (!socket) connect();
  return () => {
    sub!.listeners.delete(listener);
    if (sub!.listeners.size === 0) {
      subscriptions.delete(key);
      if (socket?.readyState === WebSocket.OPEN) socket.send(message('unsubscribe', stream, tag));
    }
  };
}

export function onReconnect(listener: () => void): () => void {
  reconnectListeners.add(listener);
  return () => reconnectListeners.delete(listener);
}
