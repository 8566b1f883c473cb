// DOM building. Text from users (display names, bios, spoiler texts) only ever becomes text nodes;
// the one exception is status content, which the server renders to HTML with everything escaped
// except the links it made itself (src/domain/text.ts), inserted by `serverHtml`.
import type { Account, Status, Tag } from './types.js';

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | ((e: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) if (c !== null && c !== undefined && c !== false) parent.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
}

/** Server-rendered status HTML (already escaped by the server; see the file comment). */
function serverHtml(className: string, html: string): HTMLDivElement {
  const div = h('div', { class: className });
  div.innerHTML = html;
  for (const a of div.querySelectorAll('a')) if (!a.classList.contains('mention')) a.setAttribute('rel', 'nofollow noopener noreferrer');
  return div;
}

/** A bio or an excerpt as plain text: the server's HTML flattened to text with its line breaks kept
 * (without the RE: link a quote carries for clients that do not show quotes). */
export function plainText(html: string): string {
  const doc = new DOMParser().parseFromString(html.replace(/<br\s*\/?>/g, '\n').replace(/<\/p><p/g, '\n\n</p><p'), 'text/html');
  for (const el of doc.querySelectorAll('.quote-inline')) el.remove();
  return doc.body.textContent?.trim() ?? '';
}

export const displayName = (a: Account) => a.display_name.trim() || a.username;
export const profilePath = (a: Account) => `/@${a.acct}`;
export const statusPath = (s: Status) => `/@${s.account.acct}/${s.id}`;

/** Avatars are ours (same origin); a fixed box keeps the layout still while they load. */
export function avatar(a: Account, size = 48): HTMLImageElement {
  let src = a.avatar;
  try { src = new URL(a.avatar).pathname; } catch { /* relative already */ }
  return h('img', { class: 'avatar', src, width: size, height: size, alt: '', loading: 'lazy', decoding: 'async' });
}

const units: Array<[Intl.RelativeTimeFormatUnit, number]> = [['year', 31536000], ['month', 2592000], ['day', 86400], ['hour', 3600], ['minute', 60]];
export function timeAgo(iso: string): string {
  const seconds = (Date.now() - Date.parse(iso)) / 1000;
  for (const [unit, size] of units) if (seconds >= size) return `${Math.floor(seconds / size)}${unit === 'month' ? 'mo' : unit[0]}`;
  return 'now';
}

export function icon(name: string): SVGSVGElement {
  const paths: Record<string, string> = {
    reply: 'M4 5h16v10H9l-5 4z',
    repost: 'M7 7h10v4l4-4-4-4v4M17 17H7v-4l-4 4 4 4v-4',
    quote: 'M6 17h3l2-4V7H5v6h3zm8 0h3l2-4V7h-6v6h3z',
    like: 'M12 21s-7-4.5-9-9a5 5 0 0 1 9-3 5 5 0 0 1 9 3c-2 4.5-9 9-9 9z',
    bookmark: 'M6 3h12v18l-6-4-6 4z',
    delete: 'M5 7h14M10 7V4h4v3m-7 0 1 13h8l1-13',
    lock: 'M7 11V8a5 5 0 0 1 10 0v3M5 11h14v10H5z',
    flag: 'M5 21V4h12l-2 4 2 4H5',
  };
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', '18');
  svg.setAttribute('height', '18');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  path.setAttribute('d', paths[name] ?? '');
  svg.appendChild(path);
  return svg;
}

export interface StatusActions {
  me: Account | null;
  reply(s: Status): void;
  quote(s: Status): void;
  toggle(s: Status, action: 'favourite' | 'reblog' | 'bookmark', on: boolean): Promise<Status>;
  remove(s: Status): Promise<void>;
  /** Tells the moderators about someone else's post. */
  report?(s: Status): void;
}

function countLabel(n: number): string { return n > 0 ? String(n) : ''; }

