// The page around the views: the main column a view fills, its title, and the navigation, which
// shows who is signed in and how many notifications are unread.
import { openComposer } from './compose.js';
import { isStaff } from './permissions.js';
import { state } from './state.js';
import { h, icon, profilePath } from './ui.js';

export const main = document.getElementById('main')!;
const nav = document.getElementById('nav')!;

export function renderNav(): void {
  const path = location.pathname;
  // On phones the tab bar shows the icons; the label stays the link's name.
  const link = (href: string, label: string, iconName: string, badge?: number, cls?: string) =>
    h('a', { href, class: cls, 'aria-current': path === href ? 'page' : null }, icon(iconName), h('span', { class: 'nav-label' }, label),
      badge ? h('span', { class: 'badge' }, h('span', { class: 'visually-hidden' }, ', '), String(badge), h('span', { class: 'visually-hidden' }, ' unread')) : null);
  const me = state.me;
  nav.replaceChildren(...(me
    ? [link('/', 'Home', 'home'), link('/public/local', 'Explore', 'explore'), link('/notifications', 'Notifications', 'bell', state.unreadNotifications),
      link('/conversations', 'Messages', 'mail'), link('/search', 'Search', 'search'), link('/lists', 'Lists', 'list', 0, 'wide-only'),
      link('/bookmarks', 'Bookmarks', 'bookmark', 0, 'wide-only'), link(profilePath(me), 'Profile', 'person'), link('/settings', 'Settings', 'settings', 0, 'wide-only'),
      ...(isStaff() ? [link('/moderation', 'Moderation', 'flag', 0, 'wide-only')] : []),
      h('button', { type: 'button', class: 'primary compose-button', onclick: () => openComposer({}) }, icon('compose'), h('span', { class: 'nav-label' }, 'Post'))]
    : [link('/public/local', 'Explore', 'explore'), link('/search', 'Search', 'search'), link('/sign_in', 'Sign in', 'signin'), link('/sign_up', 'Sign up', 'person')]));
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
