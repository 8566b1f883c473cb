// Which view each path shows. The server sends the same page for every one of these paths
// (PAGE_PATHS in src/web/routes.ts, and the same page with a 404 for any other); the path is read here.
import { HttpError, UnreachableError } from './api.js';
import { onRecovered, retryNow } from './connection.js';
import { heading, setView } from './frame.js';
import { navigate } from './navigation.js';
import { expectPlace, rememberPlace, restorePlace } from './place.js';
import { isViewIncomplete, leaveView, markViewIncomplete, state } from './state.js';
import { h } from './ui.js';
import { homeView, welcomeView } from './views/home.js';
import { isStaff } from './permissions.js';

/**
 * Views other than the first one anybody sees (home, welcome) load when first shown, or once the
 * page is idle (prefetchViews): a first visit fetches about half the modules, in fewer round trips.
 */
const views = {
  about: () => import('./views/about.js'),
  auth: () => import('./views/auth.js'),
  bookmarks: () => import('./views/bookmarks.js'),
  conversations: () => import('./views/conversations.js'),
  explore: () => import('./views/explore.js'),
  filters: () => import('./views/filters.js'),
  followedTags: () => import('./views/followed-tags.js'),
  followRequests: () => import('./views/follow-requests.js'),
  lists: () => import('./views/lists.js'),
  notificationGroups: () => import('./views/notification-groups.js'),
  notificationRequests: () => import('./views/notification-requests.js'),
  profile: () => import('./views/profile.js'),
  search: () => import('./views/search.js'),
  settings: () => import('./views/settings.js'),
  statusAccounts: () => import('./views/status-accounts.js'),
  tag: () => import('./views/tag.js'),
  thread: () => import('./views/thread.js'),
};

/** Fetches every view while nothing else happens, so later pages open at once (and work offline). */
export function prefetchViews(): void {
  const idle = window.requestIdleCallback ?? ((f: () => void) => setTimeout(f, 200));
  idle(() => { for (const load of Object.values(views)) void load().catch(() => {}); });
}

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
  const needsAccount = ['/', '/notifications', '/notifications/requests', '/follow_requests', '/settings', '/bookmarks', '/lists', '/filters', '/followed_tags', '/conversations'].includes(path)
    || path.startsWith('/lists/') || path.startsWith('/moderation');
  if (needsAccount && !state.me) { if (path === '/') welcomeView(); else navigate('/sign_in', true); return; }
  if (path.startsWith('/moderation') && !isStaff()) { setView('Not found', heading('Page not found'), h('p', {}, h('a', { href: '/' }, 'Go home'))); return; }
  try {
    let m: RegExpExecArray | null;
    if (path === '/') homeView();
    else if (path === '/public/local' || path === '/public') (await views.explore()).exploreView(path === '/public/local');
    else if (path === '/notifications') (await views.notificationGroups()).notificationGroupsView();
    else if (path === '/notifications/requests') await (await views.notificationRequests()).notificationRequestsView();
    else if (path === '/lists') await (await views.lists()).listsView();
    else if ((m = /^\/lists\/(\d+)$/.exec(path))) await (await views.lists()).listView(m[1]!);
    else if (path === '/filters') await (await views.filters()).filtersView();
    else if (path === '/followed_tags') (await views.followedTags()).followedTagsView();
    else if (path === '/conversations') (await views.conversations()).conversationsView();
    else if (path === '/about') await (await views.about()).aboutView();
    else if (path === '/follow_requests') (await views.followRequests()).followRequestsView();
    else if (path === '/search') await (await views.search()).searchView();
    else if (path === '/settings') (await views.settings()).settingsView();
    else if (path === '/bookmarks') (await views.bookmarks()).bookmarksView();
    else if (path === '/sign_in' || path === '/sign_up') { if (state.me) navigate('/', true); else await (await views.auth()).authView(path.slice(1) as 'sign_in' | 'sign_up'); }
    else if ((m = /^\/invite\/([A-Za-z0-9]{1,100})$/.exec(path))) { if (state.me) navigate('/', true); else await (await views.auth()).authView('sign_up', m[1]!); }
    // The moderation area's modules load when staff open it, and are not prefetched: nobody else downloads them.
    else if (path === '/moderation') (await import('./views/moderation.js')).moderationView(new URLSearchParams(location.search).get('resolved') ? 'resolved' : 'reports', new URLSearchParams(location.search));
    else if (path === '/moderation/accounts') (await import('./views/moderation.js')).moderationView('accounts', new URLSearchParams(location.search));
    else if (path === '/moderation/log') (await import('./views/moderation.js')).moderationView('log', new URLSearchParams(location.search));
    else if ((m = /^\/moderation\/reports\/(\d+)$/.exec(path))) await (await import('./views/moderation-report.js')).moderationReportView(m[1]!);
    else if ((m = /^\/moderation\/accounts\/(\d+)$/.exec(path))) await (await import('./views/moderation-account.js')).moderationAccountView(m[1]!);
    else if ((m = /^\/tags\/([^/]+)$/.exec(path))) (await views.tag()).tagView(m[1]!);
    else if ((m = /^\/@([\w.@-]+)\/(\d+)$/.exec(path))) await (await views.thread()).threadView(m[2]!);
    else if ((m = /^\/@([\w.@-]+)\/(\d+)\/(favourites|reblogs)$/.exec(path))) (await views.statusAccounts()).statusAccountsView(m[2]!, m[3] as 'favourites' | 'reblogs');
    else if ((m = /^\/@([\w.@-]+)(?:\/(with_replies|likes|followers|following))?$/.exec(path))) await (await views.profile()).profileView(m[1]!, m[2] ?? '');
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
