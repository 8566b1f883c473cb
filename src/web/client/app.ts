// The page: a small client-side router over views built from our own Mastodon API, with live
// updates from the streaming API. Signed-out visitors get the public timeline and the sign-in forms.
import { busy, get, hasSession, HttpError, page, post, request, withQuery, type Page } from './api.js';
import { countCharacters } from './count.js';
import { onReconnect, subscribe, type StreamEvent } from './stream.js';
import type { Account, Notification, Relationship, Status, Tag } from './types.js';
import { accountRow, append, avatar, displayName, h, plainText, profilePath, renderStatus, statusPath, type StatusActions } from './ui.js';

let me: Account | null = null;
let maxChars = 500;
/** Cleanup of the current view (stream subscriptions, observers). */
let teardown: Array<() => void> = [];
let unreadNotifications = 0;

const main = document.getElementById('main')!;
const nav = document.getElementById('nav')!;
const toastEl = document.getElementById('toast')!;

function toast(message: string): void {
  toastEl.textContent = message;
  toastEl.classList.add('shown');
  setTimeout(() => toastEl.classList.remove('shown'), 4000);
}

busy.addEventListener('change', (e) => {
  document.body.classList.toggle('waiting', (e as CustomEvent<boolean>).detail);
  if ((e as CustomEvent<boolean>).detail) toast('Reconnecting to the server…');
});

// ---------------------------------------------------------------- navigation

function navigate(path: string, replace = false): void {
  if (replace) history.replaceState(null, '', path); else history.pushState(null, '', path);
  void render();
}

document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = (e.target as Element).closest('a');
  if (!a || a.target === '_blank' || a.hasAttribute('download')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith('/api/') || url.pathname.startsWith('/oauth/')) return;
  e.preventDefault();
  navigate(url.pathname + url.search);
});
window.addEventListener('popstate', () => void render());

// Clicking a status (not one of its links or buttons) or pressing Enter on it opens the thread.
function openStatus(e: Event): void {
  const article = (e.target as Element).closest('article.status') as HTMLElement | null;
  if (!article || (e.target as Element).closest('a, button, input, textarea, summary, .quote')) return;
  if (e instanceof KeyboardEvent && (e.key !== 'Enter' || e.target !== article)) return;
  if (window.getSelection()?.toString()) return;
  const link = article.querySelector<HTMLAnchorElement>('a.time');
  if (link) navigate(new URL(link.href).pathname);
}
main.addEventListener('click', openStatus);
main.addEventListener('keydown', openStatus);

function renderNav(): void {
  const path = location.pathname;
  const link = (href: string, label: string, badge?: number, cls?: string) =>
    h('a', { href, class: cls, 'aria-current': path === href ? 'page' : null }, h('span', {}, label), badge ? h('span', { class: 'badge', 'aria-label': `${badge} unread` }, String(badge)) : null);
  nav.replaceChildren(...(me
    ? [link('/', 'Home'), link('/public/local', 'Explore'), link('/notifications', 'Notifications', unreadNotifications), link('/search', 'Search'),
      link('/bookmarks', 'Bookmarks', 0, 'wide-only'), link(profilePath(me), 'Profile'), link('/settings', 'Settings', 0, 'wide-only'),
      h('button', { type: 'button', class: 'primary compose-button', onclick: () => openComposer({}) }, 'Post')]
    : [link('/public/local', 'Explore'), link('/search', 'Search'), link('/sign_in', 'Sign in'), link('/sign_up', 'Sign up')]));
}

function heading(text: string, ...extra: Node[]): HTMLElement {
  return h('div', { class: 'page-head' }, h('h1', { tabindex: -1 }, text), ...extra);
}

function setView(title: string, ...children: Node[]): void {
  document.title = `${title} · Firebreak`;
  main.replaceChildren(...children);
  renderNav();
  main.querySelector<HTMLElement>('h1')?.focus({ preventScroll: true });
}

// ---------------------------------------------------------------- statuses

