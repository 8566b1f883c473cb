// The page: a small client-side router over views built from our own Mastodon API, with live
// updates from the streaming API. Signed-out visitors get the public timeline and the sign-in forms.
import { busy, get, hasSession, HttpError, page, post, request, withQuery, type Page } from './api.js';
import { statusLength } from '../../shared/status-length.js';
import { onReconnect, subscribe, type StreamEvent } from './stream.js';
import type { Account, Notification, Relationship, Status, Tag } from './types.js';
import { accountRow, append, avatar, displayName, h, icon, plainText, profilePath, renderStatus, statusPath, type StatusActions } from './ui.js';

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

interface ListOptions<T> {
  url: string;
  render: (item: T) => HTMLElement;
  empty: string;
  label?: string;
  /** A performance mark set when the first items are shown (time-to-first-timeline). */
  mark?: string;
  /** Called with each page as it arrives. */
  onPage?: (items: T[], first: boolean) => void;
}

interface PagedList<T> {
  container: HTMLElement;
  feed: HTMLElement;
  add(items: T[], where: 'top' | 'bottom'): void;
  has(id: string): boolean;
}

/**
 * A list that loads the next older page (from the Link header) whenever its end scrolls near the
 * viewport: statuses, notifications, accounts. Items already shown are never shown twice.
 */
