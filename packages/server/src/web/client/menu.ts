// A popup menu of actions under the button that opened it (the per-post "More" menu): arrow keys
// move, Enter picks, Escape or a click elsewhere closes it and gives focus back to the button.
import { h } from './ui.js';

export interface MenuItem { label: string; run: () => void; danger?: boolean }

let openMenu: { close: () => void } | null = null;

export function showMenu(button: HTMLButtonElement, items: MenuItem[], label: string): void {
  openMenu?.close();
  const menu = h('div', { class: 'menu', role: 'menu', 'aria-label': label });
  const entries = items.map((item) => {
    const el = h('button', { type: 'button', role: 'menuitem', tabindex: -1, class: item.danger ? 'danger' : null }, item.label);
    el.addEventListener('click', (e) => { e.stopPropagation(); close(false); item.run(); });
    return el;
  });
  menu.append(...entries);
  const onOutside = (e: Event) => { if (!menu.contains(e.target as Node)) close(false); };
  const close = (refocus: boolean) => {
    menu.remove();
    button.setAttribute('aria-expanded', 'false');
    document.removeEventListener('pointerdown', onOutside, true);
    if (openMenu?.close === closer) openMenu = null;
    if (refocus) button.focus();
  };
  const closer = () => close(false);
  menu.addEventListener('keydown', (e) => {
    const i = entries.indexOf(document.activeElement as HTMLButtonElement);
    const move = (to: number) => { e.preventDefault(); entries[(to + entries.length) % entries.length]!.focus(); };
    if (e.key === 'ArrowDown') move(i + 1);
    else if (e.key === 'ArrowUp') move(i - 1);
    else if (e.key === 'Home') move(0);
    else if (e.key === 'End') move(entries.length - 1);
    else if (e.key === 'Escape' || e.key === 'Tab') { e.preventDefault(); e.stopPropagation(); close(true); }
  });
  button.setAttribute('aria-expanded', 'true');
  button.after(menu);
  document.addEventListener('pointerdown', onOutside, true);
  openMenu = { close: closer };
  entries[0]?.focus();
}
