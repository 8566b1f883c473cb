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
  'admin.sign_up': 'signed up', 'admin.report': 'filed a report',
};

const WARNING_TEXT: Record<string, string> = {
  none: 'A moderator sent you a warning', sensitive: 'A moderator marked your posts as sensitive', silence: 'A moderator limited your account',
  disable: 'A moderator disabled your login', suspend: 'A moderator suspended your account', mark_statuses_as_sensitive: 'A moderator marked some of your posts as sensitive',
  delete_statuses: 'A moderator removed some of your posts',
};

function notificationItem(n: Notification): HTMLElement {
  const who = h('a', { href: profilePath(n.account), class: 'name' }, h('bdi', {}, displayName(n.account)));
  // Mastodon reports replies as mentions; the page tells them apart by whom the post replies to.
  if ((n.type === 'mention' || n.type === 'status') && n.status) {
    const what = n.type === 'status' ? ' posted' : n.status.in_reply_to_account_id === state.me?.id ? ' replied to your post' : ' mentioned you';
    return renderStatus(n.status, actions, { context: [who, what] });
  }
  if (n.type === 'moderation_warning' && n.moderation_warning) {
    const w = n.moderation_warning;
    return h('article', { class: 'notification moderation_warning', 'data-id': n.id, tabindex: 0 },
      h('span', { class: 'warning-icon', 'aria-hidden': 'true' }, '!'),
      h('p', {}, h('strong', {}, WARNING_TEXT[w.action] ?? 'A moderator took action on your account'), w.text ? `: ${w.text}` : '.'));
  }
  const row = h('article', { class: `notification ${n.type.replace('.', '-')}`, 'data-id': n.id, tabindex: 0 },
    avatar(n.account, 32),
    h('p', {}, who, ` ${NOTIFICATION_TEXT[n.type] ?? n.type}`),
    n.status ? h('a', { class: 'excerpt', href: statusPath(n.status) }, plainText(n.status.content).slice(0, 140)) : null,
    n.report ? h('a', { class: 'excerpt', href: `/moderation/reports/${n.report.id}` }, `About @${n.report.target_account.acct}${n.report.comment ? `: ${n.report.comment.slice(0, 120)}` : ''}`) : null,
    n.type === 'admin.sign_up' ? h('a', { class: 'excerpt', href: `/moderation/accounts/${n.account.id}` }, 'See the account') : null);
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