const actions: StatusActions = {
  get me() { return me; },
  reply: (s) => openComposer({ replyTo: s }),
  quote: (s) => openComposer({ quote: s }),
  async toggle(s, kind, on) {
    const verb = on ? kind : `un${kind}`;
    return post<Status>(`/api/v1/statuses/${s.id}/${verb}`);
  },
  async remove(s) {
    await request('DELETE', `/api/v1/statuses/${s.id}`);
    removeStatus(s.id);
    toast('Post deleted');
  },
};

function removeStatus(id: string): void {
  for (const el of document.querySelectorAll<HTMLElement>(`article.status[data-id="${CSS.escape(id)}"], article.status[data-status-id="${CSS.escape(id)}"]`)) el.remove();
}

/** Called with every status this page creates, so timelines show it at once. */
const createdListeners = new Set<(s: Status) => void>();

interface TimelineOptions {
  url: string;
  stream?: { name: string; tag?: string };
  empty: string;
  /** Streamed statuses wait behind a "show new posts" button instead of jumping into view. */
  holdNew?: boolean;
  insertOwn?: boolean;
}

/** A status list with infinite scroll and, when given a stream, live updates. */
function timeline(opts: TimelineOptions): HTMLElement {
  const feed = h('div', { role: 'feed', 'aria-busy': 'true', class: 'feed' });
  const more = h('div', { class: 'sentinel', 'aria-hidden': 'true' });
  const status = h('p', { class: 'feed-status', role: 'status' }, 'Loading…');
  const pending: Status[] = [];
  const newButton = h('button', { type: 'button', class: 'new-posts', hidden: true }, '');
  const container = h('section', { class: 'timeline' }, newButton, feed, status, more);
  const seen = new Set<string>();
  let nextMaxId: string | null = null;
  let loading = false;
  let done = false;

  const add = (items: Status[], where: 'top' | 'bottom') => {
    const fresh = items.filter((s) => !seen.has(s.id));
    for (const s of fresh) seen.add(s.id);
    const nodes = fresh.map((s) => renderStatus(s, actions));
    if (where === 'top') feed.prepend(...nodes); else feed.append(...nodes);
    if (seen.size > 0) status.textContent = '';
  };

  const showPending = () => {
    add(pending.splice(0).reverse(), 'top');
    newButton.hidden = true;
    feed.querySelector<HTMLElement>('article')?.focus();
  };
  newButton.addEventListener('click', showPending);

  const loadMore = async () => {
    if (loading || done) return;
    loading = true;
    feed.setAttribute('aria-busy', 'true');
    try {
      const result: Page<Status> = await page<Status>(withQuery(opts.url, { max_id: nextMaxId }));
      add(result.items, 'bottom');
      nextMaxId = result.nextMaxId;
      done = !nextMaxId || result.items.length === 0;
      if (seen.size === 0) status.textContent = opts.empty;
      if (done && seen.size > 0) status.textContent = 'You have reached the end.';
      if (!performance.getEntriesByName('first-status').length && seen.size > 0) performance.mark('first-status');
    } catch (err) {
      status.textContent = (err as Error).message;
    } finally {
      loading = false;
      feed.setAttribute('aria-busy', 'false');
    }
  };

  const observer = new IntersectionObserver((entries) => { if (entries.some((e) => e.isIntersecting)) void loadMore(); }, { rootMargin: '800px' });
  observer.observe(more);
  teardown.push(() => observer.disconnect());

  const receive = (s: Status) => {
    if (seen.has(s.id) || pending.some((p) => p.id === s.id)) return;
    if (!opts.holdNew || (window.scrollY < 50 && s.account.id === me?.id)) { add([s], 'top'); return; }
    pending.push(s);
    newButton.textContent = `Show ${pending.length} new post${pending.length === 1 ? '' : 's'}`;
    newButton.hidden = false;
  };

  if (opts.stream) {
    teardown.push(subscribe(opts.stream.name, opts.stream.tag, (e: StreamEvent) => {
      if (e.event === 'update') receive(JSON.parse(e.payload) as Status);
      else if (e.event === 'delete') { removeStatus(e.payload); const i = pending.findIndex((p) => p.id === e.payload); if (i >= 0) pending.splice(i, 1); }
      else if (e.event === 'status.update') {
        const s = JSON.parse(e.payload) as Status;
        for (const el of feed.querySelectorAll<HTMLElement>(`article[data-id="${CSS.escape(s.id)}"]`)) el.replaceWith(renderStatus(s, actions));
      }
    }));
    // After a reconnect, fetch what was posted while the socket was down.
    teardown.push(onReconnect(async () => {
      const newest = feed.querySelector<HTMLElement>('article')?.dataset.id;
      if (!newest) return;
      const result = await page<Status>(withQuery(opts.url, { min_id: newest, limit: 40 })).catch(() => null);
      for (const s of [...(result?.items ?? [])].reverse()) receive(s);
    }));
  }
  if (opts.insertOwn) {
    const own = (s: Status) => { if (!seen.has(s.id)) add([s], 'top'); };
    createdListeners.add(own);
    teardown.push(() => createdListeners.delete(own));
  }
  void loadMore();
  return container;
}

