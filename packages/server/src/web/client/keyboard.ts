import { openComposer } from './compose.js';
import { main } from './frame.js';
import { navigate } from './navigation.js';
import { state } from './state.js';

/** j / k move between posts, n writes one, / searches, ? lists them all (Enter opens a focused post: status-actions.ts). */
export function listenForShortcuts(): void {
  document.addEventListener('keydown', (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    if ((e.target as Element).closest('input, textarea, select, dialog, [contenteditable], .menu')) return;
    if (e.key === 'j' || e.key === 'k') {
      const items = [...main.querySelectorAll<HTMLElement>('article.status, article.notification')];
      const current = items.indexOf((document.activeElement as Element | null)?.closest('article') as HTMLElement);
      const next = items[current < 0 ? 0 : Math.min(items.length - 1, Math.max(0, current + (e.key === 'j' ? 1 : -1)))];
      if (next) { e.preventDefault(); next.focus(); next.scrollIntoView({ block: 'nearest' }); }
    } else if (e.key === 'n' && state.me) {
      e.preventDefault();
      openComposer({});
    } else if (e.key === '/') {
      e.preventDefault();
      const box = document.querySelector<HTMLInputElement>('#search-q') ?? (getComputedStyle(document.getElementById('aside')!).display !== 'none' ? document.querySelector<HTMLInputElement>('#aside-q') : null);
      if (box) box.focus(); else navigate('/search');
    } else if (e.key === '?') {
      e.preventDefault();
      void import('./shortcuts-help.js').then((m) => m.openShortcutsHelp());
    }
  });
}
