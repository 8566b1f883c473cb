// Mastodon entities from loaded data, in one place: pure functions, no I/O (the data comes from
// domain/hydration.ts; api/render.ts puts the two together for the routes).
import type { Config } from '../config.js';
import type { AccountRow, PublicAccountRow } from '../domain/accounts.js';
import type { ConversationRow } from '../domain/conversations.js';
import type { StatusBatch, Surroundings } from '../domain/hydration.js';
import type { NotificationRow } from '../domain/notifications.js';
import type { StatusRow } from '../domain/statuses.js';
import type { TagUsage } from '../domain/tags.js';
import type { Role } from '../domain/roles.js';
import { roleOf } from '../domain/roles.js';
import { renderNoteHtml } from '../domain/text.js';
import { serializeReport, serializeWarning } from './serializers/admin.js';

export type Entity = Record<string, unknown>;

/** What entities need of the configuration: where the instance lives. */
export type Site = Pick<Config, 'publicUrl' | 'domain'>;

/**
 * Mastodon's Account. A suspended account shows as Mastodon shows one: its name and nothing it wrote,
 * `suspended: true`; a silenced (limited) one says `limited: true`; staff roles marked highlighted
 * are shown as badges (`roles`).
 */
export function serializeAccount(site: Site, a: PublicAccountRow): Entity {
  const base = site.publicUrl;
  const avatar = `${base}/avatars/original/missing.png`;
  const header = `${base}/headers/original/missing.png`;
  const suspended = a.suspended_at !== null;
  const role = roleOf(a.role_id);
  return {
    id: a.id, username: a.username, acct: a.username, display_name: suspended ? '' : a.display_name, locked: a.locked, bot: a.bot,
    discoverable: suspended ? false : a.discoverable, indexable: suspended ? false : a.discoverable, group: false, noindex: false,
    created_at: startOfDay(a.created_at),
    note: a.note && !suspended ? renderNoteHtml(a.note, { baseUrl: base, localDomain: site.domain, knownAccounts: new Set() }) : '',
    url: `${base}/@${a.username}`, uri: `${base}/users/${a.username}`,
    avatar, avatar_static: avatar, header, header_static: header,
    followers_count: suspended ? 0 : a.followers_count, following_count: suspended ? 0 : a.following_count, statuses_count: suspended ? 0 : a.statuses_count,
    last_status_at: a.last_status_at && !suspended ? a.last_status_at.toISOString().slice(0, 10) : null,
    hide_collections: false, emojis: [], fields: [],
    roles: role.highlighted && !suspended ? [{ id: String(role.id), name: role.name, color: role.color }] : [],
    ...(suspended ? { suspended: true } : {}),
    ...(a.silenced_at ? { limited: true } : {}),
  };
}

/** Mastodon's Role entity as CredentialAccount and Admin::Account carry it (ids and bitmask as strings). */
export function serializeRole(role: Role): Entity {
  return { id: String(role.id), name: role.name, permissions: String(role.permissions), color: role.color, highlighted: role.highlighted };
}

/** Mastodon reports account creation at day precision. */
function startOfDay(d: Date): string {
  return `${d.toISOString().slice(0, 10)}T00:00:00.000Z`;
}

export function serializeCredentialAccount(site: Site, a: AccountRow, followRequestsCount: number): Entity {
  return {
    ...serializeAccount(site, a),
    source: { note: a.note, fields: [], privacy: 'public', sensitive: false, language: null, follow_requests_count: followRequestsCount, hide_collections: false, discoverable: a.discoverable, indexable: a.discoverable, quote_policy: 'public' },
    role: serializeRole(roleOf(a.role_id)),
  };
}

/** The accounts among `ids` that were loaded, in the order of `ids`. */
export function serializeAccounts(site: Site, ids: string[], accounts: Map<string, PublicAccountRow>): Entity[] {
  return ids.flatMap((id) => { const a = accounts.get(id); return a ? [serializeAccount(site, a)] : []; });
}

/** A status of the page may be shown if hydration kept it (the viewer may see it) and, for a reblog, what it reblogs. */
const isShown = (batch: StatusBatch, row: StatusRow) => batch.statuses.has(row.id) && (!row.reblog_of_id || batch.statuses.has(row.reblog_of_id));

/** The statuses the viewer may see (domain/hydration.ts decides), in the order given; the rest are left out. */
export function serializeStatuses(site: Site, batch: StatusBatch, rows: StatusRow[]): Entity[] {
  return rows.filter((r) => isShown(batch, r)).map((r) => statusEntity(site, batch, r, 0));
}

