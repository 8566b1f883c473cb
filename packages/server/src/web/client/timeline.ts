import { page, withQuery } from './api.js';
import { onStatusCreated } from './compose.js';
import { pagedList } from './paged-list.js';
import { onLeave, state } from './state.js';
import { actions, removeStatus, replaceStatus } from './status-actions.js';
import { onReconnect, subscribe, type StreamEvent } from './stream.js';
import type { Status } from './types.js';
import { h, renderStatus } from './ui.js';

interface TimelineOptions {
  url: string;
  stream?: { name: string; tag?: string };
  empty: string;
  /** Streamed statuses wait behind a "show new posts" button instead of jumping into view. */
  holdNew?: boolean;
  insertOwn?: boolean;
  /** Which of the page's feeds this is, for people who move between landmarks and feeds. */
  label?: string;
}

/** A status list with infinite scroll and, when given a stream, live updates. */
export function timeline(opts: TimelineOptions): HTMLElement {
  const list = pagedList<Status>({ url: opts.url, render: (s) => renderStatus(s, actions), empty: opts.empty, mark: 'first-status', label: opts.label ?? 'Posts' });
  const pending: Status[] = [];
  const newButton = h('button', { type: 'button', class: 'new-posts', hidden: true }, '');
  // Said once per change, politely: the button's own text is not a live region.
  const announcer = h('p', { class: 'visually-hidden', role: 'status' });
  const container = h('section', { class: 'timeline', 'aria-label': opts.label ?? 'Posts' }, newButton, announcer, list.container);

  const showPending = () => {
    const text = `Show ${pending.length} new post${pending.length === 1 ? '' : 's'}`;
    newButton.textContent = text;
    newButton.hidden = pending.length === 0;
    announcer.textContent = pending.length ? `${pending.length} new post${pending.length === 1 ? '' : 's'}` : '';
  };

  newButton.addEventListener('click', () => {
    list.add(pending.splice(0).reverse(), 'top');
    showPending();
    list.feed.querySelector<HTMLElement>('article')?.focus();
  });

  const receive = (s: Status) => {
    if (list.has(s.id) || pending.some((p) => p.id === s.id)) return;
    if (!opts.holdNew || (window.scrollY < 50 && s.account.id === state.me?.id)) { list.add([s], 'top'); return; }
    pending.push(s);
    showPending();
  };

  if (opts.stream) {
    onLeave(subscribe(opts.stream.name, opts.stream.tag, (e: StreamEvent) => {
      if (e.event === 'update') receive(JSON.parse(e.payload) as Status);
      else if (e.event === 'delete') {
        removeStatus(e.payload);
        const i = pending.findIndex((p) => p.id === e.payload || p.reblog?.id === e.payload);
        if (i >= 0) pending.splice(i, 1);
        showPending();
      } else if (e.event === 'status.update') replaceStatus(JSON.parse(e.payload) as Status);
    }));
    // After a reconnect, fetch what was posted while the socket was down.
    onLeave(onReconnect(async () => {
      const newest = list.feed.querySelector<HTMLElement>('article')?.dataset.id;
      if (!newest) return;
      const result = await page<Status>(withQuery(opts.url, { min_id: newest, limit: 40 })).catch(() => null);
      for (const s of [...(result?.items ?? [])].reverse()) receive(s);
    }));
  }
  if (opts.insertOwn) {
    const own = (s: Status) => { if (!list.has(s.id)) list.add([s], 'top'); };
    onLeave(onStatusCreated(own));
  }
  return container;
}
