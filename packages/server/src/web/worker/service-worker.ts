// The page's service worker, one module per concern beside this entry: offline-cache.ts keeps the
// app and the last timeline for when the server cannot be reached; push.ts shows Web Push notifications. Served from /web/worker/ with
// Service-Worker-Allowed: / so that it controls every page (registered by the page: offline.ts).
import { clearSavedReads, serveOffline, startOfflineCache } from './offline-cache.js';
import { installPushHandlers, type PushWorkerScope } from './push.js';

declare const self: ServiceWorkerGlobalScope;

self.addEventListener('install', (event) => { event.waitUntil(self.skipWaiting()); });
self.addEventListener('activate', (event) => { event.waitUntil(startOfflineCache().then(() => self.clients.claim())); });
self.addEventListener('fetch', serveOffline);
self.addEventListener('message', (event) => {
  // Signing out: what was saved for the person leaving must not be shown to the next one.
  if ((event.data as { type?: string } | null)?.type === 'signed-out') event.waitUntil(clearSavedReads());
});
installPushHandlers(self as unknown as PushWorkerScope);