// ---------------------------------------------------------------- compose

interface ComposeTarget { replyTo?: Status; quote?: Status }

function composer(target: ComposeTarget, onDone?: () => void): HTMLFormElement {
  const id = Math.random().toString(36).slice(2);
  const initial = target.replyTo
    ? [...new Set([target.replyTo.account.acct, ...target.replyTo.mentions.map((m) => m.acct)])].filter((a) => a !== me?.acct).map((a) => `@${a} `).join('')
    : '';
  const text = h('textarea', { id: `text-${id}`, name: 'status', rows: 3, placeholder: target.replyTo ? 'Post your reply' : "What's happening?", 'aria-describedby': `count-${id}` });
  text.value = initial;
  const cwInput = h('input', { id: `cw-${id}`, name: 'spoiler_text', placeholder: 'Content warning', maxlength: 500 });
  const cwWrap = h('div', { class: 'cw-field', hidden: true }, h('label', { for: `cw-${id}`, class: 'visually-hidden' }, 'Content warning'), cwInput);
  const cwButton = h('button', { type: 'button', class: 'ghost', 'aria-pressed': 'false' }, 'CW');
  cwButton.addEventListener('click', () => {
    cwWrap.hidden = !cwWrap.hidden;
    cwButton.setAttribute('aria-pressed', String(!cwWrap.hidden));
    if (!cwWrap.hidden) cwInput.focus();
  });
  const visibility = h('select', { id: `vis-${id}`, name: 'visibility' },
    h('option', { value: 'public' }, 'Public'), h('option', { value: 'unlisted' }, 'Unlisted'),
    h('option', { value: 'private' }, 'Followers only'), h('option', { value: 'direct' }, 'Mentioned people only'));
  if (target.replyTo && target.replyTo.visibility !== 'public') visibility.value = target.replyTo.visibility;
  const counter = h('span', { id: `count-${id}`, class: 'counter' }, '');
  const submit = h('button', { type: 'submit', class: 'primary' }, target.replyTo ? 'Reply' : 'Post');
  const error = h('p', { class: 'error', role: 'alert' });

  const update = () => {
    const left = maxChars - countCharacters(text.value) - countCharacters(cwWrap.hidden ? '' : cwInput.value);
    counter.textContent = `${left} characters left`;
    counter.classList.toggle('over', left < 0);
    submit.disabled = left < 0 || text.value.trim() === '';
  };
  text.addEventListener('input', update);
  cwInput.addEventListener('input', update);
  update();

  const form = h('form', { class: 'composer', novalidate: true },
    h('label', { for: `text-${id}`, class: 'visually-hidden' }, target.replyTo ? 'Reply text' : 'Post text'),
    target.replyTo ? h('p', { class: 'context-line' }, 'Replying to ', h('bdi', {}, displayName(target.replyTo.account))) : null,
    cwWrap, text,
    target.quote ? h('p', { class: 'context-line' }, 'Quoting ', h('bdi', {}, displayName(target.quote.account))) : null,
    h('div', { class: 'composer-bar' },
      cwButton, h('label', { for: `vis-${id}`, class: 'visually-hidden' }, 'Visibility'), visibility, counter, submit),
    error);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    form.setAttribute('aria-busy', 'true');
    error.textContent = '';
    try {
      const created = await post<Status>('/api/v1/statuses', {
        status: text.value, visibility: visibility.value,
        spoiler_text: cwWrap.hidden ? '' : cwInput.value, sensitive: !cwWrap.hidden && cwInput.value !== '',
        in_reply_to_id: target.replyTo?.id, quoted_status_id: target.quote?.id,
      });
      text.value = '';
      cwInput.value = '';
      update();
      for (const l of createdListeners) l(created);
      toast('Posted');
      onDone?.();
    } catch (err) {
      error.textContent = (err as Error).message;
    } finally {
      form.removeAttribute('aria-busy');
      update();
    }
  });
  text.addEventListener('keydown', (e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) form.requestSubmit(); });
  return form;
}

