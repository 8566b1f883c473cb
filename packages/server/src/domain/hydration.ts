// Loading what entities are made of, in batches: a fixed number of queries per page, never one per
// status. The API's serializers turn the loaded data into Mastodon entities without further I/O.
//
// This is also where "may this viewer see this status?" is answered for every status that reaches a
// response, whatever path brought it (a timeline, a thread, a notification, a conversation, a search,
// a stream): each status, the status it reblogs and the status it quotes pass visibleTo() for the
// viewer here, or are left out. Queries upstream filter too (so pages come out full), but a status
// that reaches a response without passing here is a bug this module exists to prevent. The one status
// shown without asking is the answer to a post (hydrateFresh), to its author: visibleTo lets everyone
// see their own posts unless their account is suspended, which the statement that made it checks.
import { isTransaction, opaque, probe, type Queryable } from '../db/index.js';
import { ACCOUNT_CONTENT_FIELDS, ACCOUNT_COUNTS } from './account-fields.js';
import { getAccounts, type PublicAccountRow } from './accounts.js';
import type { ConversationRow } from './conversations.js';
import type { EntityCache, EntityKind } from './entity-cache.js';
import { activeFilters, filterMatcher, viewerFilters, type FilterCache, type FilterContext, type FilterMatch, type FilterRow } from './filters.js';
import { mediaByIds, type MediaRow } from './media.js';
import { getWarnings, type WarningRow } from './moderation.js';
import type { NotificationRow } from './notifications.js';
import { pick } from './pick.js';
import { getReports, type ReportRow } from './reports.js';
import { STATUS_FIELDS, getStatuses, statusVersionSql, type FreshStatus, type StatusRow } from './statuses.js';
import { visibleTo } from './visibility.js';

/** What loading remembers between pages (the context holds them): statuses' and accounts' content, readers' filters. */
export interface HydrationCaches { entityCache: EntityCache; filterCache: FilterCache }

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
  /**
   * The content each status (by id) and each account was shown from, as the entity cache shares it:
   * never changed, so what is derived from one alone can be kept beside it (api/statuses-json.ts).
   */
  contents: { statuses: Map<string, StatusContent>; accounts: Map<string, AccountContent> };
}

/** The counters of a status: always read with the page, never cached (they change all the time). */
const STATUS_COUNTS = ['replies_count', 'reblogs_count', 'favourites_count', 'quotes_count'] as const;
/** A status's columns besides its counters: what the entity cache keeps of it. */
const STATUS_CONTENT_FIELDS = STATUS_FIELDS.filter((c) => !(STATUS_COUNTS as readonly string[]).includes(c));

/** Names one content of a status: what the entity cache keys it by (statuses.ts statusVersionSql). */
const STATUS_VERSION = statusVersionSql('s');

/**
 * The ids ($1) as every statement here takes them: out of the planner's sight (db/opaque.ts). Given
 * plainly, a page of one status (the answer to a favourite or a reblog, one status looked up) made each
 * custom plan look cheaper than the generic plan sized for ten, and every call was planned anew.
 */
const IDS_PARAM = opaque('$1', 'bigint[]');

/** A target of a page (a status of it, one it reblogs, one they quote), as the per-page statement reads it. */
type TargetRow = {
  kind: 'page' | 'original' | 'quoted'; id: string; account_id: string; version: string; account_version: string;
  favourited: boolean; reblogged: boolean; bookmarked: boolean; pinned: boolean; muted: boolean;
} & Pick<StatusRow, (typeof STATUS_COUNTS)[number]> & Pick<PublicAccountRow, (typeof ACCOUNT_COUNTS)[number]>;

/** What the entity cache keeps of a status: everything the viewer and the counters do not change. */
export interface StatusContent { row: Omit<StatusRow, (typeof STATUS_COUNTS)[number]>; mentions: Array<{ id: string; username: string }>; tags: string[] }
export type AccountContent = Omit<PublicAccountRow, (typeof ACCOUNT_COUNTS)[number]>;

/**
 * Where the per-page statement's page comes from: the statuses whose ids are given as its $1 (the
 * viewer as $2), or a query of its own (findAndHydrate). `ctes` come first in the statement's WITH,
 * `from` names the page's statuses as `s`, with at least the columns of PAGE_STATUS_COLUMNS, `where`
 * chooses among them, and `columns` adds values about the whole page to every row.
 */
