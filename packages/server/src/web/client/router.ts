// Which view each path shows. The server sends the same page for every one of these paths
// (PAGE_PATHS in src/web/routes.ts); the path is read here.
import { HttpError } from './api.js';
import { heading, setView } from './frame.js';
import { navigate } from './navigation.js';
import { leaveView, state } from './state.js';
import { h } from './ui.js';
import { authView } from './views/auth.js';
import { bookmarksView } from './views/bookmarks.js';
import { exploreView } from './views/explore.js';
import { followRequestsView } from './views/follow-requests.js';
import { homeView, welcomeView } from './views/home.js';
import { isStaff } from './permissions.js';
import { notificationsView } from './views/notifications.js';
import { profileView } from './views/profile.js';
import { searchView } from './views/search.js';
import { settingsView } from './views/settings.js';
import { tagView } from './views/tag.js';
import { threadView } from './views/thread.js';

/** Links, navigate() and the Back button all end in a popstate (navigation.ts). */
export function renderOnNavigation(): void {
  window.addEventListener('popstate', () => void render());
}

/** Shows the view for the path in the address bar, after stopping what the previous view started. */
export async function render(): Promise<void> {
  leaveView();
  const path = decodeURIComponent(location.pathname);
  const needsAccount = ['/', '/notifications', '/follow_requests', '/settings', '/bookmarks'].includes(path) || path.startsWith('/moderation');
  if (needsAccount && !state.me) { if (path === '/') welcomeView(); else navigate('/sign_in', true); return; }
  if (path.startsWith('/moderation') && !isStaff()) { setView('Not found', heading('Page not found'), h('p', {}, h('a', { href: '/' }, 'Go home'))); return; }
  try {
    let m: RegExpExecArray | null;
    if (path === '/') homeView();
    else if (path === '/public/local' || path === '/public') exploreView(path === '/public/local');
    else if (path === '/notifications') notificationsView();
    else if (path === '/follow_requests') followRequestsView();
    else if (path === '/search') await searchView();
    else if (path === '/settings') settingsView();
    else if (path === '/bookmarks') bookmarksView();
    else if (path === '/sign_in' || path === '/sign_up') { if (state.me) navigate('/', true); else await authView(path.slice(1) as 'sign_in' | 'sign_up'); }
    else if ((m = /^\/invite\/([A-Za-z0-9]{1,100})$/.exec(path))) { if (state.me) navigate('/', true); else await authView('sign_up', m[1]!); }
    // The moderation area's modules load when staff open it: nobody else downloads them.
    else if (path === '/moderation') (await import('./views/moderation.js')).moderationView(new URLSearchParams(location.search).get('resolved') ? 'resolved' : 'reports', new URLSearchParams(location.search));
    else if (path === '/moderation/accounts') (await import('./views/moderation.js')).moderationView('accounts', new URLSearchParams(location.search));
    else if (path === '/moderation/log') (await import('./views/moderation.js')).moderationView('log', new URLSearchParams(location.search));
    else if ((m = /^\/moderation\/reports\/(\d+)$/.exec(path))) await (await import('./views/moderation-report.js')).moderationReportView(m[1]!);
    else if ((m = /^\/moderation\/accounts\/(\d+)$/.exec(path))) await (await import('./views/moderation-account.js')).moderationAccountView(m[1]!);
    else if ((m = /^\/tags\/([^/]+)$/.exec(path))) tagView(m[1]!);
    else if ((m = /^\/@([\w.@-]+)\/(\d+)$/.exec(path))) await threadView(m[2]!);
    else if ((m = /^\/@([\w.@-]+)(?:\/(with_replies|likes|followers|following))?$/.exec(path))) await profileView(m[1]!, m[2] ?? '');
    else setView('Not found', heading('Page not found'), h('p', {}, h('a', { href: '/' }, 'Go home')));
  } catch (err) {
    const message = err instanceof HttpError && err.status === 404 ? 'This page does not exist or is not visible to you.' : (err as Error).message;
    setView('Error', heading('Something went wrong'), h('p', { role: 'alert' }, message));
  }
}
