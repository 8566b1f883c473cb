// The service worker's Web Push handling (service-worker.ts calls installPushHandlers(self)). Payloads
// are Mastodon's (domain/push.ts): title, body, icon, notification_id, notification_type. A
// notification is tagged with its id, so a push delivered twice (the server delivers at least once)
// shows once.

/** What a service worker's global scope offers this module (the DOM library has no worker types). */
export interface PushWorkerScope {
  registration: { showNotification(title: string, options: Record<string, unknown>): Promise<void> };
  clients: {
    matchAll(options: { type: 'window'; includeUncontrolled: boolean }): Promise<Array<{ url: string; focus(): Promise<unknown>; navigate?(url: string): Promise<unknown> }>>;
    openWindow(url: string): Promise<unknown>;
  };
  addEventListener(type: 'push', listener: (event: { data: { text(): string } | null; waitUntil(p: Promise<unknown>): void }) => void): void;
  addEventListener(type: 'notificationclick', listener: (event: { notification: { close(): void; data?: { url?: string } }; waitUntil(p: Promise<unknown>): void }) => void): void;
}

export interface PushPayload { title?: string; body?: string; icon?: string; notification_id?: number | string; notification_type?: string }

/** What a push shows: Mastodon's title and body, tagged with the notification's id. */
export function notificationFor(payload: PushPayload): { title: string; options: Record<string, unknown> } {
  const id = payload.notification_id === undefined ? undefined : String(payload.notification_id);
  return {
    title: payload.title || 'Firebreak',
    options: { body: payload.body ?? '', icon: payload.icon, tag: id ? `firebreak-${id}` : undefined, data: { url: '/notifications', id, type: payload.notification_type } },
  };
}

export function installPushHandlers(scope: PushWorkerScope): void {
  scope.addEventListener('push', (event) => {
    let payload: PushPayload = {};
    const text = event.data?.text() ?? '';
    try { payload = JSON.parse(text) as PushPayload; } catch { /* not JSON: show a plain notification */ }
    // The id is a 64-bit number: read as written, not through a JavaScript number (which would round it).
    const exactId = /"notification_id"\s*:\s*(\d+)/.exec(text)?.[1];
    if (exactId) payload.notification_id = exactId;
    const { title, options } = notificationFor(payload);
    event.waitUntil(scope.registration.showNotification(title, options));
  });
  scope.addEventListener('notificationclick', (event) => {
    event.notification.close();
    const url = event.notification.data?.url ?? '/notifications';
    event.waitUntil((async () => {
      const windows = await scope.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const open = windows[0];
      if (open) { await open.navigate?.(url); await open.focus(); } else await scope.clients.openWindow(url);
    })());
  });
}