/** A toggle button (like, repost, bookmark) that updates itself optimistically and rolls back on error. */
function toggleButton(s: Status, kind: 'favourite' | 'reblog' | 'bookmark', actions: StatusActions): HTMLButtonElement {
  const names = { favourite: ['Like', 'like', 'favourited', 'favourites_count'], reblog: ['Repost', 'repost', 'reblogged', 'reblogs_count'], bookmark: ['Bookmark', 'bookmark', 'bookmarked', ''] } as const;
  const [label, iconName, flag, counter] = names[kind];
  let on = s[flag];
  let count = counter ? s[counter] : 0;
  const countEl = h('span', { class: 'count' }, counter ? countLabel(count) : '');
  const button = h('button', { type: 'button', class: `action ${iconName}`, 'aria-pressed': String(on), 'aria-label': label, title: label }, icon(iconName), countEl);
  const render = () => { button.setAttribute('aria-pressed', String(on)); countEl.textContent = counter ? countLabel(count) : ''; };
  button.addEventListener('click', async (e) => {
    e.stopPropagation();
    if (!actions.me) { location.assign('/sign_in'); return; }
    const wasOn = on;
    on = !on; count += on ? 1 : -1; render();
    button.disabled = true;
    try {
      await actions.toggle(s, kind, on);
    } catch {
      on = wasOn; count += on ? 1 : -1; render();
    } finally { button.disabled = false; }
  });
  return button;
}

function quoteCard(q: NonNullable<Status['quote']>): HTMLElement {
  const quoted = q.quoted_status;
  if (!quoted || q.state !== 'accepted') return h('div', { class: 'quote unavailable' }, 'This post is unavailable.');
  return h('a', { class: 'quote', href: statusPath(quoted), 'aria-label': `Quoted post by ${displayName(quoted.account)}` },
    h('span', { class: 'quote-head' }, avatar(quoted.account, 20), h('bdi', { class: 'name' }, displayName(quoted.account)), h('span', { class: 'acct' }, ` @${quoted.account.acct}`)),
    quoted.spoiler_text ? h('p', { class: 'cw-text' }, `CW: ${quoted.spoiler_text}`) : serverHtml('content', quoted.content));
}

