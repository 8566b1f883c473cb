// Talking to our own API from the page. The session is an HttpOnly cookie the browser sends by
// itself; each call adds the CSRF token from the readable cookie (see src/api/auth.ts).
// Every write carries an Idempotency-Key and is retried, with the same key, on network errors and
// 502/503/504: a data-center failover shows as a spinner, never as a lost or doubled post.

export class HttpError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

export interface Page<T> { items: T[]; nextMaxId: string | null }

const RETRYABLE = new Set([502, 503, 504]);
const RETRY_BUDGET_MS = 45_000;

/** Listeners for "a request is waiting for the server" (shown as a spinner). */
export const busy = new EventTarget();
let waiting = 0;
function setWaiting(delta: number) {
  waiting += delta;
  busy.dispatchEvent(new CustomEvent('change', { detail: waiting > 0 }));
}

export function csrfToken(): string {
  const match = /(?:^|;\s*)fb_csrf=([^;]*)/.exec(document.cookie);
  return match ? decodeURIComponent(match[1]!) : '';
}

export const hasSession = () => csrfToken() !== '';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function newKey(): string {
  return crypto.randomUUID();
}

async function send(method: string, url: string, body: unknown, key: string | null): Promise<Response> {
  const headers: Record<string, string> = { 'x-csrf-token': csrfToken(), accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (key) headers['idempotency-key'] = key;
  return fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
}

/** One request, retried through failovers within a budget; the same Idempotency-Key on every try. */
export async function request<T>(method: string, url: string, body?: unknown): Promise<{ data: T; response: Response }> {
  const key = method === 'GET' ? null : newKey();
  const deadline = Date.now() + RETRY_BUDGET_MS;
  let counted = false;
  try {
    for (let attempt = 0; ; attempt++) {
      let response: Response | undefined;
      try {
        response = await send(method, url, body, key);
      } catch {
        response = undefined; // network error: the server may or may not have the write; the key makes retrying safe
      }
      if (response && !RETRYABLE.has(response.status)) {
        const data = response.status === 204 ? null : await response.json().catch(() => null);
        if (!response.ok) throw new HttpError(response.status, (data as { error?: string } | null)?.error ?? `Request failed (${response.status})`);
        return { data: data as T, response };
      }
      const retryAfter = Number(response?.headers.get('retry-after')) * 1000 || 0;
      const pause = Math.max(retryAfter, Math.min(8000, 400 * 2 ** attempt)) * (0.75 + Math.random() * 0.5);
      if (Date.now() + pause > deadline) throw new HttpError(response?.status ?? 0, 'The server is unreachable. Try again in a moment.');
      if (!counted) { counted = true; setWaiting(1); }
      await sleep(pause);
    }
  } finally {
    if (counted) setWaiting(-1);
  }
}

export async function get<T>(url: string): Promise<T> {
  return (await request<T>('GET', url)).data;
}

export async function post<T>(url: string, body: unknown = {}): Promise<T> {
  return (await request<T>('POST', url, body)).data;
}

/** A list endpoint with Mastodon's Link header; nextMaxId continues to older items. */
export async function page<T>(url: string): Promise<Page<T>> {
  const { data, response } = await request<T[]>('GET', url);
  const link = response.headers.get('link') ?? '';
  const next = /<[^>]*[?&]max_id=(\d+)[^>]*>;\s*rel="next"/.exec(link);
  return { items: data, nextMaxId: next ? next[1]! : null };
}

export function withQuery(path: string, query: Record<string, string | number | boolean | null | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== null && v !== undefined && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}${path.includes('?') ? '&' : '?'}${qs}` : path;
}
