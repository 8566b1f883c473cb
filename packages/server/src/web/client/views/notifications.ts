import { post } from '../api.js';
import { heading, renderNav, setView } from '../frame.js';
import { pagedList } from '../paged-list.js';
import { onLeave, state } from '../state.js';
import { actions } from '../status-actions.js';
import { subscribe } from '../stream.js';
import type { Notification } from '../types.js';
import { append, avatar, displayName, h, plainText, profilePath, renderStatus, statusPath } from '../ui.js';
import { followRequestButtons } from './follow-requests.js';

const NOTIFICATION_TEXT: Record<string, string> = {
  favourite: 'liked your post', reblog: 'reposted your post', follow: 'followed you', follow_request: 'asked to follow you',
  quote: 'quoted your post', update: 'edited a post you reposted', quoted_update: 'edited a post you quoted',
};

function notificationItem(n: Notification): HTMLElement {
  const who = h('a', { href: profilePath(n.account), class: 'name' }, h('bdi', {}, displayName(n.account)));
  // Mastodon reports replies as mentions; the page tells them apart by whom the post replies to.
  if ((n.type === 'mention' || n.type === 'status') && n.status) {
    const what = n.type === 'status' ? ' posted' : n.status.in_reply_to_account_id === state.me?.id ? ' replied to your post' : ' mentioned you';
    return renderStatus(n.status, actions, { context: [who, what] });
  }
  const row = h('article', { class: `notification ${n.type}`, 'data-id': n.id, tabindex: 0 },
    avatar(n.account, 32),
    h('p', {}, who, ` ${NOTIFICATION_TEXT[n.type] ?? n.type}`),
    n.status ? h('a', { class: 'excerpt', href: statusPath(n.status) }, plainText(n.status.content).slice(0, 140)) : null);
  if (n.type === 'follow_request') append(row, followRequestButtons(n.account));
  return row;
}

/** Notifications up to this one are read: the marker is shared with other devices and clients. */
function markNotificationsRead(id: string): void {
  state.unreadNotifications = 0;
  renderNav();
  void post('/api/v1/markers', { notifications: { last_read_id: id } }).catch(() => {});
}

export function notificationsView(): void {
  const list = pagedList<Notification>({
    url: '/api/v1/notifications', render: notificationItem, empty: 'No notifications yet.', label: 'Notifications',
    onPage: (items, first) => { if (first && items[0]) markNotificationsRead(items[0].id); },
  });
  onLeave(subscribe('user:notification', undefined, (e) => {
    if (e.event !== 'notification') return;
    const n = JSON.parse(e.payload) as Notification;
    list.add([n], 'top');
    markNotificationsRead(n.id);
  }));
  const requests = state.me?.locked || (state.me?.source?.follow_requests_count ?? 0) > 0
    ? h('a', { class: 'button', href: '/follow_requests' }, 'Follow requests') : null;
  setView('Notifications', heading('Notifications', ...(requests ? [requests] : [])), list.container);
}
