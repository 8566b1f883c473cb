// Mastodon entities from loaded data, in one place: pure functions, no I/O (the data comes from
// domain/hydration.ts; api/render.ts puts the two together for the routes).
import type { Config } from '../config.js';
import type { AccountRow, PublicAccountRow } from '../domain/accounts.js';
import type { ConversationRow } from '../domain/conversations.js';
import type { FilterMatch, FilterRow, KeywordRow, FilterStatusRow } from '../domain/filters.js';
import type { StatusBatch, Surroundings } from '../domain/hydration.js';
import type { FeaturedTagRow } from '../domain/featured-tags.js';
import type { ListRow } from '../domain/lists.js';
import type { GroupData, GroupRow } from '../domain/notification-groups.js';
import type { NotificationRequestRow } from '../domain/notification-requests.js';
import type { MediaRow } from '../domain/media.js';
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
 * are shown as badges (`roles`). Its profile, then its counters: the entity cache's split
 * (account-fields.ts), which api/statuses-json.ts follows to keep the profile's JSON.
 */
export function serializeAccount(site: Site, a: PublicAccountRow): Entity {
  return { ...accountProfile(site, a), ...accountCounters(a) };
}

/** What an account's entity shows besides its counters: the same for as long as the account's version is. */
export function accountProfile(site: Site, a: PublicAccountRow): Entity {
  const base = site.publicUrl;
  const avatar = a.avatar_key ? mediaUrl(site, a.avatar_key) : `${base}/avatars/original/missing.png`;
  const header = a.header_key ? mediaUrl(site, a.header_key) : `${base}/headers/original/missing.png`;
  const suspended = a.suspended_at !== null;
  const role = roleOf(a.role_id);
  return {
    id: a.id, username: a.username, acct: a.username, display_name: suspended ? '' : a.display_name, locked: a.locked, bot: a.bot,
    discoverable: suspended ? false : a.discoverable, indexable: suspended ? false : a.discoverable, group: false, noindex: false,
    created_at: startOfDay(a.created_at),
    note: a.note && !suspended ? renderNoteHtml(a.note, { baseUrl: base, localDomain: site.domain, knownAccounts: new Set() }) : '',
    url: `${base}/@${a.username}`, uri: `${base}/users/${a.username}`,
    avatar, avatar_static: avatar, header, header_static: header,
    hide_collections: false, emojis: [], fields: [],
    roles: role.highlighted && !suspended ? [{ id: String(role.id), name: role.name, color: role.color }] : [],
    ...(suspended ? { suspended: true } : {}),
    ...(a.silenced_at ? { limited: true } : {}),
  };
}

/** An account's counters as its entity shows them: a suspended account shows none. */
export function accountCounters(a: PublicAccountRow): Entity {
  const suspended = a.suspended_at !== null;
  return {
    followers_count: suspended ? 0 : a.followers_count, following_count: suspended ? 0 : a.following_count, statuses_count: suspended ? 0 : a.statuses_count,
    last_status_at: a.last_status_at && !suspended ? a.last_status_at.toISOString().slice(0, 10) : null,
  };
}

/** Where a stored file is served (api/media.ts): content-addressed, so cached for good. */
export const mediaUrl = (site: Site, key: string) => `${site.publicUrl}/system/${key}`;

const round = (n: number) => Math.round(n * 100) / 100;

/**
 * Mastodon's MediaAttachment: `url` is null while processing (the 202 and 206 answers); a failed one
 * is `unknown`. The preview is the client's own thumbnail when it gave one.
 */
