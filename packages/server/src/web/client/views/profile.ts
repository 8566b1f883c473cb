import { get, withQuery } from '../api.js';
import { setView } from '../frame.js';
import { onOutbox, pendingWrites, queueWrite, type WriteKind } from '../outbox.js';
import { pagedList } from '../paged-list.js';
import { isStaff } from '../permissions.js';
import { onLeave, state } from '../state.js';
import { timeline } from '../timeline.js';
import type { Account, Relationship } from '../types.js';
import { accountRow, append, avatar, displayName, h, icon, plainText, profilePath } from '../ui.js';
import { profileNote } from './profile-note.js';

type FollowState = 'none' | 'requested' | 'following';
const followStateOf = (r: Relationship | undefined): FollowState => (r?.following ? 'following' : r?.requested ? 'requested' : 'none');
/** The relationship as it will be once the outbox has delivered what waits for this account. */
function pendingKind(accountId: string, kinds: WriteKind[]): WriteKind | undefined {
  return pendingWrites().filter((w) => w.target === accountId && kinds.includes(w.kind)).at(-1)?.kind;
}

/**
 * Follow, then Requested while a locked account decides (clicking withdraws), then Unfollow; the
 * follower count beside it follows along, and a pending request is re-checked until it is decided.
 */
function followButton(account: Account, rel: Relationship | undefined, onCountsChanged: () => void): HTMLButtonElement {
  let follow: FollowState = followStateOf(rel);
  const pending = pendingKind(account.id, ['follow', 'unfollow']);
  if (pending) follow = pending === 'unfollow' ? 'none' : account.locked ? 'requested' : 'following';
  const b = h('button', { type: 'button' });
  const show = () => {
    b.textContent = { none: 'Follow', requested: 'Requested', following: 'Unfollow' }[follow];
    b.className = follow === 'none' ? 'primary' : '';
    b.setAttribute('aria-pressed', String(follow !== 'none'));
    if (follow === 'requested') b.title = 'Waiting for approval; click to withdraw the request'; else b.removeAttribute('title');
  };
  b.addEventListener('click', () => {
    const kind: WriteKind = follow === 'none' ? 'follow' : 'unfollow';
    follow = kind === 'unfollow' ? 'none' : account.locked ? 'requested' : 'following';
    show();
    void queueWrite({ kind, method: 'POST', url: `/api/v1/accounts/${account.id}/${kind}`, target: account.id, label: `${kind === 'follow' ? 'Follow' : 'Unfollow'} @${account.acct}` });
  });
  onLeave(onOutbox((e) => {
    if (e.type !== 'sent' || e.entry.target !== account.id || (e.entry.kind !== 'follow' && e.entry.kind !== 'unfollow')) return;
    follow = followStateOf(e.result as Relationship);
    show();
    onCountsChanged();
  }));
  // A locked account answers in its own time: look again now and then, and when the tab comes back.
  const recheck = async () => {
    if (follow !== 'requested' || pendingKind(account.id, ['follow', 'unfollow'])) return;
    const [r] = await get<Relationship[]>(withQuery('/api/v1/accounts/relationships', { 'id[]': account.id })).catch(() => []);
    if (r && followStateOf(r) !== follow) { follow = followStateOf(r); show(); onCountsChanged(); }
  };
  const timer = setInterval(() => void recheck(), 15_000);
  window.addEventListener('focus', recheck);
  onLeave(() => { clearInterval(timer); window.removeEventListener('focus', recheck); });
  show();
  return b;
}

/** Mute / Unmute, Block / Unblock: through the outbox, shown as they will be. */
function relationToggle(account: Account, labels: [string, string], on: boolean, verbs: ['mute' | 'block', 'unmute' | 'unblock']): HTMLButtonElement {
  const pending = pendingKind(account.id, [...verbs]);
  let active = pending ? pending === verbs[0] : on;
  const b = h('button', { type: 'button', 'aria-pressed': String(active) }, labels[active ? 1 : 0]);
  b.addEventListener('click', () => {
    const kind = active ? verbs[1] : verbs[0];
    active = !active;
    b.textContent = labels[active ? 1 : 0];
    b.setAttribute('aria-pressed', String(active));
    void queueWrite({ kind, method: 'POST', url: `/api/v1/accounts/${account.id}/${kind}`, target: account.id, label: `${labels[active ? 0 : 1]} @${account.acct}` });
  });
  return b;
}

