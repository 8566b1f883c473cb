// Moving between pages without reloading: links inside the page and navigate() change the URL, and
// the router (router.ts) renders whatever the URL now says.
import { rememberPlace } from './place.js';

/** pushState fires no popstate; firing one sends links and the Back button through the same path. */
export function navigate(path: string, replace = false): void {
  if (replace) history.replaceState(null, '', path);
  else { rememberPlace(); history.pushState(null, '', path); }
  window.dispatchEvent(new PopStateEvent('popstate'));
}

/** Same-origin links to pages open in place; the API, OAuth, new tabs and modified clicks go to the browser. */
export function followLinksInPage(): void {
  document.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = (e.target as Element).closest('a');
    if (!a || a.target === '_blank' || a.hasAttribute('download')) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith('/api/') || url.pathname.startsWith('/oauth/')) return;
    e.preventDefault();
    navigate(url.pathname + url.search);
  });
}
