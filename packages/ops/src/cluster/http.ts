// Small HTTP calls the cluster manager and the drills make to the processes they run: a GET that
// never throws (status 0 when nothing answered), and a POST retried while the service comes up.
import { sleep } from './proc.js';

export async function getJson<T>(url: string, timeoutMs = 1000): Promise<{ status: number; body: T | undefined }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    let body: T | undefined;
    try { body = JSON.parse(text) as T; } catch { body = undefined; }
    return { status: res.status, body };
  } catch {
    return { status: 0, body: undefined };
  }
}

/** POSTs JSON, retrying 5xx, 429 and network errors for up to a minute; other 4xx throw at once. */
export async function postJson<T>(url: string, body: unknown, token?: string): Promise<T> {
  const until = Date.now() + 60_000;
  for (;;) {
    let detail: string;
    try {
      const res = await fetch(url, {
        method: 'POST', signal: AbortSignal.timeout(10_000), body: JSON.stringify(body),
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      });
      if (res.ok) return (await res.json()) as T;
      detail = `HTTP ${res.status} ${await res.text()}`;
      if (res.status < 500 && res.status !== 429) throw new Error(`POST ${url}: ${detail}`);
    } catch (err) {
      if ((err as Error).message.startsWith('POST ')) throw err;
      detail = (err as Error).message;
    }
    if (Date.now() > until) throw new Error(`POST ${url}: ${detail}`);
    await sleep(1000);
  }
}
