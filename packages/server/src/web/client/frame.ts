// The page around the views: the main column a view fills, its title, and the navigation, which
// shows who is signed in and how many notifications are unread.
import { openComposer } from './compose.js';
import { isStaff } from './permissions.js';
import { state } from './state.js';
import { h, profilePath } from './ui.js';

export const main = document.getElementById('main')!;
const nav = document.getElementById('nav')!;

export function renderNav(): void {
  const path = location.pathname;
  const link = (href: string, label: string, badge?: number, cls?: string) =>
    h('a', { href, class: cls, 'aria-current': path === href ? 'page' : null }, h('span', {}, label), badge ? h('span', { class: 'badge', 'aria-label': `${badge} unread` }, String(badge)) : null);
  const me = state.me;
  nav.replaceChildren(...(me
    ? [link('/', 'Home'), link('/public/local', 'Explore'), link('/notifications', 'Notifications', state.unreadNotifications), link('/search', 'Search'),
      link('/bookmarks', 'Bookmarks', 0, 'wide-only'), link(profilePath(me), 'Profile'), link('/settings', 'Settings', 0, 'wide-only'),
      ...(isStaff() ? [link('/moderation', 'Moderation', 0, 'wide-only')] : []),
      h('button', { type: 'button', class: 'primary compose-button', onclick: () => openComposer({}) }, 'Post')]
    : [link('/public/local', 'Explore'), link('/search', 'Search'), link('/sign_in', 'Sign in'), link('/sign_up', 'Sign up')]));
}

export function heading(text: string, ...extra: Node[]): HTMLElement {
  return h('div', { class: 'page-head' }, h('h1', { tabindex: -1 }, text), ...extra);
}

export function setView(title: string, ...children: Node[]): void {
  document.title = `${title} · Firebreak`;
  main.replaceChildren(...children);
  renderNav();
  main.querySelector<HTMLElement>('h1')?.focus({ preventScroll: true });
}
