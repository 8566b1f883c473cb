// The page: a small client-side router (router.ts) over views (views/) built from our own Mastodon
// API, with live updates from the streaming API. Signed-out visitors get the public timeline and the
// sign-in forms. This module loads who is signed in and the server's limits, then renders.
import { busy, get, hasSession } from './api.js';
import { renderAside } from './aside.js';
import { renderNav } from './frame.js';
import { listenForShortcuts } from './keyboard.js';
import { followLinksInPage } from './navigation.js';
import { render, renderOnNavigation } from './router.js';
import { state } from './state.js';
import { openStatusesOnActivate } from './status-actions.js';
import { subscribe } from './stream.js';
import { toast } from './toast.js';
import type { Account } from './types.js';

busy.addEventListener('change', (e) => {
  document.body.classList.toggle('waiting', (e as CustomEvent<boolean>).detail);
  if ((e as CustomEvent<boolean>).detail) toast('Reconnecting to the server…');
});
followLinksInPage();
renderOnNavigation();
openStatusesOnActivate();
listenForShortcuts();

async function start(): Promise<void> {
  const [account, instance, unread] = await Promise.all([
    hasSession() ? get<Account>('/api/v1/accounts/verify_credentials').catch(() => null) : Promise.resolve(null),
    get<{ configuration?: { statuses?: { max_characters?: number } } }>('/api/v2/instance').catch(() => null),
    hasSession() ? get<{ count: number }>('/api/v1/notifications/unread_count').catch(() => null) : Promise.resolve(null),
  ]);
  state.me = account;
  state.maxChars = instance?.configuration?.statuses?.max_characters ?? state.maxChars;
  state.unreadNotifications = unread?.count ?? 0;
  if (state.me) {
    // Count notifications that arrive while another page is open.
    subscribe('user:notification', undefined, (e) => {
      if (e.event === 'notification' && location.pathname !== '/notifications') { state.unreadNotifications++; renderNav(); }
    });
  }
  await render();
  void renderAside();
}

void start();