function openComposer(target: ComposeTarget): void {
  if (!me) { navigate('/sign_in'); return; }
  const dialog = h('dialog', { class: 'compose-dialog', 'aria-label': target.replyTo ? 'Reply' : target.quote ? 'Quote post' : 'New post' });
  const close = () => { dialog.close(); dialog.remove(); };
  const form = composer(target, close);
  append(dialog, h('button', { type: 'button', class: 'ghost close', 'aria-label': 'Close', onclick: close }, '×'), form);
  dialog.addEventListener('close', () => dialog.remove());
  document.body.appendChild(dialog);
  dialog.showModal();
  form.querySelector('textarea')!.focus();
}

// ---------------------------------------------------------------- views

function homeView(): void {
  setView('Home', heading('Home'), composer({}), timeline({ url: '/api/v1/timelines/home', stream: { name: 'user' }, empty: 'Your home timeline is empty. Follow people to see their posts here.', holdNew: true, insertOwn: true }));
}

function publicView(local: boolean): void {
  const tabs = h('nav', { class: 'tabs', 'aria-label': 'Timelines' },
    h('a', { href: '/public/local', 'aria-current': local ? 'page' : null }, 'This server'),
    h('a', { href: '/public', 'aria-current': local ? null : 'page' }, 'All'));
  setView('Explore', heading('Explore'), tabs, timeline({ url: withQuery('/api/v1/timelines/public', { local: local || null }), stream: { name: local ? 'public:local' : 'public' }, empty: 'Nothing posted yet.', holdNew: true }));
}

function tagView(tag: string): void {
  setView(`#${tag}`, heading(`#${tag}`), timeline({ url: `/api/v1/timelines/tag/${encodeURIComponent(tag)}`, stream: { name: 'hashtag', tag }, empty: `No posts with #${tag} yet.`, holdNew: true }));
}

function bookmarksView(): void {
  setView('Bookmarks', heading('Bookmarks'), timeline({ url: '/api/v1/bookmarks', empty: 'You have no bookmarks yet.' }));
}

async function threadView(id: string): Promise<void> {
  const [status, context] = await Promise.all([get<Status>(`/api/v1/statuses/${id}`), get<{ ancestors: Status[]; descendants: Status[] }>(`/api/v1/statuses/${id}/context`)]);
  const thread = h('div', { class: 'thread' },
    ...context.ancestors.map((s) => renderStatus(s, actions)),
    renderStatus(status, actions, { focused: true }),
    ...context.descendants.map((s) => renderStatus(s, actions)));
  const replies = h('div', {});
  const replyBox = me ? composer({ replyTo: status }) : null;
  const onCreated = (s: Status) => { if (s.in_reply_to_id) replies.append(renderStatus(s, actions)); };
  createdListeners.add(onCreated);
  teardown.push(() => createdListeners.delete(onCreated));
  setView('Post', heading('Post'), thread, replies, replyBox ?? h('p', {}, h('a', { href: '/sign_in' }, 'Sign in'), ' to reply.'));
  main.querySelector<HTMLElement>('article.focused')?.scrollIntoView({ block: 'center' });
}

