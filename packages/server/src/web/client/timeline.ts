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
}

/** A status list with infinite scroll and, when given a stream, live updates. */
export function timeline(opts: TimelineOptions): HTMLElement {
  const list = pagedList<Status>({ url: opts.url, render: (s) => renderStatus(s, actions), empty: opts.empty, mark: 'first-status' });
  const pending: Status[] = [];
  const newButton = h('button', { type: 'button', class: 'new-posts', hidden: true }, '');
  const container = h('section', { class: 'timeline' }, newButton, list.container);

  newButton.addEventListener('click', () => {
    list.add(pending.splice(0).reverse(), 'top');
    newButton.hidden = true;
    list.feed.querySelector<HTMLElement>('article')?.focus();
  });

  const receive = (s: Status) => {
    if (list.has(s.id) || pending.some((p) => p.id === s.id)) return;
    if (!opts.holdNew || (window.scrollY < 50 && s.account.id === state.me?.id)) { list.add([s], 'top'); return; }
    pending.push(s);
    newButton.textContent = `Show ${pending.length} new post${pending.length === 1 ? '' : 's'}`;
    newButton.hidden = false;
  };

  if (opts.stream) {
    onLeave(subscribe(opts.stream.name, opts.stream.tag, (e: StreamEvent) => {
      if (e.event === 'update') receive(JSON.parse(e.payload) as Status);
      else if (e.event === 'delete') {
        removeStatus(e.payload);
        const i = pending.findIndex((p) => p.id === e.payload || p.reblog?.id === e.payload);
        if (i >= 0) pending.splice(i, 1);
        newButton.textContent = `Show ${pending.length} new post${pending.length === 1 ? '' : 's'}`;
        newButton.hidden = pending.length === 0;
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
