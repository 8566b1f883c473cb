// Loading what entities are made of, in batches: a fixed number of queries per page, never one per
// status. The API's serializers turn the loaded data into Mastodon entities without further I/O.
//
// This is also where "may this viewer see this status?" is answered for every status that reaches a
// response, whatever path brought it (a timeline, a thread, a notification, a conversation, a search,
// a stream): each status, the status it reblogs and the status it quotes pass visibleTo() for the
// viewer here, or are left out. Queries upstream filter too (so pages come out full), but a status
// that reaches a response without passing here is a bug this module exists to prevent.
import type { Queryable } from '../db/index.js';
import { getAccounts, type PublicAccountRow } from './accounts.js';
import type { ConversationRow } from './conversations.js';
import { activeFilters, filterMatcher, type FilterContext, type FilterMatch } from './filters.js';
import { mediaByIds, type MediaRow } from './media.js';
import { getWarnings, type WarningRow } from './moderation.js';
import type { NotificationRow } from './notifications.js';
import { getReports, type ReportRow } from './reports.js';
import { STATUS_COLUMNS, STATUS_FIELDS, getStatuses, type StatusRow } from './statuses.js';
import { visibleTo } from './visibility.js';

/** Everything a page of statuses needs besides its own rows, for one viewer. */
export interface StatusBatch {
  viewerId: string | null;
  accounts: Map<string, PublicAccountRow>;
  /** The page's statuses and the ones they reblog or quote, those the viewer may see only. */
  statuses: Map<string, StatusRow>;
  /** Quoted statuses the viewer may see. */
  quotable: Set<string>;
  mentions: Map<string, Array<{ id: string; username: string }>>;
  tags: Map<string, string[]>;
  favourited: Set<string>; reblogged: Set<string>; bookmarked: Set<string>; pinned: Set<string>;
  /** The media attachments of every status in `statuses`, by id. */
  media: Map<string, MediaRow>;
  /** Statuses in threads the viewer muted. */
  muted: Set<string>;
  /** The viewer's filters each status matches (a reblog: what its original matches). */
  filtered: Map<string, FilterMatch[]>;
  /** Statuses of the page a filter hides in this context: left out of the response. */
  hidden: Set<string>;
}

/** The account columns an entity shows, prefixed so they can sit beside a status's columns in one row. */
const ACCOUNT_FIELDS = ['username', 'display_name', 'note', 'locked', 'bot', 'discoverable', 'created_at', 'followers_count', 'following_count', 'statuses_count', 'last_status_at',
  'avatar_key', 'header_key', 'role_id', 'suspended_at', 'silenced_at', 'sensitized_at', 'disabled', 'approved'] as const;

type HydrationRow = Record<string, any> & {
  kind: 'page' | 'original' | 'quoted'; id: string; account_id: string;
  mentions: Array<[string, string]> | null; tags: string[]; favourited: boolean; reblogged: boolean; bookmarked: boolean; pinned: boolean; muted: boolean;
};

/**
 * One query (one round trip): the statuses the page reblogs, the visible statuses they (or those)
 * quote, every author, mentions, hashtags and the viewer's favourite/reblog/bookmark/pin of each. Its
 * only array parameter is the page's ids (all else is found from them), so that PostgreSQL's generic
 * plan for it is estimated cheaper than a custom one and is used: planning this statement anew on
 * every call cost more than running it (BENCHMARKS.md). The page's statuses must still exist.
 */
const hydrateSql = (visible: (viewer: string) => string) => `
  with page as (select s.id, s.account_id, s.reblog_of_id, s.quote_of_id from statuses s where s.id = any($1::bigint[]) and ${visible('$2')}),
  originals as (select ${STATUS_COLUMNS} from statuses s where s.id in (select reblog_of_id from page) and ${visible('$2')}),
  quoted as (
    select ${STATUS_COLUMNS} from statuses s
    where s.id in (select quote_of_id from page union select quote_of_id from originals) and ${visible('$2')}),
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
    exists (select 1 from status_pins p where p.account_id = $2 and p.status_id = t.id) as pinned,
    exists (select 1 from statuses x join thread_mutes tm on tm.thread_id = coalesce(x.thread_id, x.id) where x.id = t.id and tm.account_id = $2) as muted
  from targets t
  join accounts a on a.id = t.account_id
  left join (select 'original' as kind, * from originals union all select 'quoted', * from quoted) s on s.kind = t.kind and s.id = t.id`;

const HYDRATE_SQL = hydrateSql(visibleTo);

/**
 * For moderators reviewing a report: the statuses it cites as they are, whoever may see them (a
 * followers-only post, a suspended account's): the one exception to visibleTo, used only for the
 * statuses a report carries (api/v1/admin/reports.ts).
 */
const MODERATION_SQL = hydrateSql(() => 'true');

/**
 * Loads a page of statuses for a viewer. `context` is where they will be shown (a filter context:
 * home and lists, notifications, public timelines, a thread, a profile), so that only the viewer's
 * filters for that place apply and those that hide leave statuses out; null where no context fits
 * (one status looked up, bookmarks, search...): every filter is reported, none hides.
 */
export function hydrateStatuses(db: Queryable, viewerId: string | null, rows: StatusRow[], context: FilterContext | null = null): Promise<StatusBatch> {
  return hydrate(db, viewerId, rows, HYDRATE_SQL, context);
}

/** The statuses a report cites, for the moderator reading it (see MODERATION_SQL). */
export function hydrateReportedStatuses(db: Queryable, moderatorId: string, rows: StatusRow[]): Promise<StatusBatch> {
  return hydrate(db, moderatorId, rows, MODERATION_SQL, null);
}