async function profileView(acct: string, tab: string): Promise<void> {
  const account = await get<Account>(withQuery('/api/v1/accounts/lookup', { acct }));
  const own = me?.id === account.id;
  const base = profilePath(account);
  const buttons = h('div', { class: 'profile-actions' });
  if (own) append(buttons, h('a', { class: 'button', href: '/bookmarks' }, 'Bookmarks'), h('a', { class: 'button', href: '/settings' }, 'Edit profile'));
  else if (me) {
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
      toggle(['Follow', 'Unfollow'], rel?.following ?? false, ['follow', 'unfollow'], 'primary'),
      toggle(['Mute', 'Unmute'], rel?.muting ?? false, ['mute', 'unmute']),
      toggle(['Block', 'Unblock'], rel?.blocking ?? false, ['block', 'unblock']));
    if (rel?.followed_by) append(buttons, h('span', { class: 'pill' }, 'Follows you'));
  }
  const bio = plainText(account.note);
  const header = h('section', { class: 'profile', 'aria-label': 'Profile' },
    h('div', { class: 'banner' }),
    h('div', { class: 'profile-top' }, avatar(account, 96), buttons),
    h('h1', { tabindex: -1, class: 'profile-name' }, h('bdi', {}, displayName(account))),
    h('p', { class: 'acct' }, `@${account.acct}`),
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
    const list = h('div', { class: 'accounts' });
    const result = await page<Account>(`/api/v1/accounts/${account.id}/${tab}?limit=80`);
    append(list, ...result.items.map((a) => accountRow(a)));
    if (result.items.length === 0) append(list, h('p', { class: 'feed-status' }, tab === 'followers' ? 'No followers yet.' : 'Not following anyone yet.'));
    body = h('section', { 'aria-label': tab === 'followers' ? 'Followers' : 'Following' }, h('h2', {}, tab === 'followers' ? 'Followers' : 'Following'), list);
  } else if (tab === 'likes' && own) {
    body = timeline({ url: '/api/v1/favourites', empty: 'No likes yet.' });
  } else {
    body = timeline({ url: withQuery(`/api/v1/accounts/${account.id}/statuses`, { exclude_replies: tab === 'with_replies' ? null : true }), empty: 'No posts yet.', insertOwn: own });
  }
  setView(displayName(account), header, tabNav, body);
}

async function notificationsView(): Promise<void> {
  const list = h('div', { class: 'notifications', role: 'feed' });
  const describe: Record<string, string> = { favourite: 'liked your post', reblog: 'reposted your post', follow: 'followed you', mention: 'mentioned you', quote: 'quoted your post', status: 'posted', update: 'edited a post' };
  const item = (n: Notification) => {
    if (n.type === 'mention' && n.status) return renderStatus(n.status, actions);
    return h('article', { class: 'notification', 'data-id': n.id },
      avatar(n.account, 32),
      h('p', {}, h('a', { href: profilePath(n.account), class: 'name' }, h('bdi', {}, displayName(n.account))), ` ${describe[n.type] ?? n.type}`),
      n.status ? h('a', { class: 'excerpt', href: statusPath(n.status) }, plainText(n.status.content).slice(0, 140)) : null);
  };
  teardown.push(subscribe('user:notification', undefined, (e) => { if (e.event === 'notification') list.prepend(item(JSON.parse(e.payload) as Notification)); }));
  unreadNotifications = 0;
  setView('Notifications', heading('Notifications'), list);
  const result = await page<Notification>('/api/v1/notifications?limit=40');
  append(list, ...result.items.map(item));
  if (result.items.length === 0) append(list, h('p', { class: 'feed-status' }, 'No notifications yet.'));
}

