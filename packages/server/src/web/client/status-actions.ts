// What people do to a status wherever it is shown: reply, quote, like, repost, bookmark, delete, report,
// open its thread; and how an edited or deleted status changes every copy on the page.
import { post, request } from './api.js';
import { openComposer } from './compose.js';
import { main } from './frame.js';
import { navigate } from './navigation.js';
import { state } from './state.js';
import { toast } from './toast.js';
import type { Status } from './types.js';
import { renderStatus, type StatusActions } from './ui.js';

export const actions: StatusActions = {
  get me() { return state.me; },
  reply: (s) => openComposer({ replyTo: s }),
  quote: (s) => openComposer({ quote: s }),
  // Loaded on first use: most people never report anything.
  report: (s) => void import('./report-dialog.js').then((m) => m.openReportDialog(s.account, s)),
  async toggle(s, kind, on) {
    const verb = on ? kind : `un${kind}`;
    return post<Status>(`/api/v1/statuses/${s.id}/${verb}`);
  },
  async remove(s) {
    await request('DELETE', `/api/v1/statuses/${s.id}`);
    removeStatus(s.id);
    toast('Post deleted');
  },
};

export function removeStatus(id: string): void {
  for (const el of document.querySelectorAll<HTMLElement>(`article.status[data-id="${CSS.escape(id)}"], article.status[data-status-id="${CSS.escape(id)}"]`)) el.remove();
}

/** An edited status replaces every copy shown (as itself, reblogged or quoted in a thread). */
export function replaceStatus(s: Status): void {
  for (const el of main.querySelectorAll<HTMLElement>(`article.status[data-id="${CSS.escape(s.id)}"]`)) el.replaceWith(renderStatus(s, actions, { focused: el.classList.contains('focused') }));
}

/** Clicking a status (not one of its links or buttons) or pressing Enter on it opens the thread. */
export function openStatusesOnActivate(): void {
  const openStatus = (e: Event) => {
    const article = (e.target as Element).closest('article.status') as HTMLElement | null;
    if (!article || (e.target as Element).closest('a, button, input, textarea, summary, .quote')) return;
    if (e instanceof KeyboardEvent && (e.key !== 'Enter' || e.target !== article)) return;
    if (window.getSelection()?.toString()) return;
    const link = article.querySelector<HTMLAnchorElement>('a.time');
    if (link) navigate(new URL(link.href).pathname);
  };
  main.addEventListener('click', openStatus);
  main.addEventListener('keydown', openStatus);
}
