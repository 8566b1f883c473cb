// One Tab stop per post (ui.ts takes its links and buttons out of the Tab order): on a post, the
// arrow keys walk its links and buttons (Left/Right, Home/End), Escape goes back to the post itself.
// j / k move between posts (keyboard.ts), Enter opens the thread (status-actions.ts).
import { main } from './frame.js';

function controlsOf(article: HTMLElement): HTMLElement[] {
  return [...article.querySelectorAll<HTMLElement>('a[href], button:not(:disabled)')]
    .filter((el) => el.closest('article') === article && !el.closest('.menu') && el.checkVisibility());
}

export function walkPostsWithArrows(): void {
  main.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || !['ArrowLeft', 'ArrowRight', 'Home', 'End', 'Escape'].includes(e.key)) return;
    const target = e.target as HTMLElement;
    if (target.closest('input, textarea, select, .menu')) return;
    const article = target.closest<HTMLElement>('article.status');
    if (!article) return;
    if (e.key === 'Escape') { if (target !== article) { e.preventDefault(); article.focus(); } return; }
    if ((e.key === 'Home' || e.key === 'End') && target === article) return; // the page's own Home and End
    const controls = controlsOf(article);
    if (!controls.length) return;
    const i = controls.indexOf(target);
    const next = e.key === 'Home' ? 0 : e.key === 'End' ? controls.length - 1
      : e.key === 'ArrowRight' ? (i + 1) % controls.length : (i <= 0 ? controls.length : i) - 1;
    e.preventDefault();
    controls[next]!.focus();
  });
}