async function searchView(): Promise<void> {
  const q = new URLSearchParams(location.search).get('q') ?? '';
  const input = h('input', { type: 'search', id: 'search-q', name: 'q', value: q, placeholder: 'Search people, #hashtags and posts', autocomplete: 'off' });
  const form = h('form', { role: 'search', class: 'search-form', action: '/search' },
    h('label', { for: 'search-q', class: 'visually-hidden' }, 'Search'), input, h('button', { type: 'submit', class: 'primary' }, 'Search'));
  form.addEventListener('submit', (e) => { e.preventDefault(); navigate(withQuery('/search', { q: input.value.trim() })); });
  const results = h('div', { class: 'results', 'aria-live': 'polite' });
  setView('Search', heading('Search'), form, results);
  if (!q) { input.focus(); return; }
  const found = await get<{ accounts: Account[]; statuses: Status[]; hashtags: Tag[] }>(withQuery('/api/v2/search', { q, limit: 20 }));
  const section = (title: string, nodes: Node[]) => h('section', { 'aria-label': title }, h('h2', {}, title), ...(nodes.length ? nodes : [h('p', { class: 'feed-status' }, 'No results.')]));
  append(results,
    section('People', found.accounts.map((a) => accountRow(a))),
    section('Hashtags', found.hashtags.map((t) => h('p', { class: 'tag-row' }, h('a', { href: `/tags/${encodeURIComponent(t.name)}` }, `#${t.name}`)))),
    section('Posts', found.statuses.map((s) => renderStatus(s, actions))));
}

function field(id: string, label: string, control: HTMLElement): HTMLElement {
  control.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), control);
}

function settingsView(): void {
  const account = me!;
  const name = h('input', { name: 'display_name', maxlength: 30, value: account.display_name });
  const note = h('textarea', { name: 'note', rows: 4, maxlength: 500 });
  note.value = account.source?.note ?? plainText(account.note);
  const profileStatus = h('p', { role: 'status' });
  const profileForm = h('form', { class: 'settings-form', 'aria-labelledby': 'profile-h' },
    h('h2', { id: 'profile-h' }, 'Profile'), field('set-name', 'Display name', name), field('set-note', 'Bio', note),
    h('button', { type: 'submit', class: 'primary' }, 'Save profile'), profileStatus);
  profileForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      me = (await request<Account>('PATCH', '/api/v1/accounts/update_credentials', { display_name: name.value, note: note.value })).data;
      profileStatus.textContent = 'Profile saved.';
    } catch (err) { profileStatus.textContent = (err as Error).message; }
  });
  const current = h('input', { type: 'password', name: 'current_password', autocomplete: 'current-password', required: true });
  const next = h('input', { type: 'password', name: 'new_password', autocomplete: 'new-password', minlength: 8, required: true });
  const passwordStatus = h('p', { role: 'status' });
  const passwordForm = h('form', { class: 'settings-form', 'aria-labelledby': 'password-h' },
    h('h2', { id: 'password-h' }, 'Password'), field('set-current', 'Current password', current), field('set-new', 'New password', next),
    h('button', { type: 'submit', class: 'primary' }, 'Change password'), passwordStatus);
  passwordForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await post('/api/v1/accounts/change_password', { current_password: current.value, new_password: next.value });
      current.value = next.value = '';
      passwordStatus.textContent = 'Password changed.';
    } catch (err) { passwordStatus.textContent = (err as Error).message; }
  });
  const signOut = h('button', { type: 'button', class: 'danger' }, 'Sign out');
  signOut.addEventListener('click', async () => {
    await post('/auth/sign_out');
    location.assign('/');
  });
  setView('Settings', heading('Settings'), profileForm, passwordForm, h('section', { class: 'settings-form' }, h('h2', {}, 'Session'), signOut));
}