interface PageSource { ctes: string; from: string; where: string; viewer: string; columns: string }
const GIVEN_IDS: PageSource = { ctes: '', from: 'statuses s', where: `s.id = any(${IDS_PARAM})`, viewer: '$2', columns: '' };

/** What the per-page statement reads of a status of the page (visibleTo's columns and the final select's), as a select list over `s`. */
export const PAGE_STATUS_COLUMNS = ['id', 'account_id', 'visibility', 'reblog_of_id', 'quote_of_id', 'thread_id', 'created_at', 'edited_at', 'content_version', ...STATUS_COUNTS]
  .map((c) => `s.${c}`).join(', ');

/**
 * `check` for the rows where `condition` holds, false elsewhere (CASE: evaluated in that order). Most
 * viewers have no bookmarks and no muted threads, and pin only their own posts: asked once per
 * statement (an InitPlan) or of the row itself first, a page's probes of those tables are skipped.
 * On the small tables those are, PostgreSQL scans rather than probes, and each rescan asks the kernel
 * for the table's size: 14% of a home read's PostgreSQL time (BENCHMARKS.md, "Flags asked once").
 */
const onlyIf = (condition: string, check: string) => `case when ${condition} then ${check} else false end`;

/**
 * The statement run for every page (one round trip): which of the page's statuses, the statuses they
 * reblog and those they (or those) quote the viewer may see and still exist, and for each its
 * counters, the viewer's favourite/reblog/bookmark/pin/thread mute, its author's counters, and the
 * versions of the status and its author that name the rest (cached, or loaded by the statements
 * below). Its only array parameter is the page's ids (all else is found from them), given as
 * IDS_PARAM: planning this statement anew on every call cost more than running it (BENCHMARKS.md).
 * The viewer's flags are probes (db/probe.ts), so they cost the same whatever the viewer's history.
 */
const hydrateSql = (visible: (viewer: string) => string, source: PageSource = GIVEN_IDS) => {
  const v = source.viewer;
  // What the final select needs of each status, read where the status is first read and checked: a
  // second read of the same row by id cost three buffer hits a status (BENCHMARKS.md, "each status read once").
  const target = `s.account_id, ${STATUS_VERSION} as version, ${STATUS_COUNTS.map((c) => `s.${c}`).join(', ')}, coalesce(s.thread_id, s.id) as thread_id`;
  const targetColumns = `id, account_id, version, ${STATUS_COUNTS.join(', ')}, thread_id`;
  return `
  with ${source.ctes}page as (select s.id, s.reblog_of_id, s.quote_of_id, ${target} from ${source.from} where ${source.where} and ${visible(v)}),
  originals as (select s.id, s.quote_of_id, ${target} from statuses s where s.id in (select reblog_of_id from page) and ${visible(v)}),
  quoted as (
    select s.id, ${target} from statuses s
    where s.id in (select quote_of_id from page union select quote_of_id from originals) and ${visible(v)}),
  targets as (
    select 'page' as kind, ${targetColumns} from page
    union all select 'original', ${targetColumns} from originals
    union all select 'quoted', ${targetColumns} from quoted)
  select t.kind, t.id, t.account_id, t.version, ${STATUS_COUNTS.map((c) => `t.${c}`).join(', ')},
    a.version::text as account_version, ${ACCOUNT_COUNTS.map((c) => `a.${c}`).join(', ')},
    ${probe(`select 1 from favourites f where f.account_id = ${v} and f.status_id = t.id`)} as favourited,
    ${probe(`select 1 from statuses r where r.account_id = ${v} and r.reblog_of_id = t.id`)} as reblogged,
    ${onlyIf(`exists (select 1 from bookmarks hb where hb.account_id = ${v})`, probe(`select 1 from bookmarks b where b.account_id = ${v} and b.status_id = t.id`))} as bookmarked,
    ${onlyIf(`t.account_id = ${v}`, probe(`select 1 from status_pins p where p.account_id = ${v} and p.status_id = t.id`))} as pinned,
    ${onlyIf(`exists (select 1 from thread_mutes hm where hm.account_id = ${v})`, probe(`select 1 from thread_mutes tm where tm.thread_id = t.thread_id and tm.account_id = ${v}`))} as muted${source.columns}
  from targets t
  join accounts a on a.id = t.account_id`;
};

const HYDRATE_SQL = hydrateSql(visibleTo);

