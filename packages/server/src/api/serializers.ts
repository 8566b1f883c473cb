// Rows → Mastodon entities, in one place. Statuses are hydrated in batches (accounts, mentions, tags,
// reblogged and quoted statuses, the viewer's favourites/reblogs/bookmarks): a fixed number of
// queries per page, never one per status.
import type { AppContext } from '../context.js';
import type { Queryable } from '../db/index.js';
import { getAccounts, type AccountRow, type PublicAccountRow } from '../domain/accounts.js';
import type { ConversationRow } from '../domain/conversations.js';
import type { NotificationRow } from '../domain/notifications.js';
import { STATUS_COLUMNS, STATUS_FIELDS, getStatuses, type StatusRow } from '../domain/statuses.js';
import { renderNoteHtml } from '../domain/text.js';
import { visibleTo } from '../domain/visibility.js';

export type Entity = Record<string, unknown>;

export function serializeAccount(ctx: AppContext, a: PublicAccountRow): Entity {
  const base = ctx.config.publicUrl;
  const avatar = `${base}/avatars/original/missing.png`;
  const header = `${base}/headers/original/missing.png`;
  return {
    id: a.id, username: a.username, acct: a.username, display_name: a.display_name, locked: a.locked, bot: a.bot,
    discoverable: a.discoverable, indexable: a.discoverable, group: false, noindex: false,
    created_at: startOfDay(a.created_at),
    note: a.note ? renderNoteHtml(a.note, { baseUrl: base, localDomain: ctx.config.domain, knownAccounts: new Set() }) : '',
    url: `${base}/@${a.username}`, uri: `${base}/users/${a.username}`,
    avatar, avatar_static: avatar, header, header_static: header,
    followers_count: a.followers_count, following_count: a.following_count, statuses_count: a.statuses_count,
    last_status_at: a.last_status_at ? a.last_status_at.toISOString().slice(0, 10) : null,
    hide_collections: false, emojis: [], fields: [], roles: [],
  };
}

/** Mastodon reports account creation at day precision. */
function startOfDay(d: Date): string {
  return `${d.toISOString().slice(0, 10)}T00:00:00.000Z`;
}

export function serializeCredentialAccount(ctx: AppContext, a: AccountRow, followRequestsCount = 0): Entity {
  return {
    ...serializeAccount(ctx, a),
    source: { note: a.note, fields: [], privacy: 'public', sensitive: false, language: null, follow_requests_count: followRequestsCount, hide_collections: false, discoverable: a.discoverable, indexable: a.discoverable, quote_policy: 'public' },
    role: { id: '-99', name: '', permissions: '0', color: '', highlighted: false },
  };
}

export async function serializeAccountsById(ctx: AppContext, db: Queryable, ids: string[]): Promise<Entity[]> {
  const accounts = await getAccounts(db, ids);
  return ids.flatMap((id) => { const a = accounts.get(id); return a ? [serializeAccount(ctx, a)] : []; });
}

interface Batch {
  viewerId: string | null;
  accounts: Map<string, PublicAccountRow>;
  statuses: Map<string, StatusRow>;
  quotable: Set<string>;
  mentions: Map<string, Array<{ id: string; username: string }>>;
  tags: Map<string, string[]>;
  favourited: Set<string>; reblogged: Set<string>; bookmarked: Set<string>; pinned: Set<string>;
}

/** The account columns an entity shows, prefixed so they can sit beside a status's columns in one row. */
const ACCOUNT_FIELDS = ['username', 'display_name', 'note', 'locked', 'bot', 'discoverable', 'created_at', 'followers_count', 'following_count', 'statuses_count', 'last_status_at'] as const;

type HydrationRow = Record<string, any> & {
  kind: 'page' | 'original' | 'quoted'; id: string; account_id: string;
  mentions: Array<[string, string]> | null; tags: string[]; favourited: boolean; reblogged: boolean; bookmarked: boolean; pinned: boolean;
};

/**
 * Everything a page of statuses needs besides its own rows, in one query (one round trip): the statuses
 * they reblog, the visible statuses they (or those) quote, every author, mentions, hashtags and the
 * viewer's favourite/reblog/bookmark/pin of each. Its only array parameter is the page's ids (all else is
 * found from them), so that PostgreSQL's generic plan for it is estimated cheaper than a custom one and
 * is used: planning this statement anew on every call cost more than running it (BENCHMARKS.md).
 * The page's statuses must still exist (serialise a status before deleting it).
 */
