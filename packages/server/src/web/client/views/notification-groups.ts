// Notifications, grouped as Mastodon 4.3 groups them (GET /api/v2/notifications): "Ana and 4 others
// liked your post" with their avatars; mentions and posts shown in full. New notifications reload
// the newest groups; the notifications marker (shared with other devices) moves as they are seen.
import { get, post, request, withQuery } from '../api.js';
import { showLoadFailure } from '../paged-list.js';
import { heading, renderNav, setView } from '../frame.js';
import { onLeave, state } from '../state.js';
import { actions } from '../status-actions.js';
import { subscribe } from '../stream.js';
import type { Account, AccountWarning, Report, Status } from '../types.js';
import { append, avatar, displayName, h, plainText, profilePath, renderStatus, statusPath } from '../ui.js';
import { followRequestButtons } from './follow-requests.js';

interface Group {
  group_key: string; type: string; notifications_count: number; most_recent_notification_id: string; page_max_id?: string;
  latest_page_notification_at?: string; sample_account_ids: string[]; status_id?: string;
  report?: Report; moderation_warning?: AccountWarning;
}
interface Results { accounts: Account[]; statuses: Status[]; notification_groups: Group[] }

const GROUP_TEXT: Record<string, string> = {
  favourite: 'liked your post', reblog: 'reposted your post', follow: 'followed you', follow_request: 'asked to follow you',
  quote: 'quoted your post', update: 'edited a post you reposted', quoted_update: 'edited a post you quoted',
  'admin.sign_up': 'signed up', 'admin.report': 'filed a report',
};

const WARNING_TEXT: Record<string, string> = {
  none: 'A moderator sent you a warning', sensitive: 'A moderator marked your posts as sensitive', silence: 'A moderator limited your account',
  disable: 'A moderator disabled your login', suspend: 'A moderator suspended your account', mark_statuses_as_sensitive: 'A moderator marked some of your posts as sensitive',
  delete_statuses: 'A moderator removed some of your posts',
};

/** "Ana", "Ana and Ben", "Ana and 4 others". */
export function whoDidIt(first: Account, count: number): string {
  if (count <= 1) return displayName(first);
  return `${displayName(first)} and ${count - 1} other${count === 2 ? '' : 's'}`;
}

function groupItem(g: Group, accounts: Map<string, Account>, statuses: Map<string, Status>): HTMLElement | null {
  const actors = g.sample_account_ids.flatMap((id) => accounts.get(id) ?? []);
  const first = actors[0];
  if (!first) return null;
  const status = g.status_id ? statuses.get(g.status_id) : undefined;
  const who = h('a', { href: profilePath(first), class: 'name' }, h('bdi', {}, whoDidIt(first, g.notifications_count)));
  // Mastodon reports replies as mentions; the page tells them apart by whom the post replies to.
  if ((g.type === 'mention' || g.type === 'status') && status) {
    const what = g.type === 'status' ? ' posted' : status.in_reply_to_account_id === state.me?.id ? ' replied to your post' : ' mentioned you';
    return renderStatus(status, actions, { context: [who, what] });
  }
  if (g.type === 'moderation_warning' && g.moderation_warning) {
    const w = g.moderation_warning;
    return h('article', { class: 'notification moderation_warning', 'data-id': g.group_key, tabindex: 0 },
      h('span', { class: 'warning-icon', 'aria-hidden': 'true' }, '!'),
      h('p', {}, h('strong', {}, WARNING_TEXT[w.action] ?? 'A moderator took action on your account'), w.text ? `: ${w.text}` : '.'));
  }
  const row = h('article', { class: `notification ${g.type.replace('.', '-')}`, 'data-id': g.group_key, tabindex: 0 },
    h('div', { class: 'group-avatars', 'aria-hidden': 'true' }, ...actors.slice(0, 8).map((a) => avatar(a, 32))),
    h('p', {}, who, ` ${GROUP_TEXT[g.type] ?? g.type}`),
    status ? h('a', { class: 'excerpt', href: statusPath(status) }, plainText(status.content).slice(0, 140)) : null,
    g.report ? h('a', { class: 'excerpt', href: `/moderation/reports/${g.report.id}` }, `About @${g.report.target_account.acct}${g.report.comment ? `: ${g.report.comment.slice(0, 120)}` : ''}`) : null,
    g.type === 'admin.sign_up' ? h('a', { class: 'excerpt', href: `/moderation/accounts/${first.id}` }, 'See the account') : null);
  if (g.type === 'follow_request') append(row, followRequestButtons(first));
  return row;
}

/** Notifications up to this one are read: the marker is shared with other devices and clients. */
function markRead(id: string): void {
  state.unreadNotifications = 0;
  renderNav();
  void post('/api/v1/markers', { notifications: { last_read_id: id } }).catch(() => {});
}

export function notificationGroupsView(): void {
  const feed = h('div', { role: 'feed', class: 'feed', 'aria-label': 'Notifications', 'aria-busy': 'true' });
  const status = h('p', { class: 'feed-status', role: 'status' }, 'Loading…');
  const more = h('button', { type: 'button', class: 'show-older', hidden: true }, 'Show older');
  const shown = new Set<string>();
  let nextUrl: string | null = null;

  const load = async (url: string, reset: boolean) => {
    feed.setAttribute('aria-busy', 'true');
    try {
      const { data, response } = await request<Results>('GET', url);
      const accounts = new Map(data.accounts.map((a) => [a.id, a]));
      const statuses = new Map(data.statuses.map((s) => [s.id, s]));
      if (reset) { feed.replaceChildren(); shown.clear(); }
      // A group can go on over the next page (Mastodon pages by notification): shown once, the first time.
      for (const g of data.notification_groups) {
        if (shown.has(g.group_key)) continue;
        const item = groupItem(g, accounts, statuses);
        if (item) { shown.add(g.group_key); feed.append(item); }
      }
      if (reset && data.notification_groups[0]) markRead(data.notification_groups[0].most_recent_notification_id);
      const next = /<([^>]*)>;\s*rel="next"/.exec(response.headers.get('link') ?? '');
      nextUrl = next && data.notification_groups.length ? new URL(next[1]!).pathname + new URL(next[1]!).search : null;
      more.hidden = !nextUrl;
      status.textContent = shown.size ? '' : 'No notifications yet.';
    } catch (err) {
      showLoadFailure(status, err);
    } finally {
      feed.setAttribute('aria-busy', 'false');
    }
  };
  const first = withQuery('/api/v2/notifications', { limit: 20 });
  more.addEventListener('click', () => { if (nextUrl) void load(nextUrl, false); });
  let reload: ReturnType<typeof setTimeout> | undefined;
  onLeave(subscribe('user:notification', undefined, (e) => {
    if (e.event !== 'notification' && e.event !== 'notifications_merged') return;
    clearTimeout(reload);
    reload = setTimeout(() => void load(first, true), 150);
  }));
  onLeave(() => clearTimeout(reload));
  void load(first, true);

  const links = h('div', { class: 'head-links' });
  if (state.me?.locked || (state.me?.source?.follow_requests_count ?? 0) > 0) append(links, h('a', { class: 'button', href: '/follow_requests' }, 'Follow requests'));
  const filtered = h('a', { class: 'button', href: '/notifications/requests' }, 'Filtered');
  append(links, filtered);
  void get<{ summary: { pending_requests_count: number } }>('/api/v2/notifications/policy').then((p) => {
    const n = p.summary.pending_requests_count;
    if (n) filtered.textContent = `Filtered (${n >= 100 ? '100+' : n})`;
  }).catch(() => {});
  setView('Notifications', heading('Notifications', links), feed, status, more);
}
