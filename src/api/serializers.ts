// Rows → Mastodon entities, in one place. Statuses are hydrated in batches (accounts, mentions, tags,
// reblogged and quoted statuses, the viewer's favourites/reblogs/bookmarks): a fixed number of
// queries per page, never one per status.
import type { AppContext } from '../context.js';
import type { Queryable } from '../db/index.js';
import { getAccounts, type AccountRow } from '../domain/accounts.js';
import type { NotificationRow } from '../domain/notifications.js';
import { STATUS_COLUMNS, getStatuses, type StatusRow } from '../domain/statuses.js';
import { renderNoteHtml } from '../domain/text.js';
import { visibleTo } from '../domain/visibility.js';

export type Entity = Record<string, unknown>;

export function serializeAccount(ctx: AppContext, a: AccountRow): Entity {
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
  accounts: Map<string, AccountRow>;
  statuses: Map<string, StatusRow>;
  quotable: Set<string>;
  mentions: Map<string, Array<{ id: string; username: string }>>;
  tags: Map<string, string[]>;
  favourited: Set<string>; reblogged: Set<string>; bookmarked: Set<string>; pinned: Set<string>;
}

export async function serializeStatuses(ctx: AppContext, db: Queryable, viewerId: string | null, rows: StatusRow[]): Promise<Entity[]> {
  if (rows.length === 0) return [];
  const statuses = new Map(rows.map((r) => [r.id, r]));
  const missing = (ids: Array<string | null>) => ids.filter((id): id is string => !!id && !statuses.has(id));
  for (const [id, s] of await getStatuses(db, missing(rows.map((r) => r.reblog_of_id)))) statuses.set(id, s);
  const quoteIds = [...new Set([...statuses.values()].map((s) => s.quote_of_id).filter((id): id is string => !!id))];
  const quotable = new Set<string>();
  if (quoteIds.length) {
    const visible = await db.query<StatusRow>(`select ${STATUS_COLUMNS} from statuses s where s.id = any($1::bigint[]) and ${visibleTo('$2')}`, [quoteIds, viewerId]);
    for (const s of visible) { quotable.add(s.id); if (!statuses.has(s.id)) statuses.set(s.id, s); }
  }
  const ids = [...statuses.keys()];
  const [accounts, mentionRows, tagRows, viewerRows] = await Promise.all([
    getAccounts(db, [...statuses.values()].map((s) => s.account_id)),
    db.query<{ status_id: string; id: string; username: string }>('select m.status_id, a.id, a.username from mentions m join accounts a on a.id = m.account_id where m.status_id = any($1::bigint[])', [ids]),
    db.query<{ status_id: string; name: string }>('select st.status_id, t.name from status_tags st join tags t on t.id = st.tag_id where st.status_id = any($1::bigint[])', [ids]),
    viewerId
      ? db.query<{ kind: string; status_id: string }>(
        `select 'f' as kind, status_id from favourites where account_id = $1 and status_id = any($2::bigint[])
         union all select 'r', reblog_of_id from statuses where account_id = $1 and reblog_of_id = any($2::bigint[])
         union all select 'b', status_id from bookmarks where account_id = $1 and status_id = any($2::bigint[])
         union all select 'p', status_id from status_pins where account_id = $1 and status_id = any($2::bigint[])`, [viewerId, ids])
      : Promise.resolve([] as Array<{ kind: string; status_id: string }>),
  ]);
  const batch: Batch = {
    viewerId, accounts, statuses, quotable, mentions: new Map(), tags: new Map(),
    favourited: new Set(), reblogged: new Set(), bookmarked: new Set(), pinned: new Set(),
  };
  for (const m of mentionRows) (batch.mentions.get(m.status_id) ?? batch.mentions.set(m.status_id, []).get(m.status_id)!).push({ id: m.id, username: m.username });
  for (const t of tagRows) (batch.tags.get(t.status_id) ?? batch.tags.set(t.status_id, []).get(t.status_id)!).push(t.name);
  const sets: Record<string, Set<string>> = { f: batch.favourited, r: batch.reblogged, b: batch.bookmarked, p: batch.pinned };
  for (const v of viewerRows) sets[v.kind]!.add(v.status_id);
  return rows.map((r) => statusEntity(ctx, batch, r, 0));
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
