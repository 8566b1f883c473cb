// Which view each path shows. The server sends the same page for every one of these paths
// (PAGE_PATHS in src/web/routes.ts, and the same page with a 404 for any other); the path is read here.
import { HttpError, UnreachableError } from './api.js';
import { onRecovered, retryNow } from './connection.js';
import { heading, setView } from './frame.js';
import { navigate } from './navigation.js';
import { expectPlace, rememberPlace, restorePlace } from './place.js';
import { isViewIncomplete, leaveView, markViewIncomplete, state } from './state.js';
import { h } from './ui.js';
import { authView } from './views/auth.js';
import { bookmarksView } from './views/bookmarks.js';
import { conversationsView } from './views/conversations.js';
import { exploreView } from './views/explore.js';
import { followRequestsView } from './views/follow-requests.js';
import { homeView, welcomeView } from './views/home.js';
import { notificationsView } from './views/notifications.js';
import { profileView } from './views/profile.js';
import { searchView } from './views/search.js';
import { settingsView } from './views/settings.js';
import { statusAccountsView } from './views/status-accounts.js';
import { tagView } from './views/tag.js';
import { threadView } from './views/thread.js';

/** Links, navigate() and the Back button all end in a popstate (navigation.ts); Back brings its place. */
export function renderOnNavigation(): void {
  window.addEventListener('popstate', (e) => {
    expectPlace((e.state as { place?: { scrollY: number; focusId: string | null } } | null)?.place);
    void render();
  });
  // After an outage, the view on screen loads again, where the person was.
  onRecovered(() => {
    if (!isViewIncomplete()) return;
    rememberPlace();
    expectPlace((history.state as { place?: { scrollY: number; focusId: string | null } } | null)?.place);
    void render();
  });
}

/** Shows the view for the path in the address bar, after stopping what the previous view started. */
export async function render(): Promise<void> {
  leaveView();
  const path = decodeURIComponent(location.pathname);
  const needsAccount = ['/', '/notifications', '/conversations', '/follow_requests', '/settings', '/bookmarks'].includes(path);
  if (needsAccount && !state.me) { if (path === '/') welcomeView(); else navigate('/sign_in', true); return; }
  try {
    let m: RegExpExecArray | null;
    if (path === '/') homeView();
    else if (path === '/public/local' || path === '/public') exploreView(path === '/public/local');
    else if (path === '/notifications') notificationsView();
    else if (path === '/conversations') conversationsView();
    else if (path === '/follow_requests') followRequestsView();
    else if (path === '/search') await searchView();
    else if (path === '/settings') settingsView();
    else if (path === '/bookmarks') bookmarksView();
    else if (path === '/sign_in' || path === '/sign_up') { if (state.me) navigate('/', true); else authView(path.slice(1) as 'sign_in' | 'sign_up'); }
    else if ((m = /^\/tags\/([^/]+)$/.exec(path))) tagView(m[1]!);
    else if ((m = /^\/@([\w.@-]+)\/(\d+)$/.exec(path))) await threadView(m[2]!);
    else if ((m = /^\/@([\w.@-]+)\/(\d+)\/(favourites|reblogs)$/.exec(path))) statusAccountsView(m[2]!, m[3] as 'favourites' | 'reblogs');
    else if ((m = /^\/@([\w.@-]+)(?:\/(with_replies|likes|followers|following))?$/.exec(path))) await profileView(m[1]!, m[2] ?? '');
    else setView('Page not found', heading('Page not found'), h('p', { class: 'lede' }, 'There is nothing at this address. ', h('a', { href: '/' }, 'Go home')));
    restorePlace();
  } catch (err) {
    if (err instanceof UnreachableError) {
      markViewIncomplete();
      setView('Unreachable', heading("Can't reach Firebreak"),
        h('p', { class: 'lede', role: 'alert' }, 'The server is not answering. This page will load by itself when it is back.'),
        h('p', { class: 'cta' }, h('button', { type: 'button', class: 'primary', onclick: retryNow }, 'Retry now')));
      return;
    }
    const message = err instanceof HttpError && err.status === 404 ? 'This page does not exist or is not visible to you.' : (err as Error).message;
    setView('Error', heading('Something went wrong'), h('p', { class: 'lede', role: 'alert' }, message));
  }
}