export function renderStatus(entry: Status, actions: StatusActions, options: { focused?: boolean; context?: Child[] } = {}): HTMLElement {
  const s = entry.reblog ?? entry;
  const mine = actions.me?.id === s.account.id;
  const headingId = `s-${entry.id}-by`;
  const article = h('article', { class: `status${options.focused ? ' focused' : ''}`, 'data-id': entry.id, 'data-status-id': s.id, tabindex: 0, 'aria-labelledby': headingId });
  if (entry.reblog) {
    append(article, h('p', { class: 'context-line' }, icon('repost'), h('a', { href: profilePath(entry.account) }, h('bdi', {}, displayName(entry.account))), ' reposted'));
  } else if (options.context) {
    append(article, h('p', { class: 'context-line' }, ...options.context));
  }
  const content: HTMLElement[] = [];
  let body: HTMLElement = serverHtml('content', s.content);
  if (s.spoiler_text) {
    const bodyId = `s-${entry.id}-body`;
    body.id = bodyId;
    body.hidden = true;
    const toggle = h('button', { type: 'button', class: 'cw-toggle', 'aria-expanded': 'false', 'aria-controls': bodyId }, 'Show more');
    toggle.addEventListener('click', (e) => {
      e.stopPropagation();
      body.hidden = !body.hidden;
      toggle.setAttribute('aria-expanded', String(!body.hidden));
      toggle.textContent = body.hidden ? 'Show more' : 'Show less';
    });
    content.push(h('div', { class: 'cw' }, h('p', { class: 'cw-text' }, s.spoiler_text), toggle));
  }
  content.push(body);
  if (s.quote) content.push(quoteCard(s.quote));

  const replyButton = h('button', { type: 'button', class: 'action reply', 'aria-label': 'Reply', title: 'Reply' }, icon('reply'), h('span', { class: 'count' }, countLabel(s.replies_count)));
  replyButton.addEventListener('click', (e) => { e.stopPropagation(); actions.reply(s); });
  // Followers-only posts can be quoted by their author only, and reposted by no one else; private
  // mentions neither (the server refuses; the buttons say so first).
  const quotable = (s.quote_approval?.current_user ?? 'automatic') !== 'denied';
  const quoteButton = h('button', { type: 'button', class: 'action quote-action', 'aria-label': quotable ? 'Quote' : 'Quote (not allowed for this post)', title: 'Quote', disabled: !quotable }, icon('quote'));
  quoteButton.addEventListener('click', (e) => { e.stopPropagation(); actions.quote(s); });
  const repost = toggleButton(s, 'reblog', actions);
  if (s.visibility === 'direct' || (s.visibility === 'private' && !mine)) {
    repost.disabled = true;
    repost.setAttribute('aria-label', 'Repost (not allowed for this post)');
  }
  const bar = h('div', { class: 'actions', role: 'group', 'aria-label': 'Post actions' },
    replyButton, repost, quoteButton, toggleButton(s, 'favourite', actions), toggleButton(s, 'bookmark', actions));
  if (!mine && actions.me && actions.report) {
    const report = h('button', { type: 'button', class: 'action report', 'aria-label': 'Report', title: 'Report' }, icon('flag'));
    report.addEventListener('click', (e) => { e.stopPropagation(); actions.report!(s); });
    append(bar, report);
  }
  if (mine) {
    const del = h('button', { type: 'button', class: 'action delete', 'aria-label': 'Delete', title: 'Delete' }, icon('delete'));
    del.addEventListener('click', async (e) => {
      e.stopPropagation();
      if (!confirm('Delete this post?')) return;
      await actions.remove(s);
    });
    append(bar, del);
  }

  append(article,
    h('a', { class: 'avatar-link', href: profilePath(s.account), tabindex: -1, 'aria-hidden': 'true' }, avatar(s.account)),
    h('div', { class: 'main' },
      h('header', { class: 'status-head' },
        h('a', { class: 'name', href: profilePath(s.account), id: headingId }, h('bdi', {}, displayName(s.account))),
        h('span', { class: 'acct' }, `@${s.account.acct}`),
        h('a', { class: 'time', href: statusPath(s) }, h('time', { datetime: s.created_at, title: new Date(s.created_at).toLocaleString() }, timeAgo(s.created_at)))),
      s.in_reply_to_id ? h('p', { class: 'context-line' }, ...replyTargets(s, actions.me)) : null,
      ...content, bar));
  return article;
}

function replyTargets(s: Status, me: Account | null): Child[] {
  if (s.in_reply_to_account_id === s.account.id) return ['Continues a thread'];
  if (me && s.in_reply_to_account_id === me.id) return ['Replying to you'];
  const target = s.mentions.find((m) => m.id === s.in_reply_to_account_id);
  if (target) return ['Replying to ', h('a', { href: `/@${target.acct}` }, `@${target.acct}`)];
  return ['Replying to ', h('a', { href: statusPath(s) }, 'a post')];
}

export function accountRow(a: Account, extra?: Node): HTMLElement {
  return h('div', { class: 'account-row' },
    avatar(a),
    h('div', { class: 'main' },
      h('a', { class: 'name', href: profilePath(a) }, h('bdi', {}, displayName(a))),
      h('div', { class: 'acct' }, `@${a.acct}`)),
    extra ?? null);
}

/** "12 posts by 5 people this week", from a Tag entity's seven-day history. */
export function tagUsage(tag: Tag): string {
  const sum = (key: 'uses' | 'accounts') => (tag.history ?? []).reduce((n, d) => n + Number(d[key]), 0);
  const posts = sum('uses');
  const people = sum('accounts');
  return posts === 0 ? 'No posts this week' : `${posts} post${posts === 1 ? '' : 's'} by ${people} ${people === 1 ? 'person' : 'people'} this week`;
}

export function tagRow(tag: Tag): HTMLElement {
  return h('p', { class: 'tag-row' }, h('a', { href: `/tags/${encodeURIComponent(tag.name)}` }, `#${tag.name}`), h('span', { class: 'usage' }, tagUsage(tag)));
}

export function field(id: string, label: string, control: HTMLElement): HTMLElement {
  control.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), control);
}
