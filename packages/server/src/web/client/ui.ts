// DOM building. Text from users (display names, bios, spoiler texts) only ever becomes text nodes;
// the one exception is status content, which the server renders to HTML with everything escaped
// except the links it made itself (src/domain/text.ts), inserted by `serverHtml`.
import type { Toggles } from './status-state.js';
import type { Account, Status, Tag } from './types.js';
import { mediaGallery } from './media-view.js';

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
export function serverHtml(className: string, html: string): HTMLDivElement {
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

/** A relative time ("5m") that keeps itself current (refreshRelativeTimes, every half minute). */
export function relativeTime(iso: string): HTMLTimeElement {
  return h('time', { datetime: iso, title: new Date(iso).toLocaleString(), 'data-relative': '' }, timeAgo(iso));
}

export function refreshRelativeTimes(): void {
  for (const t of document.querySelectorAll<HTMLTimeElement>('time[data-relative]')) {
    const text = timeAgo(t.dateTime);
    if (t.textContent !== text) t.textContent = text;
  }
}

/** Who may see a status, as its icon and its name. */
export const VISIBILITY: Record<string, { label: string; icon: string; hint: string }> = {
  public: { label: 'Public', icon: 'globe', hint: 'Anyone, on public timelines too' },
  unlisted: { label: 'Unlisted', icon: 'unlisted', hint: 'Anyone, but not on public timelines' },
  private: { label: 'Followers', icon: 'lock', hint: 'Only followers and mentioned people' },
  direct: { label: 'Mentioned only', icon: 'at', hint: 'Only the people mentioned' },
};

export function visibilityBadge(visibility: string): HTMLElement {
  const v = VISIBILITY[visibility] ?? VISIBILITY.public!;
  return h('span', { class: `visibility ${visibility}`, title: v.hint }, icon(v.icon), h('span', { class: 'visibility-label' }, v.label));
}

export function icon(name: string): SVGSVGElement {
  const paths: Record<string, string> = {
    reply: 'M4 5h16v10H9l-5 4z',
    repost: 'M7 7h10v4l4-4-4-4v4M17 17H7v-4l-4 4 4 4v-4',
    quote: 'M6 17h3l2-4V7H5v6h3zm8 0h3l2-4V7h-6v6h3z',
    like: 'M12 21s-7-4.5-9-9a5 5 0 0 1 9-3 5 5 0 0 1 9 3c-2 4.5-9 9-9 9z',
    bookmark: 'M6 3h12v18l-6-4-6 4z',
    lock: 'M7 11V8a5 5 0 0 1 10 0v3M5 11h14v10H5z',
    image: 'M4 5h16v14H4zm0 11 5-5 4 4 3-3 4 4M15 9.5a1.5 1.5 0 1 0 0 .01',
    globe: 'M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM3 12h18M12 3c3 3 3 15 0 18M12 3c-3 3-3 15 0 18',
    unlisted: 'M7 11V8a5 5 0 0 1 9.5-2M5 11h14v10H5z',
    at: 'M16 12a4 4 0 1 1-8 0 4 4 0 0 1 8 0zm0 0v1.5a2.5 2.5 0 0 0 5 0V12a9 9 0 1 0-4 7.5',
    more: 'M5 12h.01M12 12h.01M19 12h.01',
    home: 'M3 11l9-8 9 8M5 10v10h5v-6h4v6h5V10',
    explore: 'M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zm3.5 5.5-2 5-5 2 2-5z',
    bell: 'M6 16V11a6 6 0 0 1 12 0v5l2 2H4zM10 20a2 2 0 0 0 4 0',
    search: 'M11 4a7 7 0 1 0 0 14 7 7 0 0 0 0-14zm5 12 5 5',
    mail: 'M3 6h18v12H3zM3 6l9 7 9-7',
    person: 'M12 4a4 4 0 1 0 0 8 4 4 0 0 0 0-8zM4 21a8 8 0 0 1 16 0',
    settings: 'M12 9a3 3 0 1 0 0 6 3 3 0 0 0 0-6zM4 12h2M18 12h2M12 4v2M12 18v2M6.3 6.3l1.4 1.4M16.3 16.3l1.4 1.4M6.3 17.7l1.4-1.4M16.3 7.7l1.4-1.4',
    compose: 'M4 20h4L19 9l-4-4L4 16zM14 6l4 4',
    signin: 'M10 17l5-5-5-5M15 12H3M14 4h6v16h-6',
    list: 'M9 6h11M9 12h11M9 18h11M4 6h.01M4 12h.01M4 18h.01',
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

export type ToggleKind = 'favourite' | 'reblog' | 'bookmark';

export interface StatusActions {
  me: Account | null;
  reply(s: Status): void;
  quote(s: Status): void;
  /** What the like, repost and bookmark buttons show (the same for every copy of the status). */
  toggles(s: Status): Toggles;
  toggle(s: Status, action: ToggleKind, on: boolean): void;
  /** The per-post menu (copy link, share, edit, delete, mute, block), opened from its button. */
  menu(s: Status, button: HTMLButtonElement): void;
  history(s: Status): void;
}

function countLabel(n: number): string { return n > 0 ? String(n) : ''; }

const TOGGLES = {
  favourite: { label: 'Like', cls: 'like', flag: 'favourited', counter: 'favourites_count' },
  reblog: { label: 'Repost', cls: 'repost', flag: 'reblogged', counter: 'reblogs_count' },
  bookmark: { label: 'Bookmark', cls: 'bookmark', flag: 'bookmarked', counter: null },
} as const;

/** Shows `t` on the like, repost and bookmark buttons of every copy of status `id` on the page. */
export function paintToggles(id: string, t: Toggles): void {
  for (const article of document.querySelectorAll<HTMLElement>(`article.status[data-status-id="${CSS.escape(id)}"]`)) {
    for (const { cls, flag, counter } of Object.values(TOGGLES)) {
      const button = article.querySelector<HTMLButtonElement>(`:scope > .main > .actions .action.${cls}`);
      if (!button) continue;
      button.setAttribute('aria-pressed', String(t[flag]));
      const count = button.querySelector('.count');
      if (count && counter) count.textContent = countLabel(t[counter]);
    }
  }
}

/** A like, repost or bookmark button; its name is its label and its visible count ("Like 3"). */
function toggleButton(s: Status, kind: ToggleKind, actions: StatusActions): HTMLButtonElement {
  const { label, cls, flag, counter } = TOGGLES[kind];
  const t = actions.toggles(s);
  const button = h('button', { type: 'button', class: `action ${cls}`, 'aria-pressed': String(t[flag]), title: label },
    icon(cls), h('span', { class: 'visually-hidden' }, label), h('span', { class: 'count' }, counter ? countLabel(t[counter]) : ''));
  button.addEventListener('click', (e) => {
    e.stopPropagation();
    if (!actions.me) { location.assign('/sign_in'); return; }
    actions.toggle(s, kind, !actions.toggles(s)[flag]);
  });
  return button;
}

function quoteCard(q: NonNullable<Status['quote']>): HTMLElement {
  const quoted = q.quoted_status;
  if (!quoted || q.state !== 'accepted') return h('div', { class: 'quote unavailable' }, 'This post is unavailable.');
  return h('a', { class: 'quote', href: statusPath(quoted) },
    h('span', { class: 'visually-hidden' }, 'Quoted post: '),
    h('span', { class: 'quote-head' }, avatar(quoted.account, 20), h('bdi', { class: 'name' }, displayName(quoted.account)), h('span', { class: 'acct' }, ` @${quoted.account.acct}`)),
    quoted.spoiler_text ? h('p', { class: 'cw-text' }, `CW: ${quoted.spoiler_text}`) : serverHtml('content', quoted.content));
}

export function quotePreview(quoted: Status): HTMLElement {
  return quoteCard({ state: 'accepted', quoted_status: quoted });
}

let renderCount = 0;

export function renderStatus(entry: Status, actions: StatusActions, options: { focused?: boolean; context?: Child[] } = {}): HTMLElement {
  const s = entry.reblog ?? entry;
  const mine = actions.me?.id === s.account.id;
  // Ids unique on the page even when one status is shown twice.
  const idBase = `s-${entry.id}-${++renderCount}`;
  const headingId = `${idBase}-by`;
  const textId = `${idBase}-text`;
  // Labelled by its author and its text (or its content warning), so a list of posts reads as one.
  const article = h('article', { class: `status${options.focused ? ' focused' : ''}`, 'data-id': entry.id, 'data-status-id': s.id, tabindex: 0, 'aria-labelledby': `${headingId} ${textId}` });
  if (entry.reblog) {
    append(article, h('p', { class: 'context-line' }, icon('repost'), h('a', { href: profilePath(entry.account) }, h('bdi', {}, displayName(entry.account))), ' reposted'));
  } else if (options.context) {
    append(article, h('p', { class: 'context-line' }, ...options.context));
  }
  const content: HTMLElement[] = [];
  let body: HTMLElement = serverHtml('content', s.content);
  body.id = textId;
  if (s.spoiler_text) {
    const bodyId = `${idBase}-body`;
    body.id = bodyId;
    body.hidden = true;
    const toggle = h('button', { type: 'button', class: 'cw-toggle', 'aria-expanded': 'false', 'aria-controls': bodyId }, 'Show more');
    toggle.addEventListener('click', (e) => {
      e.stopPropagation();
      body.hidden = !body.hidden;
      toggle.setAttribute('aria-expanded', String(!body.hidden));
      toggle.textContent = body.hidden ? 'Show more' : 'Show less';
    });
    content.push(h('div', { class: 'cw' }, h('p', { class: 'cw-text', id: textId }, s.spoiler_text), toggle));
  }
  content.push(body);
  const blurred = (entry.filtered ?? []).some((r) => r.filter.filter_action === 'blur');
  const gallery = mediaGallery(blurred ? { ...s, sensitive: true } : s);
  if (gallery) content.push(gallery);
  if (s.quote) content.push(quoteCard(s.quote));
  const warning = filterWarning(entry, content);
  if (warning) content.splice(0, content.length, warning);

  const replyButton = h('button', { type: 'button', class: 'action reply', title: 'Reply' }, icon('reply'), h('span', { class: 'visually-hidden' }, 'Reply'), h('span', { class: 'count' }, countLabel(s.replies_count)));
  replyButton.addEventListener('click', (e) => { e.stopPropagation(); actions.reply(s); });
  // Followers-only posts can be quoted by their author only, and reposted by no one else; private
  // mentions neither (the server refuses; the buttons say so first).
  const quotable = (s.quote_approval?.current_user ?? 'automatic') !== 'denied';
  const quoteButton = h('button', { type: 'button', class: 'action quote-action', 'aria-label': quotable ? 'Quote' : 'Quote (not allowed for this post)', title: 'Quote', disabled: !quotable }, icon('quote'));
  quoteButton.addEventListener('click', (e) => { e.stopPropagation(); actions.quote(s); });
  const repost = toggleButton(s, 'reblog', actions);
  if (s.visibility === 'direct' || (s.visibility === 'private' && !mine)) {
    repost.disabled = true;
    repost.querySelector('.visually-hidden')!.textContent = 'Repost (not allowed for this post)';
  }
  const more = h('button', { type: 'button', class: 'action more', 'aria-label': 'More', title: 'More', 'aria-haspopup': 'menu', 'aria-expanded': 'false' }, icon('more'));
  more.addEventListener('click', (e) => { e.stopPropagation(); actions.menu(s, more); });
  const bar = h('div', { class: 'actions', role: 'group', 'aria-label': 'Post actions' },
    replyButton, repost, quoteButton, toggleButton(s, 'favourite', actions), toggleButton(s, 'bookmark', actions), more);
  const edited = s.edited_at ? h('button', { type: 'button', class: 'edited', title: `Edited ${new Date(s.edited_at).toLocaleString()}: show the history` }, 'Edited') : null;
  edited?.addEventListener('click', (e) => { e.stopPropagation(); actions.history(s); });

  append(article,
    h('a', { class: 'avatar-link', href: profilePath(s.account), tabindex: -1, 'aria-hidden': 'true' }, avatar(s.account)),
    h('div', { class: 'main' },
      h('header', { class: 'status-head' },
        h('a', { class: 'name', href: profilePath(s.account), id: headingId }, h('bdi', {}, displayName(s.account))),
        h('span', { class: 'acct' }, `@${s.account.acct}`),
        h('a', { class: 'time', href: statusPath(s) }, relativeTime(s.created_at)),
        visibilityBadge(s.visibility), edited),
      s.in_reply_to_id ? h('p', { class: 'context-line' }, ...replyTargets(s, actions.me)) : null,
      ...content, options.focused ? engagement(s) : null, bar));
  // One Tab stop per post: its links and buttons are reached with the arrow keys (post-keys.ts).
  for (const control of article.querySelectorAll<HTMLElement>('a, button')) control.tabIndex = -1;
  return article;
}

/** "3 reposts · 5 likes" under the open post, each a link to who did it. */
function engagement(s: Status): HTMLElement | null {
  const parts: HTMLElement[] = [];
  if (s.reblogs_count) parts.push(h('a', { href: `${statusPath(s)}/reblogs` }, h('strong', {}, String(s.reblogs_count)), s.reblogs_count === 1 ? ' repost' : ' reposts'));
  if (s.favourites_count) parts.push(h('a', { href: `${statusPath(s)}/favourites` }, h('strong', {}, String(s.favourites_count)), s.favourites_count === 1 ? ' like' : ' likes'));
  return parts.length ? h('p', { class: 'engagement' }, ...parts) : null;
}

/**
 * A post matching one of the reader's `warn` filters shows only the filter's name and a button that
 * reveals it (Mastodon's behaviour); `hide` never reaches the page, and `blur` hides its pictures
 * behind a cover, as a sensitive post's (renderStatus).
 */
function filterWarning(entry: Status, content: HTMLElement[]): HTMLElement | null {
  const warned = (entry.filtered ?? []).filter((r) => r.filter.filter_action === 'warn');
  if (!warned.length) return null;
  const hidden = h('div', { class: 'filtered-content', hidden: true }, ...content);
  const show = h('button', { type: 'button', class: 'ghost' }, 'Show anyway');
  show.addEventListener('click', (e) => { e.stopPropagation(); hidden.hidden = false; show.remove(); });
  return h('div', { class: 'filtered' }, h('p', { class: 'cw-text' }, `Filtered: ${warned.map((r) => r.filter.title).join(', ')}`), show, hidden);
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