function pagedList<T extends { id: string }>(opts: ListOptions<T>): PagedList<T> {
  const feed = h('div', { role: 'feed', 'aria-busy': 'true', class: 'feed', 'aria-label': opts.label ?? null });
  const more = h('div', { class: 'sentinel', 'aria-hidden': 'true' });
  const status = h('p', { class: 'feed-status', role: 'status' }, 'Loading…');
  const container = h('div', {}, feed, status, more);
  const seen = new Set<string>();
  let nextMaxId: string | null = null;
  let loading = false;
  let done = false;

  const add = (items: T[], where: 'top' | 'bottom') => {
    const fresh = items.filter((item) => !seen.has(item.id));
    for (const item of fresh) seen.add(item.id);
    const nodes = fresh.map(opts.render);
    if (where === 'top') feed.prepend(...nodes); else feed.append(...nodes);
    if (seen.size > 0 && !done) status.textContent = '';
  };

  const loadMore = async () => {
    if (loading || done) return;
    loading = true;
    feed.setAttribute('aria-busy', 'true');
    try {
      const result: Page<T> = await page<T>(withQuery(opts.url, { max_id: nextMaxId }));
      add(result.items, 'bottom');
      opts.onPage?.(result.items, nextMaxId === null);
      nextMaxId = result.nextMaxId;
      done = !nextMaxId || result.items.length === 0;
      if (seen.size === 0) status.textContent = opts.empty;
      else if (done) status.textContent = 'You have reached the end.';
      if (opts.mark && seen.size > 0 && !performance.getEntriesByName(opts.mark).length) performance.mark(opts.mark);
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
  void loadMore();
  return { container, feed, add, has: (id) => seen.has(id) };
}

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
  const list = pagedList<Status>({ url: opts.url, render: (s) => renderStatus(s, actions), empty: opts.empty, mark: 'first-status' });
  const pending: Status[] = [];
  const newButton = h('button', { type: 'button', class: 'new-posts', hidden: true }, '');
  const container = h('section', { class: 'timeline' }, newButton, list.container);

  newButton.addEventListener('click', () => {
    list.add(pending.splice(0).reverse(), 'top');
    newButton.hidden = true;
    list.feed.querySelector<HTMLElement>('article')?.focus();
  });

  const receive = (s: Status) => {
    if (list.has(s.id) || pending.some((p) => p.id === s.id)) return;
    if (!opts.holdNew || (window.scrollY < 50 && s.account.id === me?.id)) { list.add([s], 'top'); return; }
    pending.push(s);
    newButton.textContent = `Show ${pending.length} new post${pending.length === 1 ? '' : 's'}`;
    newButton.hidden = false;
  };

  if (opts.stream) {
    teardown.push(subscribe(opts.stream.name, opts.stream.tag, (e: StreamEvent) => {
      if (e.event === 'update') receive(JSON.parse(e.payload) as Status);
      else if (e.event === 'delete') {
        removeStatus(e.payload);
        const i = pending.findIndex((p) => p.id === e.payload || p.reblog?.id === e.payload);
        if (i >= 0) pending.splice(i, 1);
        newButton.textContent = `Show ${pending.length} new post${pending.length === 1 ? '' : 's'}`;
        newButton.hidden = pending.length === 0;
      } else if (e.event === 'status.update') replaceStatus(JSON.parse(e.payload) as Status);
    }));
    // After a reconnect, fetch what was posted while the socket was down.
    teardown.push(onReconnect(async () => {
      const newest = list.feed.querySelector<HTMLElement>('article')?.dataset.id;
      if (!newest) return;
      const result = await page<Status>(withQuery(opts.url, { min_id: newest, limit: 40 })).catch(() => null);
      for (const s of [...(result?.items ?? [])].reverse()) receive(s);
    }));
  }
  if (opts.insertOwn) {
    const own = (s: Status) => { if (!list.has(s.id)) list.add([s], 'top'); };
    createdListeners.add(own);
    teardown.push(() => createdListeners.delete(own));
  }
  return container;
}

/** An edited status replaces every copy shown (as itself, reblogged or quoted in a thread). */
function replaceStatus(s: Status): void {
  for (const el of main.querySelectorAll<HTMLElement>(`article.status[data-id="${CSS.escape(s.id)}"]`)) el.replaceWith(renderStatus(s, actions, { focused: el.classList.contains('focused') }));
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
    const left = maxChars - statusLength(text.value) - statusLength(cwWrap.hidden ? '' : cwInput.value);
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

/** "12 posts by 5 people this week", from a Tag entity's seven-day history. */
function tagUsage(tag: Tag): string {
  const sum = (key: 'uses' | 'accounts') => (tag.history ?? []).reduce((n, d) => n + Number(d[key]), 0);
  const posts = sum('uses');
  const people = sum('accounts');
  return posts === 0 ? 'No posts this week' : `${posts} post${posts === 1 ? '' : 's'} by ${people} ${people === 1 ? 'person' : 'people'} this week`;
}

function tagRow(tag: Tag): HTMLElement {
  return h('p', { class: 'tag-row' }, h('a', { href: `/tags/${encodeURIComponent(tag.name)}` }, `#${tag.name}`), h('span', { class: 'usage' }, tagUsage(tag)));
}

function tagView(tag: string): void {
  const usage = h('p', { class: 'usage' });
  setView(`#${tag}`, heading(`#${tag}`, usage), timeline({ url: `/api/v1/timelines/tag/${encodeURIComponent(tag)}`, stream: { name: 'hashtag', tag }, empty: `No posts with #${tag} yet.`, holdNew: true }));
  void get<Tag>(`/api/v1/tags/${encodeURIComponent(tag)}`).then((t) => { usage.textContent = tagUsage(t); }).catch(() => {});
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
      followButton(account, rel),
      toggle(['Mute', 'Unmute'], rel?.muting ?? false, ['mute', 'unmute']),
      toggle(['Block', 'Unblock'], rel?.blocking ?? false, ['block', 'unblock']));
    if (rel?.followed_by) append(buttons, h('span', { class: 'pill' }, 'Follows you'));
  }
  const bio = plainText(account.note);
  const header = h('section', { class: 'profile', 'aria-label': 'Profile' },
    h('div', { class: 'banner' }),
    h('div', { class: 'profile-top' }, avatar(account, 96), buttons),
    h('h1', { tabindex: -1, class: 'profile-name' }, h('bdi', {}, displayName(account)),
      account.locked ? h('span', { class: 'locked', role: 'img', 'aria-label': 'Approves followers', title: 'Approves followers' }, icon('lock')) : null),
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

const NOTIFICATION_TEXT: Record<string, string> = {
  favourite: 'liked your post', reblog: 'reposted your post', follow: 'followed you', follow_request: 'asked to follow you',
  quote: 'quoted your post', update: 'edited a post you reposted', quoted_update: 'edited a post you quoted',
};

/** Accept / reject buttons for a follow request; they answer in place. */
function followRequestButtons(account: Account): HTMLElement {
  const box = h('div', { class: 'request-actions', role: 'group', 'aria-label': `Follow request from ${displayName(account)}` });
  const decide = (verb: 'authorize' | 'reject', done: string) => async () => {
    for (const b of box.querySelectorAll('button')) b.disabled = true;
    try {
      await post(`/api/v1/follow_requests/${account.id}/${verb}`);
      box.replaceChildren(h('span', { class: 'pill' }, done));
    } catch (err) {
      toast((err as Error).message);
      for (const b of box.querySelectorAll('button')) b.disabled = false;
    }
  };
  append(box,
    h('button', { type: 'button', class: 'primary', onclick: decide('authorize', 'Accepted') }, 'Accept'),
    h('button', { type: 'button', onclick: decide('reject', 'Rejected') }, 'Reject'));
  return box;
}

function notificationItem(n: Notification): HTMLElement {
  const who = h('a', { href: profilePath(n.account), class: 'name' }, h('bdi', {}, displayName(n.account)));
  // Mastodon reports replies as mentions; the page tells them apart by whom the post replies to.
  if ((n.type === 'mention' || n.type === 'status') && n.status) {
    const what = n.type === 'status' ? ' posted' : n.status.in_reply_to_account_id === me?.id ? ' replied to your post' : ' mentioned you';
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
  unreadNotifications = 0;
  renderNav();
  void post('/api/v1/markers', { notifications: { last_read_id: id } }).catch(() => {});
}

function notificationsView(): void {
  const list = pagedList<Notification>({
    url: '/api/v1/notifications', render: notificationItem, empty: 'No notifications yet.', label: 'Notifications',
    onPage: (items, first) => { if (first && items[0]) markNotificationsRead(items[0].id); },
  });
  teardown.push(subscribe('user:notification', undefined, (e) => {
    if (e.event !== 'notification') return;
    const n = JSON.parse(e.payload) as Notification;
    list.add([n], 'top');
    markNotificationsRead(n.id);
  }));
  const requests = me?.locked || (me?.source?.follow_requests_count ?? 0) > 0
    ? h('a', { class: 'button', href: '/follow_requests' }, 'Follow requests') : null;
  setView('Notifications', heading('Notifications', ...(requests ? [requests] : [])), list.container);
}

function followRequestsView(): void {
  const list = pagedList<Account>({
    url: '/api/v1/follow_requests', render: (a) => accountRow(a, followRequestButtons(a)), empty: 'Nobody is waiting for your approval.', label: 'Follow requests',
  });
  setView('Follow requests', heading('Follow requests'), list.container);
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
    section('Hashtags', found.hashtags.map(tagRow)),
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
  const locked = h('input', { type: 'checkbox', id: 'set-locked', name: 'locked', checked: account.locked });
  const profileForm = h('form', { class: 'settings-form', 'aria-labelledby': 'profile-h' },
    h('h2', { id: 'profile-h' }, 'Profile'), field('set-name', 'Display name', name), field('set-note', 'Bio', note),
    h('div', { class: 'field check' }, locked, h('label', { for: 'set-locked' }, 'Approve new followers (followers-only posts stay with the people you accept)')),
    h('button', { type: 'submit', class: 'primary' }, 'Save profile'), profileStatus);
  profileForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      me = (await request<Account>('PATCH', '/api/v1/accounts/update_credentials', { display_name: name.value, note: note.value, locked: locked.checked })).data;
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
  const needsAccount = ['/', '/notifications', '/follow_requests', '/settings', '/bookmarks'].includes(path);
  if (needsAccount && !me) { if (path === '/') publicLanding(); else navigate('/sign_in', true); return; }
  try {
    let m: RegExpExecArray | null;
    if (path === '/') homeView();
    else if (path === '/public/local' || path === '/public') publicView(path === '/public/local');
    else if (path === '/notifications') notificationsView();
    else if (path === '/follow_requests') followRequestsView();
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

/** The desktop side column: search, trending hashtags, what this place is, keyboard keys. */
async function renderAside(): Promise<void> {
  const aside = document.getElementById('aside')!;
  const input = h('input', { type: 'search', id: 'aside-q', name: 'q', placeholder: 'Search', autocomplete: 'off' });
  const form = h('form', { role: 'search', class: 'search-form', action: '/search' }, h('label', { for: 'aside-q', class: 'visually-hidden' }, 'Search Firebreak'), input);
  form.addEventListener('submit', (e) => { e.preventDefault(); navigate(withQuery('/search', { q: input.value.trim() })); });
  const trends = h('section', { class: 'panel', 'aria-labelledby': 'trends-h' }, h('h2', { id: 'trends-h' }, 'Trending hashtags'));
  aside.replaceChildren(form, trends,
    h('section', { class: 'panel', 'aria-labelledby': 'about-h' }, h('h2', { id: 'about-h' }, 'About Firebreak'),
      h('p', {}, 'A microblog that stays up when a data center burns: every post is written to two data centers before it is acknowledged.'),
      h('p', { class: 'keys' }, 'Keys: ', h('kbd', {}, 'j'), ' ', h('kbd', {}, 'k'), ' move, ', h('kbd', {}, 'Enter'), ' opens, ', h('kbd', {}, 'n'), ' new post, ', h('kbd', {}, '/'), ' search')));
  const tags = await get<Tag[]>('/api/v1/trends/tags?limit=5').catch(() => []);
  append(trends, ...(tags.length ? tags.map(tagRow) : [h('p', { class: 'feed-status' }, 'Nothing trending yet.')]));
}

// Keyboard: j / k move between posts, n writes one, / searches (Enter opens a focused post, above).
document.addEventListener('keydown', (e) => {
  if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
  if ((e.target as Element).closest('input, textarea, select, dialog, [contenteditable]')) return;
  if (e.key === 'j' || e.key === 'k') {
    const items = [...main.querySelectorAll<HTMLElement>('article.status, article.notification')];
    const current = items.indexOf((document.activeElement as Element | null)?.closest('article') as HTMLElement);
    const next = items[current < 0 ? 0 : Math.min(items.length - 1, Math.max(0, current + (e.key === 'j' ? 1 : -1)))];
    if (next) { e.preventDefault(); next.focus(); next.scrollIntoView({ block: 'nearest' }); }
  } else if (e.key === 'n' && me) {
    e.preventDefault();
    openComposer({});
  } else if (e.key === '/') {
    e.preventDefault();
    const box = document.querySelector<HTMLInputElement>('#search-q') ?? (getComputedStyle(document.getElementById('aside')!).display !== 'none' ? document.querySelector<HTMLInputElement>('#aside-q') : null);
    if (box) box.focus(); else navigate('/search');
  }
});

async function start(): Promise<void> {
  const [account, instance, unread] = await Promise.all([
    hasSession() ? get<Account>('/api/v1/accounts/verify_credentials').catch(() => null) : Promise.resolve(null),
    get<{ configuration?: { statuses?: { max_characters?: number } } }>('/api/v2/instance').catch(() => null),
    hasSession() ? get<{ count: number }>('/api/v1/notifications/unread_count').catch(() => null) : Promise.resolve(null),
  ]);
  me = account;
  maxChars = instance?.configuration?.statuses?.max_characters ?? maxChars;
  unreadNotifications = unread?.count ?? 0;
  if (me) {
    // Count notifications that arrive while another page is open.
    subscribe('user:notification', undefined, (e) => {
      if (e.event === 'notification' && location.pathname !== '/notifications') { unreadNotifications++; renderNav(); }
    });
  }
  await render();
  void renderAside();
}

void start();