/**
 * For moderators reviewing a report: the statuses it cites as they are, whoever may see them (a
 * followers-only post, a suspended account's): the one exception to visibleTo, used only for the
 * statuses a report carries (api/v1/admin/reports.ts).
 */
const MODERATION_SQL = hydrateSql(() => 'true');

/** Statuses the cache did not have at the page's version: their columns, mentions and hashtags, with the version they were read at. */
const STATUS_CONTENT_SQL = `
  select ${STATUS_CONTENT_FIELDS.map((c) => `s.${c}`).join(', ')}, ${STATUS_VERSION} as version,
    coalesce((select json_agg(json_build_array(ma.id::text, ma.username) order by m.account_id) from mentions m join accounts ma on ma.id = m.account_id where m.status_id = s.id), '[]') as mentions,
    array(select tg.name from status_tags st join tags tg on tg.id = st.tag_id where st.status_id = s.id order by st.tag_id) as tags
  from statuses s where s.id = any(${IDS_PARAM})`;

/** Accounts the cache did not have at the page's version. */
const ACCOUNT_CONTENT_SQL = `select id, ${ACCOUNT_CONTENT_FIELDS.join(', ')}, version::text as version from accounts where id = any(${IDS_PARAM})`;

/**
 * Loads a page of statuses for a viewer. `context` is where they will be shown (a filter context:
 * home and lists, notifications, public timelines, a thread, a profile), so that only the viewer's
 * filters for that place apply and those that hide leave statuses out; null where no context fits
 * (one status looked up, bookmarks, search...): every filter is reported, none hides.
 */
export function hydrateStatuses(db: Queryable, caches: HydrationCaches, viewerId: string | null, rows: StatusRow[], context: FilterContext | null = null): Promise<StatusBatch> {
  return hydrate(db, caches, viewerId, rows, HYDRATE_SQL, context);
}

/** The statuses a report cites, for the moderator reading it (see MODERATION_SQL). */
export function hydrateReportedStatuses(db: Queryable, caches: HydrationCaches, moderatorId: string, rows: StatusRow[]): Promise<StatusBatch> {
  return hydrate(db, caches, moderatorId, rows, MODERATION_SQL, null);
}

async function hydrate(db: Queryable, caches: HydrationCaches, viewerId: string | null, rows: StatusRow[], sql: string, context: FilterContext | null): Promise<StatusBatch> {
  if (rows.length === 0) return emptyBatch(viewerId);
  const [targets, filters] = await Promise.all([
    db.query<TargetRow>(sql, [[...new Set(rows.map((r) => r.id))], viewerId]),
    !viewerId ? Promise.resolve([]) : readerFilters(db, caches, viewerId),
  ]);
  return assemble(db, caches, viewerId, rows, targets, filters, context);
}

/** The viewer's filters: from memory, but inside a transaction as it sees them, and not remembered. */
function readerFilters(db: Queryable, caches: HydrationCaches, viewerId: string): Promise<FilterRow[]> {
  return isTransaction(db) ? activeFilters(db, viewerId) : viewerFilters(db, caches.filterCache, viewerId);
}

/**
 * A page that a statement finds (see findAndHydrate): `rows` selects its statuses, with the columns
 * of PAGE_STATUS_COLUMNS, in the numbering of `params`, whose viewer is `viewer`. Read there, they
 * are not read again by id.
 */
export interface FoundPage { ctes: string; rows: string; params: unknown[]; viewer: string; columns: string[] }

/**
 * A page found and hydrated by one statement, one round trip where a page and its hydration take two:
 * `page.rows` takes the place of the ids given, and every status still passes visibleTo. The page comes
 * newest first with its batch, and the values of `page.columns` (about the whole page, so the same on
 * every row) from its first row. No row at all (an empty page, or none of it visible) gives null: the
 * caller then reads the page as any other.
 */