export function serializeMedia(site: Site, m: MediaRow): Entity {
  const preview = m.thumbnail_key ?? m.preview_key;
  return {
    id: m.id, type: m.state === 'failed' ? 'unknown' : m.type,
    url: m.state === 'ready' && m.file_key ? mediaUrl(site, m.file_key) : null,
    preview_url: preview ? mediaUrl(site, preview) : null,
    remote_url: null, preview_remote_url: null, text_url: null,
    meta: { ...m.meta, focus: { x: round(m.focus_x), y: round(m.focus_y) } },
    description: m.description || null, blurhash: m.blurhash,
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

/**
 * A status of the page may be shown if hydration kept it (the viewer may see it) and, for a reblog,
 * what it reblogs, and no filter of the viewer's hides it where it is shown.
 */
export const isShown = (batch: StatusBatch, row: StatusRow) => batch.statuses.has(row.id) && (!row.reblog_of_id || batch.statuses.has(row.reblog_of_id)) && !batch.hidden.has(row.id);

/** The statuses the viewer may see (domain/hydration.ts decides), in the order given; the rest are left out. */
export function serializeStatuses(site: Site, batch: StatusBatch, rows: StatusRow[]): Entity[] {
  return rows.filter((r) => isShown(batch, r)).map((r) => statusEntity(site, batch, r, 0));
}

/**
 * Mastodon's Status, in four parts that api/statuses-json.ts splices as JSON text in the same order:
 * its content, its author, what this viewer and this moment show of it, and the statuses it reblogs
 * and quotes.
 */
function statusEntity(site: Site, b: StatusBatch, s: StatusRow, depth: number): Entity {
  const account = b.accounts.get(s.account_id)!;
  const reblogOf = s.reblog_of_id ? b.statuses.get(s.reblog_of_id) : undefined;
  const quote = quoteOf(b, s, depth);
  return {
    ...statusContent(site, s, account.username, b.mentions.get(s.id) ?? [], b.tags.get(s.id) ?? []),
    account: serializeAccount(site, account),
    ...statusView(site, b, s, account, reblogOf),
    reblog: reblogOf ? statusEntity(site, b, reblogOf, depth) : null,
    quote: !quote ? null : 'status' in quote ? { state: 'accepted', quoted_status: statusEntity(site, b, quote.status, depth + 1) } : quote.entity,
  };
}

/**
 * What a status's entity shows of its own content, by the name of its author: the same for as long
 * as the status's version is (the entity cache's, domain/hydration.ts), as are its mentions and tags.
 */
export function statusContent(site: Site, s: Omit<StatusRow, 'replies_count' | 'reblogs_count' | 'favourites_count' | 'quotes_count'>, username: string, mentions: Array<{ id: string; username: string }>, tags: string[]): Entity {
  const base = site.publicUrl;
  const reblog = s.reblog_of_id !== null;
  return {
    id: s.id, uri: `${base}/users/${username}/statuses/${s.id}`, url: reblog ? null : `${base}/@${username}/${s.id}`,
    created_at: s.created_at.toISOString(), edited_at: s.edited_at?.toISOString() ?? null,
    content: reblog ? '' : s.content_html, visibility: s.visibility, spoiler_text: s.spoiler_text, application: null,
    mentions: mentions.map((m) => ({ id: m.id, username: m.username, acct: m.username, url: `${base}/@${m.username}` })),
    tags: tags.map((name) => ({ name: name.toLowerCase(), url: tagUrl(site, name) })),
    emojis: [], in_reply_to_id: s.in_reply_to_id, in_reply_to_account_id: s.in_reply_to_account_id,
    poll: null, card: null, language: s.language, text: null,
  };
}

/** What a status's entity shows that its content does not decide: counters, media, the viewer's flags and filters. */
export function statusView(site: Site, b: StatusBatch, s: StatusRow, account: PublicAccountRow, reblogOf: StatusRow | undefined): Entity {
  const id = reblogOf ? reblogOf.id : s.id;
  return {
    // A moderator can mark everything an account posts as sensitive (admin action `sensitive`).
    sensitive: s.sensitive || account.sensitized_at !== null,
    media_attachments: (s.media_ids ?? []).flatMap((id) => { const m = b.media.get(String(id)); return m ? [serializeMedia(site, m)] : []; }),
    reblogs_count: s.reblogs_count, favourites_count: s.favourites_count, replies_count: s.replies_count, quotes_count: s.quotes_count,
    quote_approval: quoteApproval(b, s), filtered: (b.filtered.get(s.id) ?? []).map(serializeFilterResult),
    favourited: b.favourited.has(id), reblogged: b.reblogged.has(id), muted: b.muted.has(id), bookmarked: b.bookmarked.has(id), pinned: b.pinned.has(s.id),
  };
}

/**
 * What a status shows of the one it quotes: nothing (null); its Quote entity when that is a state
 * alone or the quoted status's id (a quote within a quote); or the quoted status, shown in full.
 */
export function quoteOf(b: StatusBatch, s: StatusRow, depth: number): { entity: Entity } | { status: StatusRow } | null {
  if (!s.quote_of_id) return null;
  const quoted = b.statuses.get(s.quote_of_id);
  if (!quoted) return { entity: { state: 'deleted', quoted_status: null } };
  if (!b.quotable.has(quoted.id)) return { entity: { state: 'unauthorized', quoted_status: null } };
  if (depth > 0) return { entity: { state: 'accepted', quoted_status_id: quoted.id } };
  return { status: quoted };
}

/** Who may quote (Mastodon 4.5 rules, see createStatus): anyone for public and unlisted posts, the author alone for followers-only ones. */
function quoteApproval(b: StatusBatch, s: StatusRow): Entity {
  const open = s.visibility === 'public' || s.visibility === 'unlisted';
  const mayQuote = !s.reblog_of_id && (open || (s.visibility === 'private' && s.account_id === b.viewerId));
  return { automatic: open ? ['public'] : [], manual: [], current_user: mayQuote ? 'automatic' : 'denied' };
}

const tagUrl = (site: Site, name: string) => `${site.publicUrl}/tags/${encodeURIComponent(name.toLowerCase())}`;

/** Mastodon's Tag entity. */
export function serializeTag(site: Site, usage: TagUsage, following: boolean): Entity {
  return { ...(usage.id ? { id: usage.id } : {}), name: usage.name, url: tagUrl(site, usage.name), history: usage.history, following };
}

/** Statuses of the surroundings by id, serialized once. */
function statusesById(site: Site, s: Surroundings): Map<string, Entity> {
  const entities = serializeStatuses(site, s.batch, s.statuses);
  return new Map(entities.map((e) => [e.id as string, e]));
}

/** Notifications about a status the reader may no longer see (an edit took them out, a block) are left out. */
export function serializeNotifications(site: Site, rows: NotificationRow[], s: Surroundings): Entity[] {
  const statuses = statusesById(site, s);
  return rows.filter((n) => !n.status_id || statuses.has(n.status_id)).map((n) => ({
    id: n.id, type: n.type, created_at: n.created_at.toISOString(), group_key: n.group_key ?? `ungrouped-${n.id}`,
    account: serializeAccount(site, s.accounts.get(n.from_account_id)!),
    status: n.status_id ? statuses.get(n.status_id) ?? null : null,
    ...moderationParts(site, n, s),
  }));
}

/** Notification types whose group names the status it is about (Mastodon's NotificationGroupSerializer). */
const GROUP_STATUS_TYPES = new Set(['favourite', 'reblog', 'status', 'mention', 'poll', 'update', 'quote', 'quoted_update']);

/** What a client needs to draw a row of avatars (Mastodon's PartialAccountWithAvatar). */
function partialAccount(site: Site, a: PublicAccountRow): Entity {
  const { id, acct, locked, bot, url, avatar, avatar_static } = serializeAccount(site, a);
  return { id, acct, locked, bot, url, avatar, avatar_static };
}

export interface GroupOptions {
  /** A page of groups (page_min_id and the like are shown) rather than one group looked up. */
  paginated: boolean;
  /** expand_accounts=partial_avatars: only each group's most recent actor in full. */
  partialAvatars: boolean;
}


/** What an admin.report or moderation_warning notification (or group) carries: the report, or the warning. */
function moderationParts(site: Site, n: NotificationRow, s: Surroundings): Entity {
  const report = n.report_id ? s.reports.get(n.report_id) : undefined;
  const warning = n.account_warning_id ? s.warnings.get(n.account_warning_id) : undefined;
  return {
    ...(report ? { report: serializeReport(site, report, s.accounts.get(report.target_account_id)!) } : {}),
    ...(warning ? { moderation_warning: serializeWarning(site, warning, s.accounts.get(n.account_id) ?? s.accounts.get(n.from_account_id)!) } : {}),
  };
}
/**
 * Mastodon's GroupedNotificationsResults: the groups, and once each the accounts and statuses they
 * refer to. A group about a status the reader may no longer see is left out, as notifications are.
 */
export function serializeNotificationGroups(site: Site, rows: GroupRow[], data: Map<string, GroupData>, s: Surroundings, options: GroupOptions): Entity {
  const statuses = statusesById(site, s);
  const groups: Entity[] = [];
  const firstAccounts: string[] = [];
  const otherAccounts: string[] = [];
  const statusIds: string[] = [];
  for (const n of rows) {
    if (n.status_id && !statuses.has(n.status_id)) continue;
    const d = data.get(n.key) ?? { mostRecentId: n.id, sampleAccountIds: [n.from_account_id], count: 1, pageMinId: n.id, latestAt: n.created_at };
    const samples = d.sampleAccountIds.filter((id) => s.accounts.has(id));
    firstAccounts.push(...samples.slice(0, 1));
    otherAccounts.push(...samples.slice(1));
    const withStatus = GROUP_STATUS_TYPES.has(n.type) && n.status_id;
    if (withStatus) statusIds.push(n.status_id!);
    groups.push({
      group_key: n.key, notifications_count: d.count, type: n.type, most_recent_notification_id: d.mostRecentId,
      ...(options.paginated ? { page_min_id: d.pageMinId ?? n.id, page_max_id: d.mostRecentId, latest_page_notification_at: (d.latestAt ?? n.created_at).toISOString() } : {}),
      sample_account_ids: samples,
      ...(withStatus ? { status_id: n.status_id } : {}),
      ...moderationParts(site, n, s),
    });
  }
  const full = [...new Set(options.partialAvatars ? firstAccounts : [...firstAccounts, ...otherAccounts])];
  const partial = options.partialAvatars ? [...new Set(otherAccounts)].filter((id) => !full.includes(id)) : [];
  return {
    accounts: serializeAccounts(site, full, s.accounts),
    ...(options.partialAvatars ? { partial_accounts: partial.map((id) => partialAccount(site, s.accounts.get(id)!)) } : {}),
    statuses: [...new Set(statusIds)].map((id) => statuses.get(id)!),
    notification_groups: groups,
  };
}

/** Mastodon's NotificationRequest: the sender, how many notifications wait, and the latest post among them. */
export function serializeNotificationRequests(site: Site, rows: NotificationRequestRow[], s: Surroundings): Entity[] {
  const statuses = statusesById(site, s);
  return rows.filter((r) => s.accounts.has(r.from_account_id)).map((r) => ({
    id: r.id, created_at: r.created_at.toISOString(), updated_at: r.updated_at.toISOString(),
    notifications_count: r.notifications_count,
    account: serializeAccount(site, s.accounts.get(r.from_account_id)!),
    last_status: r.last_status_id ? statuses.get(r.last_status_id) ?? null : null,
  }));
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

/** Mastodon's List entity. */
export const serializeList = (l: ListRow): Entity => ({ id: l.id, title: l.title, replies_policy: l.replies_policy, exclusive: l.exclusive });

/** Mastodon's Filter entity; in a FilterResult, without its keywords and statuses (as Mastodon shows it there). */
export function serializeFilter(f: FilterRow, rules = true): Entity {
  return {
    id: f.id, title: f.title, context: f.context, expires_at: f.expires_at?.toISOString() ?? null, filter_action: f.action,
    ...(rules ? { keywords: f.keywords.map(serializeFilterKeyword), statuses: f.statuses.map(serializeFilterStatus) } : {}),
  };
}

export const serializeFilterKeyword = (k: KeywordRow): Entity => ({ id: k.id, keyword: k.keyword, whole_word: k.whole_word });
export const serializeFilterStatus = (s: FilterStatusRow): Entity => ({ id: s.id, status_id: s.status_id });

function serializeFilterResult(m: FilterMatch): Entity {
  return { filter: serializeFilter(m.filter, false), keyword_matches: m.keywordMatches, status_matches: m.statusMatches };
}

/** The v1 Filter entity: one keyword of a filter, with the filter's settings (hide is "irreversible"). */
export function serializeV1Filter(keyword: KeywordRow, f: FilterRow): Entity {
  return {
    id: keyword.id, phrase: keyword.keyword, context: f.context, whole_word: keyword.whole_word,
    expires_at: f.expires_at?.toISOString() ?? null, irreversible: f.action === 'hide',
  };
}

/** Mastodon's FeaturedTag: how many of the account's public posts use it, and the day of the latest. */
export function serializeFeaturedTag(site: Site, t: FeaturedTagRow): Entity {
  return {
    id: t.id, name: t.name, url: tagUrl(site, t.name), statuses_count: Number(t.statuses_count),
    last_status_at: t.last_status_at ? t.last_status_at.toISOString().slice(0, 10) : null,
  };
}
