// Talking to our own API from the page. The session is an HttpOnly cookie the browser sends by
// itself; each call adds the CSRF token from the readable cookie (see src/api/auth.ts).
// Reads retry briefly through a failover, then fail so the page can say so; the connection
// banner (connection.ts) takes over from there. Writes to posts, likes and follows go through the
// durable outbox (outbox.ts); the few others (settings, sign-in) carry an Idempotency-Key and are
// retried with it on network errors and 502/503/504 for a while.
import { reportReachable, reportSavedCopy, reportUnreachable } from './connection.js';

export class HttpError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

/** No answer from the server (or a 502/503/504 after retrying). */
export class UnreachableError extends HttpError {
  constructor(status = 0) { super(status, "Can't reach the server right now."); }
}

export interface Page<T> { items: T[]; nextMaxId: string | null; savedAt: string | null }

export const RETRYABLE = new Set([502, 503, 504]);
const READ_BUDGET_MS = 4_000;
const WRITE_BUDGET_MS = 45_000;

export function csrfToken(): string {
  const match = /(?:^|;\s*)fb_csrf=([^;]*)/.exec(document.cookie);
  return match ? decodeURIComponent(match[1]!) : '';
}

export const hasSession = () => csrfToken() !== '';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One HTTP request, no retrying; reports whether the server answered. Undefined: no answer. */
export async function send(method: string, url: string, body: unknown, key: string | null): Promise<Response | undefined> {
  const headers: Record<string, string> = { 'x-csrf-token': csrfToken(), accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (key) headers['idempotency-key'] = key;
  let response: Response | undefined;
  try {
    response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  } catch {
    response = undefined; // network error: a write may or may not have landed; its key makes retrying safe
  }
  const saved = response?.headers.get('x-firebreak-offline');
  if (saved !== null && saved !== undefined) reportSavedCopy(saved);
  else if (!response || RETRYABLE.has(response.status)) reportUnreachable();
  else reportReachable();
  return response;
}

/** The server's `{"error": ...}` as an HttpError. */
export async function errorOf(response: Response): Promise<HttpError> {
  const data = await response.json().catch(() => null) as { error?: string } | null;
  return new HttpError(response.status, data?.error ?? `Request failed (${response.status})`);
}

/** One request, retried through failovers within a budget; the same Idempotency-Key on every try. */
export async function request<T>(method: string, url: string, body?: unknown): Promise<{ data: T; response: Response }> {
  const key = method === 'GET' ? null : crypto.randomUUID();
  const deadline = Date.now() + (method === 'GET' ? READ_BUDGET_MS : WRITE_BUDGET_MS);
  for (let attempt = 0; ; attempt++) {
    const response = await send(method, url, body, key);
    if (response && !RETRYABLE.has(response.status)) {
      if (!response.ok) throw await errorOf(response);
      const data = response.status === 204 ? null : await response.json().catch(() => null);
      return { data: data as T, response };
    }
    const retryAfter = Number(response?.headers.get('retry-after')) * 1000 || 0;
    const pause = Math.max(retryAfter, Math.min(8000, 400 * 2 ** attempt)) * (0.75 + Math.random() * 0.5);
    if (Date.now() + pause > deadline) throw new UnreachableError(response?.status);
    await sleep(pause);
  }
}

export async function get<T>(url: string): Promise<T> {
  return (await request<T>('GET', url)).data;
}

export async function post<T>(url: string, body: unknown = {}): Promise<T> {
  return (await request<T>('POST', url, body)).data;
}

const early = new Map<string, Promise<{ data: unknown; response: Response }>>();

/**
 * Starts a read the first view will make before the page knows it will (the home timeline, while
 * who is signed in still loads): one round trip fewer before the first post shows. Used once.
 */
export function prefetch(url: string): void {
  const pending = request<unknown>('GET', url);
  pending.catch(() => {}); // whoever takes it sees the error
  early.set(url, pending);
}

/** A list endpoint with Mastodon's Link header; nextMaxId continues to older items. */
export async function page<T>(url: string): Promise<Page<T>> {
  const prefetched = early.get(url) as Promise<{ data: T[]; response: Response }> | undefined;
  early.delete(url);
  const { data, response } = await (prefetched ?? request<T[]>('GET', url));
  const link = response.headers.get('link') ?? '';
  const next = /<[^>]*[?&]max_id=(\d+)[^>]*>;\s*rel="next"/.exec(link);
  return { items: data, nextMaxId: next ? next[1]! : null, savedAt: response.headers.get('x-firebreak-offline') };
}

export function withQuery(path: string, query: Record<string, string | number | boolean | null | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== null && v !== undefined && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}${path.includes('?') ? '&' : '?'}${qs}` : path;
}