export async function profileView(acct: string, tab: string): Promise<void> {
  const account = await get<Account>(withQuery('/api/v1/accounts/lookup', { acct }));
  const own = state.me?.id === account.id;
  const base = profilePath(account);
  const followers = h('strong', {}, String(account.followers_count));
  const following = h('strong', {}, String(account.following_count));
  const refreshCounts = () => void get<Account>(`/api/v1/accounts/${account.id}`).then((a) => {
    followers.textContent = String(a.followers_count);
    following.textContent = String(a.following_count);
  }).catch(() => {});
  const buttons = h('div', { class: 'profile-actions' });
  let note: HTMLElement | null = null;
  if (own) append(buttons, h('a', { class: 'button', href: '/bookmarks' }, 'Bookmarks'), h('a', { class: 'button', href: '/settings' }, 'Edit profile'));
  else if (state.me) {
    const [rel] = await get<Relationship[]>(withQuery('/api/v1/accounts/relationships', { 'id[]': account.id }));
    note = profileNote(account, rel);
    append(buttons,
      followButton(account, rel, refreshCounts),
      relationToggle(account, ['Mute', 'Unmute'], rel?.muting ?? false, ['mute', 'unmute']),
      relationToggle(account, ['Block', 'Unblock'], rel?.blocking ?? false, ['block', 'unblock']),
      h('button', { type: 'button', onclick: () => void import('../report-dialog.js').then((m) => m.openReportDialog(account)) }, 'Report'));
    if (isStaff()) append(buttons, h('a', { class: 'button', href: `/moderation/accounts/${account.id}` }, 'Moderate'));
    if (rel?.followed_by) append(buttons, h('span', { class: 'pill' }, 'Follows you'));
  }
  const bio = plainText(account.note);
  const header = h('section', { class: 'profile', 'aria-label': 'Profile' },
    // The header when its owner set one; the default keeps the page's own gradient.
    h('div', { class: 'banner' }, account.header && !account.header.endsWith('/missing.png') ? h('img', { src: new URL(account.header, location.href).pathname, alt: '' }) : null),
    h('div', { class: 'profile-top' }, avatar(account, 96), buttons),
    h('h1', { tabindex: -1, class: 'profile-name' }, h('bdi', {}, displayName(account)),
      account.locked ? h('span', { class: 'locked', role: 'img', 'aria-label': 'Approves followers', title: 'Approves followers' }, icon('lock')) : null),
    h('p', { class: 'acct' }, `@${account.acct}`),
    account.suspended ? h('p', { class: 'notice', role: 'note' }, 'This account has been suspended by the moderators.') : null,
    bio ? h('p', { class: 'bio' }, bio) : null,
    h('p', { class: 'counts' },
      h('span', {}, h('strong', {}, String(account.statuses_count)), ' posts'),
      h('a', { href: `${base}/following` }, following, ' following'),
      h('a', { href: `${base}/followers` }, followers, ' followers')),
    note);
  // Mastodon has no public "likes of account X" endpoint: the Likes tab exists on one's own profile only.
  const tabs: Array<[string, string]> = [['', 'Posts'], ['with_replies', 'Replies'], ...(own ? [['likes', 'Likes'] as [string, string]] : [])];
  const tabNav = h('nav', { class: 'tabs', 'aria-label': 'Profile sections' },
    ...tabs.map(([path, label]) => h('a', { href: path ? `${base}/${path}` : base, 'aria-current': tab === path ? 'page' : null }, label)));
  let body: HTMLElement;
  if (tab === 'followers' || tab === 'following') {
    const title = tab === 'followers' ? 'Followers' : 'Following';
    const list = pagedList<Account>({ url: `/api/v1/accounts/${account.id}/${tab}`, render: (a) => accountRow(a), empty: tab === 'followers' ? 'No followers yet.' : 'Not following anyone yet.', label: title });
    body = h('section', { 'aria-labelledby': 'list-h' }, h('h2', { id: 'list-h' }, title), list.container);
  } else if (tab === 'likes' && own) {
    body = timeline({ url: '/api/v1/favourites', empty: 'No likes yet.', label: 'Likes' });
  } else {
    body = timeline({ url: withQuery(`/api/v1/accounts/${account.id}/statuses`, { exclude_replies: tab === 'with_replies' ? null : true }), empty: 'No posts yet.', insertOwn: own });
  }
  setView(displayName(account), header, tabNav, body);
}
