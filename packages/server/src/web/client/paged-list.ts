import { page, UnreachableError, withQuery, type Page } from './api.js';
import { retryNow } from './connection.js';
import { restorePlace } from './place.js';
import { markViewIncomplete, onLeave } from './state.js';
import { h } from './ui.js';

interface ListOptions<T> {
  url: string;
  render: (item: T) => HTMLElement;
  empty: string;
  label?: string;
  /** A performance mark set when the first items are shown (time-to-first-timeline). */
  mark?: string;
  /** Called with each page as it arrives. */
  onPage?: (items: T[], first: boolean) => void;
}

interface PagedList<T> {
  container: HTMLElement;
  feed: HTMLElement;
  add(items: T[], where: 'top' | 'bottom'): void;
  has(id: string): boolean;
}

/**
 * Why a list could not load, in its status line. Unreachable: the view is marked incomplete, so it
 * loads again by itself when the server is back (router.ts), with Retry now meanwhile.
 */
export function showLoadFailure(status: HTMLElement, err: unknown): void {
  if (err instanceof UnreachableError) {
    markViewIncomplete();
    status.replaceChildren("Can't reach the server. This list loads by itself when it is back. ",
      h('button', { type: 'button', onclick: retryNow }, 'Retry now'));
  } else status.textContent = (err as Error).message;
}

/**
 * A list that loads the next older page (from the Link header) whenever its end scrolls near the
 * viewport: statuses, notifications, accounts. Items already shown are never shown twice. A page
 * the service worker answered from its saved copy (the server is down) says so.
 */
export function pagedList<T extends { id: string }>(opts: ListOptions<T>): PagedList<T> {
  // A feed (role) once it has articles: an empty feed is not one.
  const feed = h('div', { 'aria-busy': 'true', class: 'feed' });
  const more = h('div', { class: 'sentinel', 'aria-hidden': 'true' });
  const saved = h('p', { class: 'saved-copy', hidden: true });
  const status = h('p', { class: 'feed-status', role: 'status' }, 'Loading…');
  const container = h('div', {}, saved, feed, status, more);
  const seen = new Set<string>();
  let nextMaxId: string | null = null;
  let loading = false;
  let done = false;

  const add = (items: T[], where: 'top' | 'bottom') => {
    const fresh = items.filter((item) => !seen.has(item.id));
    for (const item of fresh) seen.add(item.id);
    let nodes = fresh.map(opts.render);
    // Posts make a feed (of articles); people and other rows make a list. A row that is itself a link
    // keeps its role inside a list item of its own.
    const listItems = nodes.length > 0 && nodes[0]!.tagName !== 'ARTICLE';
    if (listItems) {
      nodes = nodes.map((node) => {
        if (node.tagName !== 'A') { node.setAttribute('role', 'listitem'); return node; }
        return h('div', { role: 'listitem' }, node);
      });
    }
    if (where === 'top') feed.prepend(...nodes); else feed.append(...nodes);
    if (seen.size > 0) {
      if (!feed.hasAttribute('role')) feed.setAttribute('role', listItems ? 'list' : 'feed');
      if (opts.label) feed.setAttribute('aria-label', opts.label);
      if (!done) status.textContent = '';
    }
  };

  const loadMore = async () => {
    if (loading || done) return;
    loading = true;
    feed.setAttribute('aria-busy', 'true');
    try {
      const result: Page<T> = await page<T>(withQuery(opts.url, { max_id: nextMaxId }));
      add(result.items, 'bottom');
      opts.onPage?.(result.items, nextMaxId === null);
      nextMaxId = result.nextMaxId;
      done = !nextMaxId || result.items.length === 0;
      if (result.savedAt) {
        // The service worker's copy: only the first page was kept, and it may be old.
        markViewIncomplete();
        done = true;
        saved.hidden = false;
        saved.textContent = `Offline: a saved copy from ${new Date(result.savedAt).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' })}. It updates when the server is back.`;
      }
      if (seen.size === 0) status.textContent = opts.empty;
      else if (done) status.textContent = result.savedAt ? '' : 'You have reached the end.';
      if (opts.mark && seen.size > 0 && !performance.getEntriesByName(opts.mark).length) performance.mark(opts.mark);
      restorePlace();
    } catch (err) {
      showLoadFailure(status, err);
    } finally {
      loading = false;
      feed.setAttribute('aria-busy', 'false');
    }
  };

  const observer = new IntersectionObserver((entries) => { if (entries.some((e) => e.isIntersecting)) void loadMore(); }, { rootMargin: '800px' });
  observer.observe(more);
  onLeave(() => observer.disconnect());
  void loadMore();
  return { container, feed, add, has: (id) => seen.has(id) };
}