const HYDRATE_SQL = `
  with page as (select s.id, s.account_id, s.reblog_of_id, s.quote_of_id from statuses s where s.id = any($1::bigint[])),
  originals as (select ${STATUS_COLUMNS} from statuses s where s.id in (select reblog_of_id from page)),
  quoted as (
    select ${STATUS_COLUMNS} from statuses s
    where s.id in (select quote_of_id from page union select quote_of_id from originals) and ${visibleTo('$2')}),
  targets as (
    select 'page' as kind, id, account_id from page
    union all select 'original', id, account_id from originals
    union all select 'quoted', id, account_id from quoted)
  select t.kind, t.id, t.account_id,
    ${STATUS_FIELDS.filter((c) => c !== 'id' && c !== 'account_id').map((c) => `s.${c}`).join(', ')},
    ${ACCOUNT_FIELDS.map((c) => `a.${c} as a_${c}`).join(', ')},
    (select json_agg(json_build_array(ma.id::text, ma.username)) from mentions m join accounts ma on ma.id = m.account_id where m.status_id = t.id) as mentions,
    array(select tg.name from status_tags st join tags tg on tg.id = st.tag_id where st.status_id = t.id) as tags,
    exists (select 1 from favourites f where f.account_id = $2 and f.status_id = t.id) as favourited,
    exists (select 1 from statuses r where r.account_id = $2 and r.reblog_of_id = t.id) as reblogged,
    exists (select 1 from bookmarks b where b.account_id = $2 and b.status_id = t.id) as bookmarked,
    exists (select 1 from status_pins p where p.account_id = $2 and p.status_id = t.id) as pinned
  from targets t
  join accounts a on a.id = t.account_id
  left join (select 'original' as kind, * from originals union all select 'quoted', * from quoted) s on s.kind = t.kind and s.id = t.id`;

export async function serializeStatuses(ctx: AppContext, db: Queryable, viewerId: string | null, rows: StatusRow[]): Promise<Entity[]> {
  if (rows.length === 0) return [];
  const statuses = new Map(rows.map((r) => [r.id, r]));
  const hydration = await db.query<HydrationRow>(HYDRATE_SQL, [rows.map((r) => r.id), viewerId]);
  const batch: Batch = {
    viewerId, accounts: new Map(), statuses, quotable: new Set(), mentions: new Map(), tags: new Map(),
    favourited: new Set(), reblogged: new Set(), bookmarked: new Set(), pinned: new Set(),
  };
  for (const h of hydration) {
    if (h.kind !== 'page' && !statuses.has(h.id)) statuses.set(h.id, pick(h, STATUS_FIELDS) as unknown as StatusRow);
    if (h.kind === 'quoted') batch.quotable.add(h.id);
    if (!batch.accounts.has(h.account_id)) batch.accounts.set(h.account_id, { id: h.account_id, ...pick(h, ACCOUNT_FIELDS, 'a_') } as PublicAccountRow);
    if (h.mentions) batch.mentions.set(h.id, h.mentions.map(([id, username]) => ({ id, username })));
    if (h.tags.length) batch.tags.set(h.id, h.tags);
    if (h.favourited) batch.favourited.add(h.id);
    if (h.reblogged) batch.reblogged.add(h.id);
    if (h.bookmarked) batch.bookmarked.add(h.id);
    if (h.pinned) batch.pinned.add(h.id);
  }
  return rows.map((r) => statusEntity(ctx, batch, r, 0));
}

function pick(row: Record<string, unknown>, fields: readonly string[], prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) out[f] = row[prefix + f];
  return out;
}