export async function findAndHydrate<Extra>(db: Queryable, caches: HydrationCaches, viewerId: string | null, page: FoundPage, context: FilterContext | null): Promise<{ rows: StatusRow[]; batch: StatusBatch; extra: Extra } | null> {
  const source = { ctes: page.ctes ? `${page.ctes},\n  ` : '', from: `(${page.rows}) s`, where: 'true', viewer: page.viewer, columns: page.columns.map((c) => `, ${c}`).join('') };
  const [targets, filters] = await Promise.all([
    db.query<TargetRow & Extra>(hydrateSql(visibleTo, source), page.params),
    viewerId === null ? Promise.resolve([]) : readerFilters(db, caches, viewerId),
  ]);
  if (targets.length === 0) return null;
  const ids = targets.filter((t) => t.kind === 'page').map((t) => BigInt(t.id)).sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
  const batch = await assemble(db, caches, viewerId, [], targets, [], null);
  const rows = ids.flatMap((id) => batch.statuses.get(String(id)) ?? []);
  if (filters.length) applyFilters(batch, rows, filterMatcher(filters, context), context !== null);
  return { rows, batch, extra: targets[0]! };
}

/**
 * The answer to a post, for its author, from what the post's own statement returned (FreshStatus):
 * nothing of the new status is read back. What it shows of others still is: its author's content
 * from the entity cache (read on a miss), its media, the author's filters. Called once the post has
 * committed, so its content is cached at once. A quote shows another status, read for the author:
 * quotes go through hydrateStatuses.
 */
export async function hydrateFresh(db: Queryable, caches: HydrationCaches, fresh: FreshStatus): Promise<StatusBatch> {
  const { row, author } = fresh;
  const columns = row as unknown as Record<string, unknown>;
  const content: StatusContent = { row: pick(columns, STATUS_CONTENT_FIELDS) as StatusContent['row'], mentions: fresh.mentions, tags: fresh.tags };
  caches.entityCache.set('status', row.id, fresh.version, content);
  // At its commit no one had favourited, reblogged, bookmarked or pinned it: the answer shows it as it was then.
  const target = {
    kind: 'page', id: row.id, account_id: row.account_id, version: fresh.version, account_version: author.version,
    ...pick(columns, STATUS_COUNTS), ...pick(author, ACCOUNT_COUNTS),
    favourited: false, reblogged: false, bookmarked: false, pinned: false, muted: fresh.muted,
  } as TargetRow;
  const filters = await viewerFilters(db, caches.filterCache, row.account_id);
  return assemble(db, caches, row.account_id, [row], [target], filters, null);
}

function emptyBatch(viewerId: string | null): StatusBatch {
  return {
    viewerId, accounts: new Map(), statuses: new Map(), quotable: new Set(), mentions: new Map(), tags: new Map(),
    favourited: new Set(), reblogged: new Set(), bookmarked: new Set(), pinned: new Set(), media: new Map(), muted: new Set(), filtered: new Map(), hidden: new Set(),
    contents: { statuses: new Map(), accounts: new Map() },
  };
}

/** A page's batch from its targets (what the viewer may see of it, with counters and flags) and the viewer's filters. */
async function assemble(db: Queryable, caches: HydrationCaches, viewerId: string | null, rows: StatusRow[], targets: TargetRow[], filters: FilterRow[], context: FilterContext | null): Promise<StatusBatch> {
  const batch = emptyBatch(viewerId);
  const given = new Map(rows.map((r) => [r.id, r]));
  const { statuses, accounts } = await contents(db, caches.entityCache, targets);
  for (const t of targets) {
    const content = statuses.get(t.id);
    const author = accounts.get(t.account_id);
    // Gone between the two statements (each may be answered by a different server: hedged reads).
    if (!content || !author) continue;
    // A status of the page as the page read it; one that findAndHydrate found, and those they reblog or quote, from content and counters.
    const row = t.kind === 'page' ? given.get(t.id) : undefined;
    if (row) batch.statuses.set(t.id, row);
    else if (!batch.statuses.has(t.id)) batch.statuses.set(t.id, { ...content.row, ...pick(t, STATUS_COUNTS) } as StatusRow);
    batch.contents.statuses.set(t.id, content);
    batch.contents.accounts.set(t.account_id, author);
    if (t.kind === 'quoted') batch.quotable.add(t.id);
    if (!batch.accounts.has(t.account_id)) batch.accounts.set(t.account_id, { ...author, ...pick(t, ACCOUNT_COUNTS) } as PublicAccountRow);
    if (content.mentions.length) batch.mentions.set(t.id, content.mentions);
    if (content.tags.length) batch.tags.set(t.id, content.tags);
    if (t.favourited) batch.favourited.add(t.id);
    if (t.reblogged) batch.reblogged.add(t.id);
    if (t.bookmarked) batch.bookmarked.add(t.id);
    if (t.pinned) batch.pinned.add(t.id);
    if (t.muted) batch.muted.add(t.id);
  }
  // Media in one more query for the whole page, and only when some status of it has any. Not cached:
  // an attachment changes without its status (processing finishes, a description is set).
  const mediaIds = [...batch.statuses.values()].flatMap((s) => (s.media_ids ?? []).map(String));
  if (mediaIds.length) batch.media = await mediaByIds(db, mediaIds);
  if (filters.length) applyFilters(batch, rows, filterMatcher(filters, context), context !== null);
  return batch;
}