function authView(mode: 'sign_in' | 'sign_up'): void {
  const error = h('p', { class: 'error', role: 'alert' });
  const inputs = mode === 'sign_in'
    ? [field('login', 'E-mail or username', h('input', { name: 'login', autocomplete: 'username', required: true })),
      field('password', 'Password', h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true }))]
    : [field('username', 'Username', h('input', { name: 'username', autocomplete: 'username', required: true, pattern: '[A-Za-z0-9_]{1,30}' })),
      field('email', 'E-mail', h('input', { name: 'email', type: 'email', autocomplete: 'email', required: true })),
      field('password', 'Password (at least 8 characters)', h('input', { name: 'password', type: 'password', autocomplete: 'new-password', minlength: 8, required: true })),
      h('div', { class: 'field check' }, h('input', { id: 'agreement', name: 'agreement', type: 'checkbox', required: true }), h('label', { for: 'agreement' }, 'I agree to the server rules'))];
  const form = h('form', { class: 'auth-form', method: 'post', action: `/auth/${mode}` }, ...inputs,
    h('button', { type: 'submit', class: 'primary' }, mode === 'sign_in' ? 'Sign in' : 'Create account'), error);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const data = Object.fromEntries(new FormData(form).entries());
    if (mode === 'sign_up') data.agreement = (form.querySelector('#agreement') as HTMLInputElement).checked ? 'true' : 'false';
    form.setAttribute('aria-busy', 'true');
    try {
      await post(`/auth/${mode}`, data);
      location.assign('/');
    } catch (err) {
      error.textContent = err instanceof HttpError ? err.message : 'Something went wrong.';
      form.removeAttribute('aria-busy');
    }
  });
  const other = mode === 'sign_in' ? h('p', {}, 'New here? ', h('a', { href: '/sign_up' }, 'Create an account')) : h('p', {}, 'Have an account? ', h('a', { href: '/sign_in' }, 'Sign in'));
  setView(mode === 'sign_in' ? 'Sign in' : 'Sign up', heading(mode === 'sign_in' ? 'Sign in to Firebreak' : 'Join Firebreak'), form, other);
}

// ---------------------------------------------------------------- router

async function render(): Promise<void> {
  for (const stop of teardown.splice(0)) stop();
  const path = decodeURIComponent(location.pathname);
  const needsAccount = ['/', '/notifications', '/settings', '/bookmarks'].includes(path);
  if (needsAccount && !me) { if (path === '/') publicLanding(); else navigate('/sign_in', true); return; }
  try {
    let m: RegExpExecArray | null;
    if (path === '/') homeView();
    else if (path === '/public/local' || path === '/public') publicView(path === '/public/local');
    else if (path === '/notifications') await notificationsView();
    else if (path === '/search') await searchView();
    else if (path === '/settings') settingsView();
    else if (path === '/bookmarks') bookmarksView();
    else if (path === '/sign_in' || path === '/sign_up') { if (me) navigate('/', true); else authView(path.slice(1) as 'sign_in' | 'sign_up'); }
    else if ((m = /^\/tags\/([^/]+)$/.exec(path))) tagView(m[1]!);
    else if ((m = /^\/@([\w.@-]+)\/(\d+)$/.exec(path))) await threadView(m[2]!);
    else if ((m = /^\/@([\w.@-]+)(?:\/(with_replies|likes|followers|following))?$/.exec(path))) await profileView(m[1]!, m[2] ?? '');
    else setView('Not found', heading('Page not found'), h('p', {}, h('a', { href: '/' }, 'Go home')));
  } catch (err) {
    const message = err instanceof HttpError && err.status === 404 ? 'This page does not exist or is not visible to you.' : (err as Error).message;
    setView('Error', heading('Something went wrong'), h('p', { role: 'alert' }, message));
  }
}

function publicLanding(): void {
  setView('Firebreak', heading('Welcome to Firebreak'),
    h('p', { class: 'lede' }, 'A microblog that stays up when a data center burns.'),
    h('p', { class: 'cta' }, h('a', { class: 'button primary', href: '/sign_up' }, 'Create account'), ' ', h('a', { class: 'button', href: '/sign_in' }, 'Sign in')),
    h('h2', {}, 'Latest posts'),
    timeline({ url: '/api/v1/timelines/public?local=true', stream: { name: 'public:local' }, empty: 'Nothing posted yet.', holdNew: true }));
}

async function start(): Promise<void> {
  const [account, instance] = await Promise.all([
    hasSession() ? get<Account>('/api/v1/accounts/verify_credentials').catch(() => null) : Promise.resolve(null),
    get<{ configuration?: { statuses?: { max_characters?: number } } }>('/api/v2/instance').catch(() => null),
  ]);
  me = account;
  maxChars = instance?.configuration?.statuses?.max_characters ?? maxChars;
  if (me) {
    // Count notifications that arrive while another page is open.
    subscribe('user:notification', undefined, (e) => {
      if (e.event === 'notification' && location.pathname !== '/notifications') { unreadNotifications++; renderNav(); }
    });
  }
  await render();
}

void start();