function statusEntity(ctx: AppContext, b: Batch, s: StatusRow, depth: number): Entity {
  const base = ctx.config.publicUrl;
  const account = b.accounts.get(s.account_id)!;
  const reblogOf = s.reblog_of_id ? b.statuses.get(s.reblog_of_id) : undefined;
  const url = `${base}/@${account.username}/${s.id}`;
  let quote: Entity | null = null;
  if (s.quote_of_id) {
    const quoted = b.statuses.get(s.quote_of_id);
    if (!quoted) quote = { state: 'deleted', quoted_status: null };
    else if (!b.quotable.has(quoted.id)) quote = { state: 'unauthorized', quoted_status: null };
    else if (depth > 0) quote = { state: 'accepted', quoted_status_id: quoted.id };
    else quote = { state: 'accepted', quoted_status: statusEntity(ctx, b, quoted, depth + 1) };
  }
  const id = reblogOf ? reblogOf.id : s.id;
  return {
    id: s.id, uri: `${base}/users/${account.username}/statuses/${s.id}`, url: reblogOf ? null : url,
    created_at: s.created_at.toISOString(), edited_at: s.edited_at?.toISOString() ?? null, account: serializeAccount(ctx, account),
    content: reblogOf ? '' : s.content_html, visibility: s.visibility, sensitive: s.sensitive, spoiler_text: s.spoiler_text,
    media_attachments: [], application: null,
    mentions: (b.mentions.get(s.id) ?? []).map((m) => ({ id: m.id, username: m.username, acct: m.username, url: `${base}/@${m.username}` })),
    tags: (b.tags.get(s.id) ?? []).map((name) => ({ name: name.toLowerCase(), url: `${base}/tags/${encodeURIComponent(name.toLowerCase())}` })),
    emojis: [], reblogs_count: s.reblogs_count, favourites_count: s.favourites_count, replies_count: s.replies_count, quotes_count: s.quotes_count,
    in_reply_to_id: s.in_reply_to_id, in_reply_to_account_id: s.in_reply_to_account_id,
    reblog: reblogOf ? statusEntity(ctx, b, reblogOf, depth) : null,
    quote, quote_approval: quoteApproval(b, s),
    poll: null, card: null, language: s.language, text: null, filtered: [],
    favourited: b.favourited.has(id), reblogged: b.reblogged.has(id), muted: false, bookmarked: b.bookmarked.has(id), pinned: b.pinned.has(s.id),
  };
}

/** Who may quote (Mastodon 4.5 rules, see createStatus): anyone for public and unlisted posts, the author alone for followers-only ones. */
function quoteApproval(b: Batch, s: StatusRow): Entity {
  const open = s.visibility === 'public' || s.visibility === 'unlisted';
  const mayQuote = !s.reblog_of_id && (open || (s.visibility === 'private' && s.account_id === b.viewerId));
  return { automatic: open ? ['public'] : [], manual: [], current_user: mayQuote ? 'automatic' : 'denied' };
}

export async function serializeNotifications(ctx: AppContext, db: Queryable, viewerId: string, rows: NotificationRow[]): Promise<Entity[]> {
  const statusRows = await getStatuses(db, rows.map((n) => n.status_id).filter((id): id is string => !!id));
  const statuses = await serializeStatuses(ctx, db, viewerId, [...statusRows.values()]);
  const byId = new Map(statuses.map((s) => [s.id as string, s]));
  const accounts = await getAccounts(db, rows.map((n) => n.from_account_id));
  return rows.map((n) => ({
    id: n.id, type: n.type, created_at: n.created_at.toISOString(), group_key: `ungrouped-${n.id}`,
    account: serializeAccount(ctx, accounts.get(n.from_account_id)!),
    status: n.status_id ? byId.get(n.status_id) ?? null : null,
  }));
}

/**
 * Mastodon's Conversation entity, a page at a time: the last statuses hydrated together, the
 * participants read in one query. `accounts` are the other participants; a note to oneself shows
 * the viewer, as Mastodon does.
 */
export async function serializeConversations(ctx: AppContext, db: Queryable, viewerId: string, rows: ConversationRow[]): Promise<Entity[]> {
  if (rows.length === 0) return [];
  const statusRows = await getStatuses(db, rows.map((c) => c.last_status_id));
  const statuses = await serializeStatuses(ctx, db, viewerId, [...statusRows.values()]);
  const byId = new Map(statuses.map((s) => [s.id as string, s]));
  const participantsOf = (c: ConversationRow) => (c.participant_ids.length ? c.participant_ids : [viewerId]);
  const accounts = await getAccounts(db, rows.flatMap(participantsOf));
  return rows.map((c) => ({
    id: c.id, unread: c.unread,
    accounts: participantsOf(c).flatMap((id) => { const a = accounts.get(id); return a ? [serializeAccount(ctx, a)] : []; }),
    last_status: byId.get(c.last_status_id) ?? null,
  }));
}