/**
 * The content of every target and of its author: from the cache at the version the page reported,
 * else loaded (one statement for the statuses, one for the accounts, only for what was missing) and
 * cached under the version it was read at. Inside a transaction, what is read may never commit: it is
 * cached only once the transaction has.
 */
async function contents(db: Queryable, cache: EntityCache, targets: TargetRow[]) {
  const statuses = new Map<string, StatusContent>();
  const accounts = new Map<string, AccountContent>();
  const missingStatuses = new Set<string>();
  const missingAccounts = new Set<string>();
  for (const t of targets) {
    if (!statuses.has(t.id) && !missingStatuses.has(t.id)) {
      const cached = cache.get<StatusContent>('status', t.id, t.version);
      if (cached) statuses.set(t.id, cached);
      else missingStatuses.add(t.id);
    }
    if (!accounts.has(t.account_id) && !missingAccounts.has(t.account_id)) {
      const cached = cache.get<AccountContent>('account', t.account_id, t.account_version);
      if (cached) accounts.set(t.account_id, cached);
      else missingAccounts.add(t.account_id);
    }
  }
  const [statusRows, accountRows] = await Promise.all([
    missingStatuses.size ? db.query<StatusContent['row'] & { version: string; mentions: Array<[string, string]>; tags: string[] }>(STATUS_CONTENT_SQL, [[...missingStatuses]]) : [],
    missingAccounts.size ? db.query<AccountContent & { version: string }>(ACCOUNT_CONTENT_SQL, [[...missingAccounts]]) : [],
  ]);
  const store = (kind: EntityKind, id: string, version: string, value: unknown) =>
    (isTransaction(db) ? db.afterCommit(() => cache.set(kind, id, version, value)) : cache.set(kind, id, version, value));
  for (const { version, mentions, tags, ...row } of statusRows) {
    const content: StatusContent = { row, mentions: mentions.map(([id, username]) => ({ id, username })), tags };
    statuses.set(row.id, content);
    store('status', row.id, version, content);
  }
  for (const { version, ...account } of accountRows) {
    accounts.set(account.id, account);
    store('account', account.id, version, account);
  }
  return { statuses, accounts };
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
export async function surroundings(db: Queryable, caches: HydrationCaches, viewerId: string, statusIds: string[], accountIds: string[], options: SurroundingsOptions = {}): Promise<Surroundings> {
  const statuses = [...(await getStatuses(db, statusIds)).values()];
  const [reports, warnings] = await Promise.all([getReports(db, options.reportIds ?? []), getWarnings(db, options.warningIds ?? [])]);
  const targets = [...reports.values()].map((r) => r.target_account_id);
  const [batch, accounts] = await Promise.all([hydrateStatuses(db, caches, viewerId, statuses, options.context ?? null), getAccounts(db, [...accountIds, ...targets])]);
  return { statuses, batch, accounts, reports, warnings };
}

export function hydrateNotifications(db: Queryable, caches: HydrationCaches, viewerId: string, rows: NotificationRow[]): Promise<Surroundings> {
  return surroundings(db, caches, viewerId, rows.flatMap((n) => n.status_id ?? []), rows.map((n) => n.from_account_id), {
    context: 'notifications', reportIds: rows.flatMap((n) => n.report_id ?? []), warningIds: rows.flatMap((n) => n.account_warning_id ?? []),
  });
}

/** A note to oneself shows the viewer as its participant, as Mastodon does. */
export const participantsOf = (c: ConversationRow, viewerId: string) => (c.participant_ids.length ? c.participant_ids : [viewerId]);

export function hydrateConversations(db: Queryable, caches: HydrationCaches, viewerId: string, rows: ConversationRow[]): Promise<Surroundings> {
  return surroundings(db, caches, viewerId, rows.map((c) => c.last_status_id), rows.flatMap((c) => participantsOf(c, viewerId)));
}
