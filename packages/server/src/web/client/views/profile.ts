import { get, post, withQuery } from '../api.js';
import { setView } from '../frame.js';
import { pagedList } from '../paged-list.js';
import { isStaff } from '../permissions.js';
import { state } from '../state.js';
import { timeline } from '../timeline.js';
import { toast } from '../toast.js';
import type { Account, Relationship } from '../types.js';
import { accountRow, append, avatar, displayName, h, icon, plainText, profilePath } from '../ui.js';

/** Follow, then Requested while a locked account decides (clicking withdraws), then Unfollow. */
function followButton(account: Account, rel: Relationship | undefined): HTMLButtonElement {
  let state: 'none' | 'requested' | 'following' = rel?.following ? 'following' : rel?.requested ? 'requested' : 'none';
  const b = h('button', { type: 'button' });
  const show = () => {
    b.textContent = { none: 'Follow', requested: 'Requested', following: 'Unfollow' }[state];
    b.className = state === 'none' ? 'primary' : '';
    b.setAttribute('aria-pressed', String(state !== 'none'));
    if (state === 'requested') b.title = 'Waiting for approval; click to withdraw the request'; else b.removeAttribute('title');
  };
  b.addEventListener('click', async () => {
    b.disabled = true;
    try {
      const r = await post<Relationship>(`/api/v1/accounts/${account.id}/${state === 'none' ? 'follow' : 'unfollow'}`);
      state = r.following ? 'following' : r.requested ? 'requested' : 'none';
      show();
    } catch (err) { toast((err as Error).message); } finally { b.disabled = false; }
  });
  show();
  return b;
}

export async function profileView(acct: string, tab: string): Promise<void> {
  const account = await get<Account>(withQuery('/api/v1/accounts/lookup', { acct }));
  const own = state.me?.id === account.id;
  const base = profilePath(account);
  const buttons = h('div', { class: 'profile-actions' });
  if (own) append(buttons, h('a', { class: 'button', href: '/bookmarks' }, 'Bookmarks'), h('a', { class: 'button', href: '/settings' }, 'Edit profile'));
  else if (state.me) {
    const [rel] = await get<Relationship[]>(withQuery('/api/v1/accounts/relationships', { 'id[]': account.id }));
    const toggle = (label: [string, string], on: boolean, verbs: [string, string], cls = '') => {
      let state = on;
      const b = h('button', { type: 'button', class: cls, 'aria-pressed': String(state) }, label[state ? 1 : 0]);
      b.addEventListener('click', async () => {
        b.disabled = true;
        try {
          await post(`/api/v1/accounts/${account.id}/${verbs[state ? 1 : 0]}`);
          state = !state;
          b.textContent = label[state ? 1 : 0];
          b.setAttribute('aria-pressed', String(state));
        } catch (err) { toast((err as Error).message); } finally { b.disabled = false; }
      });
      return b;
    };
    append(buttons,
      followButton(account, rel),
      toggle(['Mute', 'Unmute'], rel?.muting ?? false, ['mute', 'unmute']),
      toggle(['Block', 'Unblock'], rel?.blocking ?? false, ['block', 'unblock']),
      h('button', { type: 'button', onclick: () => void import('../report-dialog.js').then((m) => m.openReportDialog(account)) }, 'Report'));
    if (isStaff()) append(buttons, h('a', { class: 'button', href: `/moderation/accounts/${account.id}` }, 'Moderate'));
    if (rel?.followed_by) append(buttons, h('span', { class: 'pill' }, 'Follows you'));
  }
  const bio = plainText(account.note);
  const header = h('section', { class: 'profile', 'aria-label': 'Profile' },
    h('div', { class: 'banner' }),
    h('div', { class: 'profile-top' }, avatar(account, 96), buttons),
    h('h1', { tabindex: -1, class: 'profile-name' }, h('bdi', {}, displayName(account)),
      account.locked ? h('span', { class: 'locked', role: 'img', 'aria-label': 'Approves followers', title: 'Approves followers' }, icon('lock')) : null),
    h('p', { class: 'acct' }, `@${account.acct}`),
    account.suspended ? h('p', { class: 'notice', role: 'note' }, 'This account has been suspended by the moderators.') : null,
    bio ? h('p', { class: 'bio' }, bio) : null,
    h('p', { class: 'counts' },
      h('span', {}, h('strong', {}, String(account.statuses_count)), ' posts'),
      h('a', { href: `${base}/following` }, h('strong', {}, String(account.following_count)), ' following'),
      h('a', { href: `${base}/followers` }, h('strong', {}, String(account.followers_count)), ' followers')));
  // Mastodon has no public "likes of account X" endpoint: the Likes tab exists on one's own profile only.
  const tabs: Array<[string, string]> = [['', 'Posts'], ['with_replies', 'Replies'], ...(own ? [['likes', 'Likes'] as [string, string]] : [])];
  const tabNav = h('nav', { class: 'tabs', 'aria-label': 'Profile sections' },
    ...tabs.map(([path, label]) => h('a', { href: path ? `${base}/${path}` : base, 'aria-current': tab === path ? 'page' : null }, label)));
  let body: HTMLElement;
  if (tab === 'followers' || tab === 'following') {
    const title = tab === 'followers' ? 'Followers' : 'Following';
    const list = pagedList<Account>({ url: `/api/v1/accounts/${account.id}/${tab}`, render: (a) => accountRow(a), empty: tab === 'followers' ? 'No followers yet.' : 'Not following anyone yet.', label: title });
    body = h('section', { 'aria-label': title }, h('h2', {}, title), list.container);
  } else if (tab === 'likes' && own) {
    body = timeline({ url: '/api/v1/favourites', empty: 'No likes yet.' });
  } else {
    body = timeline({ url: withQuery(`/api/v1/accounts/${account.id}/statuses`, { exclude_replies: tab === 'with_replies' ? null : true }), empty: 'No posts yet.', insertOwn: own });
  }
  setView(displayName(account), header, tabNav, body);
}
