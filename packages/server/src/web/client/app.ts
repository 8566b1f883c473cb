// The page: a small client-side router (router.ts) over views (views/) built from our own Mastodon
// API, with live updates from the streaming API, an outbox that delivers every write (outbox.ts),
// drafts (drafts.ts), a connection banner (connection.ts) and an offline shell (offline.ts).
// Signed-out visitors get the public timeline and the sign-in forms. This module loads who is
// signed in and the server's limits, then renders.
import { get, hasSession, prefetch, UnreachableError } from './api.js';
import { onRecovered } from './connection.js';
import { renderAside } from './aside.js';
import { listenForShortcuts } from './keyboard.js';
import { followLinksInPage } from './navigation.js';
import { drawEmojiWhereMissing } from './emoji.js';
import { registerServiceWorker } from './offline.js';
import { startOutbox } from './outbox.js';
import { showOutboxTray } from './outbox-tray.js';
import { walkPostsWithArrows } from './post-keys.js';
import { prefetchViews, render, renderOnNavigation } from './router.js';
import { heading, renderNav, setView } from './frame.js';
import { state } from './state.js';
import { openStatusesOnActivate, showStatusWrites } from './status-actions.js';
import { subscribe } from './stream.js';
import type { Account } from './types.js';
import { h, refreshRelativeTimes } from './ui.js';

drawEmojiWhereMissing();
followLinksInPage();
renderOnNavigation();
openStatusesOnActivate();
listenForShortcuts();
walkPostsWithArrows();
showStatusWrites();
setInterval(refreshRelativeTimes, 30_000);

async function start(): Promise<void> {
  const signedIn = hasSession();
  if (signedIn && location.pathname === '/') prefetch('/api/v1/timelines/home');
  let unreachable = false;
  const [account, instance, unread, preferences] = await Promise.all([
    signedIn ? get<Account>('/api/v1/accounts/verify_credentials').catch((err) => { unreachable = err instanceof UnreachableError; return null; }) : Promise.resolve(null),
    get<{ configuration?: { statuses?: { max_characters?: number } } }>('/api/v2/instance').catch(() => null),
    signedIn ? get<{ count: number }>('/api/v1/notifications/unread_count').catch(() => null) : Promise.resolve(null),
    signedIn ? get<Record<string, unknown>>('/api/v1/preferences').catch(() => null) : Promise.resolve(null),
  ]);
  if (unreachable) {
    // Signed in, but who is signed in cannot be known yet (and no saved copy): start over once the server answers.
    setView('Unreachable', heading("Can't reach Firebreak"), h('p', { class: 'lede', role: 'alert' }, 'The server is not answering. This page will load by itself when it is back.'));
    onRecovered(() => location.reload());
    registerServiceWorker();
    return;
  }
  state.me = account;
  state.maxChars = instance?.configuration?.statuses?.max_characters ?? state.maxChars;
  state.unreadNotifications = unread?.count ?? 0;
  const visibility = preferences?.['posting:default:visibility'];
  if (typeof visibility === 'string') state.defaultVisibility = visibility;
  // Writes left from before a reload or an outage: shown, and sent, before anything else.
  await startOutbox();
  showOutboxTray();
  if (state.me) {
    // Count notifications that arrive while another page is open.
    subscribe('user:notification', undefined, (e) => {
      if (e.event === 'notification' && location.pathname !== '/notifications') { state.unreadNotifications++; renderNav(); }
    });
  }
  await render();
  void renderAside();
  registerServiceWorker();
  prefetchViews();
}

void start();
