// What people do to a status wherever it is shown: reply, quote, like, repost, bookmark, edit,
// delete, copy or share its link, mute or block or report its author, open its thread; every write goes
// through the outbox (outbox.ts), and what the server answers updates every copy on the page.
import { ask } from './ask.js';
import { announceCreated, openComposer } from './compose.js';
import { main } from './frame.js';
import { showMenu, type MenuItem } from './menu.js';
import { navigate } from './navigation.js';
import { onOutbox, queueWrite, type WriteKind } from './outbox.js';
import { state } from './state.js';
import { noteServerStatus, togglesOf, togglesOfId } from './status-state.js';
import { toast } from './toast.js';
import type { Status } from './types.js';
import { displayName, paintToggles, renderStatus, statusPath, type StatusActions } from './ui.js';

const TOGGLE_WORDS: Record<string, string> = { favourite: 'Like', unfavourite: 'Unlike', reblog: 'Repost', unreblog: 'Undo repost of', bookmark: 'Bookmark', unbookmark: 'Remove bookmark from' };

export const excerpt = (s: Status) => {
  const text = new DOMParser().parseFromString(s.content, 'text/html').body.textContent?.trim() ?? '';
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
};

export const actions: StatusActions = {
  get me() { return state.me; },
  reply: (s) => openComposer({ replyTo: s }),
  quote: (s) => openComposer({ quote: s }),
  toggles: togglesOf,
  toggle(s, kind, on) {
    const verb = (on ? kind : `un${kind}`) as WriteKind;
    void queueWrite({ kind: verb, method: 'POST', url: `/api/v1/statuses/${s.id}/${verb}`, target: s.id, label: `${TOGGLE_WORDS[verb]} a post by ${displayName(s.account)}` })
      .catch((err: Error) => toast(err.message)); // the outbox's 'changed' repaints every copy
  },
  menu: (s, button) => showMenu(button, menuItems(s), 'Post actions'),
  history: (s) => void import('./status-history.js').then((m) => m.openHistory(s)),
};

function menuItems(s: Status): MenuItem[] {
  const url = new URL(statusPath(s), location.origin).href;
  const items: MenuItem[] = [{ label: 'Copy link', run: () => void navigator.clipboard.writeText(url).then(() => toast('Link copied'), () => toast(url)) }];
  if ('share' in navigator) items.push({ label: 'Share…', run: () => void navigator.share({ url, title: `Post by ${displayName(s.account)}` }).catch(() => {}) });
  if (state.me?.id === s.account.id) {
    items.push({ label: 'Edit', run: () => openComposer({ edit: s }) });
    items.push({ label: 'Delete', danger: true, run: () => void deleteStatus(s) });
  } else if (state.me) {
    const who = `@${s.account.acct}`;
    items.push({ label: `Mute ${who}`, run: () => void accountWrite(s, 'mute') });
    items.push({ label: `Block ${who}`, danger: true, run: () => void accountWrite(s, 'block') });
    // Loaded on first use: most people never report anything.
    items.push({ label: `Report ${who}…`, run: () => void import('./report-dialog.js').then((m) => m.openReportDialog(s.account, s)) });
  }
  return items;
}

async function deleteStatus(s: Status): Promise<void> {
  if (!await ask('Delete this post?', { detail: excerpt(s), yes: 'Delete', no: 'Cancel', danger: true })) return;
  await queueWrite({ kind: 'delete', method: 'DELETE', url: `/api/v1/statuses/${s.id}`, target: s.id, label: `Delete “${excerpt(s)}”` });
  removeStatus(s.id);
}

async function accountWrite(s: Status, kind: 'mute' | 'block'): Promise<void> {
  const who = `@${s.account.acct}`;
  if (kind === 'block' && !await ask(`Block ${who}?`, { detail: 'They will not see your posts, and you will not see theirs. It also ends follows both ways.', yes: 'Block', no: 'Cancel', danger: true })) return;
  await queueWrite({ kind, method: 'POST', url: `/api/v1/accounts/${s.account.id}/${kind}`, target: s.account.id, label: `${kind === 'mute' ? 'Mute' : 'Block'} ${who}` });
}

/** Removes every copy of a status (and reposts of it); a view showing it alone hears of it. */
export function removeStatus(id: string): void {
  for (const el of document.querySelectorAll<HTMLElement>(`article.status[data-id="${CSS.escape(id)}"], article.status[data-status-id="${CSS.escape(id)}"]`)) el.remove();
  document.dispatchEvent(new CustomEvent('status-removed', { detail: id }));
}

/** An edited status replaces every copy shown (as itself, reblogged or quoted in a thread). */
export function replaceStatus(s: Status): void {
  for (const el of main.querySelectorAll<HTMLElement>(`article.status[data-id="${CSS.escape(s.id)}"]`)) el.replaceWith(renderStatus(s, actions, { focused: el.classList.contains('focused') }));
}

function repaintAllToggles(): void {
  const ids = new Set([...document.querySelectorAll<HTMLElement>('article.status')].map((a) => a.dataset.statusId!));
  for (const id of ids) { const t = togglesOfId(id); if (t) paintToggles(id, t); }
}

/** What the server answers to a status write, shown where the write shows. */
export function showStatusWrites(): void {
  onOutbox((e) => {
    if (e.type === 'changed') { repaintAllToggles(); return; }
    if (e.type !== 'sent') return;
    const result = e.result as Status | null;
    if (e.entry.kind === 'post' && result) { noteServerStatus(result); announceCreated(result); toast('Posted'); }
    else if (e.entry.kind === 'edit' && result) { replaceStatus(result); toast('Post edited'); }
    else if (e.entry.kind === 'delete') { removeStatus(e.entry.target); toast('Post deleted'); }
    else if (e.entry.kind in TOGGLE_WORDS && result) noteServerStatus(result);
    else if (e.entry.kind === 'mute' || e.entry.kind === 'block') toast(`${e.entry.label}: done`);
  });
}

/** Clicking a status (not one of its links or buttons) or pressing Enter on it opens the thread. */
export function openStatusesOnActivate(): void {
  const openStatus = (e: Event) => {
    const article = (e.target as Element).closest('article.status') as HTMLElement | null;
    if (!article || (e.target as Element).closest('a, button, input, textarea, summary, .quote, .menu')) return;
    if (e instanceof KeyboardEvent && (e.key !== 'Enter' || e.target !== article)) return;
    if (window.getSelection()?.toString()) return;
    const link = article.querySelector<HTMLAnchorElement>('a.time');
    if (link) navigate(new URL(link.href).pathname);
  };
  main.addEventListener('click', openStatus);
  main.addEventListener('keydown', openStatus);
}