async function hydrate(db: Queryable, viewerId: string | null, rows: StatusRow[], sql: string, context: FilterContext | null): Promise<StatusBatch> {
  const batch: StatusBatch = {
    viewerId, accounts: new Map(), statuses: new Map(), quotable: new Set(), mentions: new Map(), tags: new Map(),
    favourited: new Set(), reblogged: new Set(), bookmarked: new Set(), pinned: new Set(), media: new Map(), muted: new Set(), filtered: new Map(), hidden: new Set(),
  };
  if (rows.length === 0) return batch;
  const given = new Map(rows.map((r) => [r.id, r]));
  const [hydrated, filters] = await Promise.all([
    db.query<HydrationRow>(sql, [[...given.keys()], viewerId]),
    viewerId ? activeFilters(db, viewerId) : Promise.resolve([]),
  ]);
  for (const h of hydrated) {
    if (h.kind === 'page') batch.statuses.set(h.id, given.get(h.id)!);
    else if (!batch.statuses.has(h.id)) batch.statuses.set(h.id, pick(h, STATUS_FIELDS) as unknown as StatusRow);
    if (h.kind === 'quoted') batch.quotable.add(h.id);
    if (!batch.accounts.has(h.account_id)) batch.accounts.set(h.account_id, { id: h.account_id, ...pick(h, ACCOUNT_FIELDS, 'a_') } as PublicAccountRow);
    if (h.mentions) batch.mentions.set(h.id, h.mentions.map(([id, username]) => ({ id, username })));
    if (h.tags.length) batch.tags.set(h.id, h.tags);
    if (h.favourited) batch.favourited.add(h.id);
    if (h.reblogged) batch.reblogged.add(h.id);
    if (h.bookmarked) batch.bookmarked.add(h.id);
    if (h.pinned) batch.pinned.add(h.id);
    if (h.muted) batch.muted.add(h.id);
  }
  // Media in one more query for the whole page, and only when some status of it has any.
  const mediaIds = [...batch.statuses.values()].flatMap((s) => (s.media_ids ?? []).map(String));
  if (mediaIds.length) batch.media = await mediaByIds(db, mediaIds);
  if (filters.length) applyFilters(batch, rows, filterMatcher(filters, context), context !== null);
  return batch;
}

/** Matches every loaded status against the viewer's filters; with a context, hides what they hide. */
function applyFilters(batch: StatusBatch, page: StatusRow[], match: ReturnType<typeof filterMatcher>, hide: boolean): void {
  for (const status of batch.statuses.values()) {
    const proper = status.reblog_of_id ? batch.statuses.get(status.reblog_of_id) : status;
    if (!proper) continue;
    const found = match(`${proper.spoiler_text}\n\n${proper.text}`, [status.id, proper.id]);
    if (found.length) batch.filtered.set(status.id, found);
  }
  if (!hide) return;
  for (const row of page) if (batch.filtered.get(row.id)?.some((m) => m.filter.action === 'hide')) batch.hidden.add(row.id);
}

function pick(row: Record<string, unknown>, fields: readonly string[], prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) out[f] = row[prefix + f];
  return out;
}

/**
 * Statuses (by id, hydrated for the viewer) and accounts that a list of notifications or conversations
 * shows; for notifications, the reports (admin.report) and warnings (moderation_warning) they are about.
 */
export interface Surroundings {
  statuses: StatusRow[]; batch: StatusBatch; accounts: Map<string, PublicAccountRow>;
  reports: Map<string, ReportRow>; warnings: Map<string, WarningRow>;
}

/** What a list of things about statuses shows besides them: a filter context, and the reports and warnings notifications are about. */
export interface SurroundingsOptions { context?: FilterContext | null; reportIds?: string[]; warningIds?: string[] }

/** Statuses (hydrated for the viewer) and accounts that a list of things about them shows. */
export async function surroundings(db: Queryable, viewerId: string, statusIds: string[], accountIds: string[], options: SurroundingsOptions = {}): Promise<Surroundings> {
  const statuses = [...(await getStatuses(db, statusIds)).values()];
  const [reports, warnings] = await Promise.all([getReports(db, options.reportIds ?? []), getWarnings(db, options.warningIds ?? [])]);
  const targets = [...reports.values()].map((r) => r.target_account_id);
  const [batch, accounts] = await Promise.all([hydrateStatuses(db, viewerId, statuses, options.context ?? null), getAccounts(db, [...accountIds, ...targets])]);
  return { statuses, batch, accounts, reports, warnings };
}

export function hydrateNotifications(db: Queryable, viewerId: string, rows: NotificationRow[]): Promise<Surroundings> {
  return surroundings(db, viewerId, rows.flatMap((n) => n.status_id ?? []), rows.map((n) => n.from_account_id), {
    context: 'notifications', reportIds: rows.flatMap((n) => n.report_id ?? []), warningIds: rows.flatMap((n) => n.account_warning_id ?? []),
  });
}

/** A note to oneself shows the viewer as its participant, as Mastodon does. */
export const participantsOf = (c: ConversationRow, viewerId: string) => (c.participant_ids.length ? c.participant_ids : [viewerId]);

export function hydrateConversations(db: Queryable, viewerId: string, rows: ConversationRow[]): Promise<Surroundings> {
  return surroundings(db, viewerId, rows.map((c) => c.last_status_id), rows.flatMap((c) => participantsOf(c, viewerId)));
}
