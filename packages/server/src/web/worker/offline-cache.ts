// An offline shell: every page, module and stylesheet is fetched from the network first and kept;
// when the server cannot be reached the kept copy answers instead, so a reload during an outage
// still opens the app. A few reads the app needs to start (who is signed in, the server's limits,
// the first page of the home timeline) are kept the same way, and a kept copy says so in the
// X-Firebreak-Offline header (when it was saved), which the page shows. Writes never come here
// (the page's outbox keeps them), nor does anything else.

declare const self: ServiceWorkerGlobalScope;

const CACHE = 'firebreak-offline-v1';
const SHELL = '/__shell';
const SAVED_AT = 'x-firebreak-saved-at';
const OFFLINE_HEADER = 'x-firebreak-offline';

/** Reads kept for the offline shell; other reads fail as usual while the server is down. */
const SAVED_READS = new Set(['/api/v1/accounts/verify_credentials', '/api/v2/instance', '/api/v1/preferences', '/api/v1/timelines/home', '/api/v1/notifications/unread_count']);

/** The app's own files: its modules (/web/client/, /shared/), style, fonts and icon. */
const isAsset = (path: string) => path.startsWith('/web/') || path.startsWith('/shared/') || path === '/favicon.svg';

export async function startOfflineCache(): Promise<void> {
  for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
}

export async function clearSavedReads(): Promise<void> {
  const cache = await caches.open(CACHE);
  for (const request of await cache.keys()) if (new URL(request.url).pathname.startsWith('/api/')) await cache.delete(request);
}

export function serveOffline(event: FetchEvent): void {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  // Any page is the same shell (a 404 page too); a navigation to something else (JSON in a tab) is not kept.
  if (request.mode === 'navigate') event.respondWith(networkFirst(request, SHELL, (r) => (r.ok || r.status === 404) && (r.headers.get('content-type') ?? '').startsWith('text/html')));
  else if (isAsset(url.pathname)) event.respondWith(networkFirst(request, url.pathname, (r) => r.ok));
  else if (SAVED_READS.has(url.pathname) && !url.search) event.respondWith(networkFirst(request, url.pathname, (r) => r.ok, true));
}

async function networkFirst(request: Request, key: string, keep: (r: Response) => boolean, marked = false): Promise<Response> {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (keep(response)) {
      const copy = response.clone();
      const headers = new Headers(copy.headers);
      headers.set(SAVED_AT, new Date().toISOString());
      // A page that is not found is still the app's shell: keep it under the shell's key as 200.
      await cache.put(key, new Response(await copy.blob(), { status: 200, statusText: 'OK', headers }));
    } else if (response.status === 401 && marked) {
      await clearSavedReads(); // signed out elsewhere: nothing of theirs stays
    }
    return response;
  } catch (err) {
    const kept = await cache.match(key);
    if (!kept) throw err;
    if (!marked) return kept;
    const headers = new Headers(kept.headers);
    headers.set(OFFLINE_HEADER, kept.headers.get(SAVED_AT) ?? '');
    return new Response(kept.body, { status: 200, headers });
  }
}