function statusEntity(site: Site, b: StatusBatch, s: StatusRow, depth: number): Entity {
  const base = site.publicUrl;
  const account = b.accounts.get(s.account_id)!;
  const reblogOf = s.reblog_of_id ? b.statuses.get(s.reblog_of_id) : undefined;
  const url = `${base}/@${account.username}/${s.id}`;
  let quote: Entity | null = null;
  if (s.quote_of_id) {
    const quoted = b.statuses.get(s.quote_of_id);
    if (!quoted) quote = { state: 'deleted', quoted_status: null };
    else if (!b.quotable.has(quoted.id)) quote = { state: 'unauthorized', quoted_status: null };
    else if (depth > 0) quote = { state: 'accepted', quoted_status_id: quoted.id };
    else quote = { state: 'accepted', quoted_status: statusEntity(site, b, quoted, depth + 1) };
  }
  const id = reblogOf ? reblogOf.id : s.id;
  return {
    id: s.id, uri: `${base}/users/${account.username}/statuses/${s.id}`, url: reblogOf ? null : url,
    created_at: s.created_at.toISOString(), edited_at: s.edited_at?.toISOString() ?? null, account: serializeAccount(site, account),
    // A moderator can mark everything an account posts as sensitive (admin action `sensitive`).
    content: reblogOf ? '' : s.content_html, visibility: s.visibility, sensitive: s.sensitive || account.sensitized_at !== null, spoiler_text: s.spoiler_text,
    media_attachments: [], application: null,
    mentions: (b.mentions.get(s.id) ?? []).map((m) => ({ id: m.id, username: m.username, acct: m.username, url: `${base}/@${m.username}` })),
    tags: (b.tags.get(s.id) ?? []).map((name) => ({ name: name.toLowerCase(), url: tagUrl(site, name) })),
    emojis: [], reblogs_count: s.reblogs_count, favourites_count: s.favourites_count, replies_count: s.replies_count, quotes_count: s.quotes_count,
    in_reply_to_id: s.in_reply_to_id, in_reply_to_account_id: s.in_reply_to_account_id,
    reblog: reblogOf ? statusEntity(site, b, reblogOf, depth) : null,
    quote, quote_approval: quoteApproval(b, s),
    poll: null, card: null, language: s.language, text: null, filtered: [],
    favourited: b.favourited.has(id), reblogged: b.reblogged.has(id), muted: false, bookmarked: b.bookmarked.has(id), pinned: b.pinned.has(s.id),
  };
}

/** Who may quote (Mastodon 4.5 rules, see createStatus): anyone for public and unlisted posts, the author alone for followers-only ones. */
function quoteApproval(b: StatusBatch, s: StatusRow): Entity {
  const open = s.visibility === 'public' || s.visibility === 'unlisted';
  const mayQuote = !s.reblog_of_id && (open || (s.visibility === 'private' && s.account_id === b.viewerId));
  return { automatic: open ? ['public'] : [], manual: [], current_user: mayQuote ? 'automatic' : 'denied' };
}

const tagUrl = (site: Site, name: string) => `${site.publicUrl}/tags/${encodeURIComponent(name.toLowerCase())}`;

/** Mastodon's Tag entity; nobody follows hashtags here yet. */
export function serializeTag(site: Site, usage: TagUsage): Entity {
  return { name: usage.name, url: tagUrl(site, usage.name), history: usage.history, following: false };
}

/** Statuses of the surroundings by id, serialized once. */
function statusesById(site: Site, s: Surroundings): Map<string, Entity> {
  const entities = serializeStatuses(site, s.batch, s.statuses);
  return new Map(entities.map((e) => [e.id as string, e]));
}

/** Notifications about a status the reader may no longer see (an edit took them out, a block) are left out. */
export function serializeNotifications(site: Site, rows: NotificationRow[], s: Surroundings): Entity[] {
  const statuses = statusesById(site, s);
  return rows.filter((n) => !n.status_id || statuses.has(n.status_id)).map((n) => {
    const report = n.report_id ? s.reports.get(n.report_id) : undefined;
    const warning = n.account_warning_id ? s.warnings.get(n.account_warning_id) : undefined;
    return {
      id: n.id, type: n.type, created_at: n.created_at.toISOString(), group_key: `ungrouped-${n.id}`,
      account: serializeAccount(site, s.accounts.get(n.from_account_id)!),
      status: n.status_id ? statuses.get(n.status_id) ?? null : null,
      ...(report ? { report: serializeReport(site, report, s.accounts.get(report.target_account_id)!) } : {}),
      ...(warning ? { moderation_warning: serializeWarning(site, warning, s.accounts.get(n.account_id) ?? s.accounts.get(n.from_account_id)!) } : {}),
    };
  });
}

/** Mastodon's Conversation entity: `accounts` are the other participants (the viewer, for a note to oneself). */
export function serializeConversations(site: Site, rows: ConversationRow[], participants: (c: ConversationRow) => string[], s: Surroundings): Entity[] {
  const statuses = statusesById(site, s);
  return rows.map((c) => ({
    id: c.id, unread: c.unread,
    accounts: serializeAccounts(site, participants(c), s.accounts),
    last_status: statuses.get(c.last_status_id) ?? null,
  }));
}
