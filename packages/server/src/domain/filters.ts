// Filters (Mastodon's v2 model): a filter has a title, the contexts it applies in (home and lists,
// notifications, public timelines, threads, profiles), an action (warn: shown behind a warning;
// blur: media blurred, Mastodon 4.4; hide: left out), an optional expiry, keywords (whole word or
// not) and statuses. The v1 API (api/v1/filters.ts) shows each keyword as a filter of its own.
//
// Matching happens when statuses are loaded for a viewer (hydration.ts): each status gets the
// viewer's matching filters (`filtered` on the Status entity), and in a context where a matching
// filter hides, the status is left out of that list or stream.
//
// Limits, checked before anything is written: at most MAX_FILTERS filters and MAX_KEYWORDS keywords
// (every filter together) per account, keywords of at most MAX_KEYWORD characters: every status
// shown to the account is matched against all of its keywords.
import type { AppContext } from '../context.js';
import type { Queryable, Tx } from '../db/index.js';
import { notFound, unprocessable } from '../errors.js';
import { publish } from './events.js';
import { ExpiringCache } from './expiring-cache.js';
import { idempotentWrite } from './idempotency.js';
import { requiredText } from './text.js';
import { visibleTo } from './visibility.js';

export const FILTER_CONTEXTS = ['home', 'notifications', 'public', 'thread', 'account'] as const;
export type FilterContext = (typeof FILTER_CONTEXTS)[number];
export const FILTER_ACTIONS = ['warn', 'hide', 'blur'] as const;
export type FilterAction = (typeof FILTER_ACTIONS)[number];

export const MAX_FILTERS = 100;
export const MAX_KEYWORDS = 1000;
export const MAX_FILTER_STATUSES = 1000;
export const MAX_TITLE = 256;
export const MAX_KEYWORD = 512;
/** expires_in is at most ten years (anything longer is "never", which is null). */
export const MAX_EXPIRES_IN = 10 * 365 * 86_400;

export interface KeywordRow { id: string; filter_id: string; keyword: string; whole_word: boolean }
export interface FilterStatusRow { id: string; filter_id: string; status_id: string }
export interface FilterRow {
  id: string; account_id: string; title: string; context: FilterContext[]; action: FilterAction; expires_at: Date | null;
  keywords: KeywordRow[]; statuses: FilterStatusRow[];
}

const FILTER_SELECT = `select f.id, f.account_id, f.title, f.context, f.action, f.expires_at,
  coalesce((select json_agg(json_build_object('id', k.id::text, 'filter_id', k.filter_id::text, 'keyword', k.keyword, 'whole_word', k.whole_word) order by k.id)
    from filter_keywords k where k.filter_id = f.id), '[]') as keywords,
  coalesce((select json_agg(json_build_object('id', fs.id::text, 'filter_id', fs.filter_id::text, 'status_id', fs.status_id::text) order by fs.id)
    from filter_statuses fs where fs.filter_id = f.id), '[]') as statuses
  from filters f`;

type RawFilter = Omit<FilterRow, 'keywords' | 'statuses'> & { keywords: KeywordRow[] | string; statuses: FilterStatusRow[] | string };
const parsed = (r: RawFilter): FilterRow => ({
  ...r,
  keywords: typeof r.keywords === 'string' ? JSON.parse(r.keywords) : r.keywords,
  statuses: typeof r.statuses === 'string' ? JSON.parse(r.statuses) : r.statuses,
});

export async function filtersOf(db: Queryable, accountId: string): Promise<FilterRow[]> {
  return (await db.query<RawFilter>(`${FILTER_SELECT} where f.account_id = $1 order by f.id`, [accountId])).map(parsed);
}

/** The filters in force for a viewer (not expired), for matching. */
export async function activeFilters(db: Queryable, viewerId: string): Promise<FilterRow[]> {
  return (await db.query<RawFilter>(`${FILTER_SELECT} where f.account_id = $1 and (f.expires_at is null or f.expires_at > now())`, [viewerId])).map(parsed);
}

/**
 * The viewer's filters as loading statuses applies them, remembered for FILTER_CACHE_TTL_MS: every
 * page a reader loads would otherwise ask for them again. A change publishes `filters.changed` (to
 * this server after commit, to the others with the commit: event-relay.ts), which evicts the entry;
 * a filter that expires meanwhile is dropped here by its expiry.
 */
export async function viewerFilters(db: Queryable, cache: FilterCache, viewerId: string): Promise<FilterRow[]> {
  let filters = cache.get(viewerId);
  if (!filters) {
    const mark = cache.mark();
    filters = await activeFilters(db, viewerId);
    cache.put(viewerId, filters, mark);
  }
  const now = Date.now();
  return filters.some((f) => f.expires_at && f.expires_at.getTime() <= now) ? filters.filter((f) => !f.expires_at || f.expires_at.getTime() > now) : filters;
}

export const FILTER_CACHE_TTL_MS = 10_000;
export type FilterCache = ExpiringCache<FilterRow[]>;
export const newFilterCache = (): FilterCache => new ExpiringCache(FILTER_CACHE_TTL_MS, 50_000);

/** One of the account's filters; 404 for anyone else's. */
export async function getFilter(db: Queryable, accountId: string, id: string): Promise<FilterRow> {
  const [row] = await db.query<RawFilter>(`${FILTER_SELECT} where f.id = $1 and f.account_id = $2`, [id, accountId]);
  if (!row) throw notFound();
  return parsed(row);
}

export interface KeywordChange { id?: string; keyword?: string; wholeWord?: boolean; destroy?: boolean }

export interface FilterInput {
  title?: string; context?: FilterContext[]; action?: FilterAction;
  /** Seconds from now; null: never expires; undefined: unchanged. */
  expiresIn?: number | null;
  keywords?: KeywordChange[];
}

const validTitle = (title: string | undefined) => (title === undefined ? undefined : requiredText('Title', title, MAX_TITLE));
export const validKeyword = (keyword: string | undefined) => requiredText('Keyword', keyword, MAX_KEYWORD);

const expiresAt = (expiresIn: number | null | undefined) => (expiresIn === undefined ? undefined : expiresIn === null ? null : new Date(Date.now() + expiresIn * 1000));

/** Locks the account's filters (its account row) and checks the limits once `adding` are added. */
async function checkLimits(tx: Queryable, accountId: string, adding: { filters?: number; keywords?: number; statuses?: number }): Promise<void> {
  await tx.query('select 1 from accounts where id = $1 for update', [accountId]);
  const [counts] = await tx.query<{ filters: string; keywords: string; statuses: string }>(
    `select (select count(*) from filters where account_id = $1) as filters,
       (select count(*) from filter_keywords k join filters f on f.id = k.filter_id where f.account_id = $1) as keywords,
       (select count(*) from filter_statuses s join filters f on f.id = s.filter_id where f.account_id = $1) as statuses`, [accountId]);
  if (Number(counts!.filters) + (adding.filters ?? 0) > MAX_FILTERS) throw unprocessable(`Validation failed: You can have at most ${MAX_FILTERS} filters`);
  if (Number(counts!.keywords) + (adding.keywords ?? 0) > MAX_KEYWORDS) throw unprocessable(`Validation failed: You can have at most ${MAX_KEYWORDS} filter keywords`);
  if (Number(counts!.statuses) + (adding.statuses ?? 0) > MAX_FILTER_STATUSES) throw unprocessable(`Validation failed: You can have at most ${MAX_FILTER_STATUSES} filtered posts`);
}

/** The account's filters changed: its streams hear of it, and every server's filter cache forgets them. */
async function changed(ctx: AppContext, tx: Tx, accountId: string): Promise<void> {
  publish(ctx.events, tx, 'filters.changed', { accountId });
  await ctx.relay.shareWithCommit(tx, { event: 'filters.changed', data: { accountId } });
}

/** A new filter with its keywords; a retry with the same Idempotency-Key gets the filter it made. */
export async function createFilter(ctx: AppContext, accountId: string, input: FilterInput, key: string | null): Promise<FilterRow> {
  const title = validTitle(input.title ?? '')!;
  if (!input.context?.length) throw unprocessable("Validation failed: Context can't be blank");
  const keywords = (input.keywords ?? []).filter((k) => !k.destroy).map((k) => ({ keyword: validKeyword(k.keyword), wholeWord: k.wholeWord ?? true }));
  const { response } = await idempotentWrite(ctx, accountId, key, 'POST /api/v2/filters', async (tx) => {
    await checkLimits(tx, accountId, { filters: 1, keywords: keywords.length });
    const [row] = await tx.query<{ id: string }>(
      'insert into filters (account_id, title, context, action, expires_at) values ($1, $2, $3, $4, $5) returning id',
      [accountId, title, input.context, input.action ?? 'warn', expiresAt(input.expiresIn) ?? null]);
    if (keywords.length) {
      // Booleans go as text: postgres.js sends a JS boolean array as a single boolean.
      await tx.query('insert into filter_keywords (filter_id, keyword, whole_word) select $1, k, w::boolean from unnest($2::text[], $3::text[]) as u(k, w)',
        [row!.id, keywords.map((k) => k.keyword), keywords.map((k) => String(k.wholeWord))]);
    }
    await changed(ctx, tx, accountId);
    return getFilter(tx, accountId, row!.id);
  });
  return { ...response, expires_at: response.expires_at ? new Date(response.expires_at) : null };
}

/**
 * Changes a filter and, through keywords_attributes, its keywords (with an id: changed, or removed
 * with _destroy; without: added). The same change again changes nothing, except keywords added
 * without an id, which a retry would add twice: under an Idempotency-Key it is answered from the first.
 */
export async function updateFilter(ctx: AppContext, accountId: string, id: string, input: FilterInput, key: string | null): Promise<FilterRow> {
  const title = validTitle(input.title);
  if (input.context !== undefined && input.context.length === 0) throw unprocessable("Validation failed: Context can't be blank");
  const changes = (input.keywords ?? []).map((k) => (k.destroy ? k : { ...k, keyword: k.keyword === undefined && k.id ? undefined : validKeyword(k.keyword) }));
  const { response } = await idempotentWrite(ctx, accountId, key, `PUT /api/v2/filters/${id}`, async (tx) => {
    await checkLimits(tx, accountId, { keywords: changes.filter((k) => !k.id && !k.destroy).length });
    const expires = expiresAt(input.expiresIn);
    const updated = await tx.query(
      `update filters set title = coalesce($3, title), context = coalesce($4, context), action = coalesce($5, action),
         expires_at = case when $6 then $7::timestamptz else expires_at end
       where id = $1 and account_id = $2 returning id`,
      [id, accountId, title ?? null, input.context ?? null, input.action ?? null, expires !== undefined, expires ?? null]);
    if (updated.length === 0) throw notFound();
    for (const k of changes) {
      if (k.id) {
        const done = k.destroy
          ? await tx.query('delete from filter_keywords where id = $1 and filter_id = $2 returning id', [k.id, id])
          : await tx.query('update filter_keywords set keyword = coalesce($3, keyword), whole_word = coalesce($4, whole_word) where id = $1 and filter_id = $2 returning id',
            [k.id, id, k.keyword ?? null, k.wholeWord ?? null]);
        if (done.length === 0) throw notFound();
      } else if (!k.destroy) {
        await tx.query('insert into filter_keywords (filter_id, keyword, whole_word) values ($1, $2, $3)', [id, k.keyword, k.wholeWord ?? true]);
      }
    }
    await changed(ctx, tx, accountId);
    return getFilter(tx, accountId, id);
  });
  return { ...response, expires_at: response.expires_at ? new Date(response.expires_at) : null };
}

/** Deletes a filter; a retry with the same Idempotency-Key succeeds again instead of 404. */
export async function deleteFilter(ctx: AppContext, accountId: string, id: string, key: string | null): Promise<void> {
  await idempotentWrite(ctx, accountId, key, `DELETE /api/v2/filters/${id}`, async (tx) => {
    const deleted = await tx.query('delete from filters where id = $1 and account_id = $2 returning id', [id, accountId]);
    if (deleted.length === 0) throw notFound();
    await changed(ctx, tx, accountId);
    return {};
  });
}

/** One of the account's keywords, with its filter; 404 for anyone else's. */
export async function getKeyword(db: Queryable, accountId: string, id: string): Promise<KeywordRow> {
  const [row] = await db.query<KeywordRow>(
    'select k.id, k.filter_id, k.keyword, k.whole_word from filter_keywords k join filters f on f.id = k.filter_id where k.id = $1 and f.account_id = $2', [id, accountId]);
  if (!row) throw notFound();
  return row;
}

export async function addKeyword(ctx: AppContext, accountId: string, filterId: string, change: KeywordChange, key: string | null): Promise<KeywordRow> {
  const { response } = await idempotentWrite(ctx, accountId, key, `POST /api/v2/filters/${filterId}/keywords`, async (tx) => {
    await getFilter(tx, accountId, filterId);
    const keyword = validKeyword(change.keyword);
    await checkLimits(tx, accountId, { keywords: 1 });
    const [row] = await tx.query<KeywordRow>(
      'insert into filter_keywords (filter_id, keyword, whole_word) values ($1, $2, $3) returning id, filter_id, keyword, whole_word',
      [filterId, keyword, change.wholeWord ?? true]);
    await changed(ctx, tx, accountId);
    return row!;
  });
  return response;
}

export async function updateKeyword(ctx: AppContext, accountId: string, id: string, change: KeywordChange): Promise<KeywordRow> {
  const keyword = change.keyword === undefined ? undefined : validKeyword(change.keyword);
  return ctx.db.transaction(async (tx) => {
    await getKeyword(tx, accountId, id);
    const [row] = await tx.query<KeywordRow>(
      'update filter_keywords set keyword = coalesce($2, keyword), whole_word = coalesce($3, whole_word) where id = $1 returning id, filter_id, keyword, whole_word',
      [id, keyword ?? null, change.wholeWord ?? null]);
    await changed(ctx, tx, accountId);
    return row!;
  });
}

export async function deleteKeyword(ctx: AppContext, accountId: string, id: string, key: string | null): Promise<void> {
  await idempotentWrite(ctx, accountId, key, `DELETE /api/v2/filters/keywords/${id}`, async (tx) => {
    await getKeyword(tx, accountId, id);
    await tx.query('delete from filter_keywords where id = $1', [id]);
    await changed(ctx, tx, accountId);
    return {};
  });
}

export async function getFilterStatus(db: Queryable, accountId: string, id: string): Promise<FilterStatusRow> {
  const [row] = await db.query<FilterStatusRow>(
    'select s.id, s.filter_id, s.status_id from filter_statuses s join filters f on f.id = s.filter_id where s.id = $1 and f.account_id = $2', [id, accountId]);
  if (!row) throw notFound();
  return row;
}

/** Adds a status the account may see to one of its filters; twice is 422, as on Mastodon, unless retried with the same key. */
export async function addFilterStatus(ctx: AppContext, accountId: string, filterId: string, statusId: string | null, key: string | null): Promise<FilterStatusRow> {
  const { response } = await idempotentWrite(ctx, accountId, key, `POST /api/v2/filters/${filterId}/statuses ${statusId}`, async (tx) => {
    await getFilter(tx, accountId, filterId);
    if (!statusId) throw unprocessable("Validation failed: Status can't be blank");
    const visible = await tx.query(`select 1 from statuses s where s.id = $1 and ${visibleTo('$2')}`, [statusId, accountId]);
    if (visible.length === 0) throw notFound();
    await checkLimits(tx, accountId, { statuses: 1 });
    const [row] = await tx.query<FilterStatusRow>(
      'insert into filter_statuses (filter_id, status_id) values ($1, $2) on conflict do nothing returning id, filter_id, status_id', [filterId, statusId]);
    if (!row) throw unprocessable('Validation failed: Status has already been taken');
    await changed(ctx, tx, accountId);
    return row;
  });
  return response;
}

export async function deleteFilterStatus(ctx: AppContext, accountId: string, id: string, key: string | null): Promise<void> {
  await idempotentWrite(ctx, accountId, key, `DELETE /api/v2/filters/statuses/${id}`, async (tx) => {
    await getFilterStatus(tx, accountId, id);
    await tx.query('delete from filter_statuses where id = $1', [id]);
    await changed(ctx, tx, accountId);
    return {};
  });
}

// --- The v1 view: one filter per keyword ------------------------------------------------------

export interface V1Input { phrase?: string; context?: FilterContext[]; irreversible?: boolean; wholeWord?: boolean; expiresIn?: number | null }

export interface V1Filter { keyword: KeywordRow; filter: FilterRow }

export async function v1Filters(db: Queryable, accountId: string): Promise<V1Filter[]> {
  return (await filtersOf(db, accountId)).flatMap((filter) => filter.keywords.map((keyword) => ({ keyword, filter })));
}

export async function getV1Filter(db: Queryable, accountId: string, keywordId: string): Promise<V1Filter> {
  const keyword = await getKeyword(db, accountId, keywordId);
  return { keyword, filter: await getFilter(db, accountId, keyword.filter_id) };
}

/** A v1 filter is a filter titled by its phrase, holding that one keyword; irreversible means hide. */
export async function createV1Filter(ctx: AppContext, accountId: string, input: V1Input, key: string | null): Promise<V1Filter> {
  const filter = await createFilter(ctx, accountId, {
    title: input.phrase, context: input.context, action: input.irreversible ? 'hide' : 'warn', expiresIn: input.expiresIn ?? null,
    keywords: [{ keyword: input.phrase, wholeWord: input.wholeWord ?? true }],
  }, key);
  return { keyword: filter.keywords[0]!, filter };
}

/**
 * Changes a v1 filter: its keyword, and its filter's context, action and expiry, which, when the
 * filter holds other keywords too, the v1 API cannot change (422, as on Mastodon).
 */
export async function updateV1Filter(ctx: AppContext, accountId: string, keywordId: string, input: V1Input): Promise<V1Filter> {
  const keyword = input.phrase === undefined ? undefined : validKeyword(input.phrase);
  await ctx.db.transaction(async (tx) => {
    const current = await getV1Filter(tx, accountId, keywordId);
    const action = input.irreversible === undefined ? undefined : input.irreversible ? 'hide' : 'warn';
    const filterChanges = (input.context !== undefined && input.context.join() !== current.filter.context.join())
      || (action !== undefined && action !== current.filter.action) || input.expiresIn !== undefined;
    if (filterChanges && current.filter.keywords.length > 1) {
      throw unprocessable('Validation failed: This filter applies to more than one keyword: change it with the v2 API');
    }
    await tx.query('update filter_keywords set keyword = coalesce($2, keyword), whole_word = coalesce($3, whole_word) where id = $1', [keywordId, keyword ?? null, input.wholeWord ?? null]);
    if (filterChanges) {
      if (input.context !== undefined && input.context.length === 0) throw unprocessable("Validation failed: Context can't be blank");
      const expires = expiresAt(input.expiresIn);
      await tx.query(
        `update filters set context = coalesce($2, context), action = coalesce($3, action), expires_at = case when $4 then $5::timestamptz else expires_at end where id = $1`,
        [current.filter.id, input.context ?? null, action ?? null, expires !== undefined, expires ?? null]);
    }
    await changed(ctx, tx, accountId);
  });
  return getV1Filter(ctx.db, accountId, keywordId);
}

/** Deletes a v1 filter's keyword, and its filter when nothing is left in it. */
export async function deleteV1Filter(ctx: AppContext, accountId: string, keywordId: string, key: string | null): Promise<void> {
  await idempotentWrite(ctx, accountId, key, `DELETE /api/v1/filters/${keywordId}`, async (tx) => {
    const keyword = await getKeyword(tx, accountId, keywordId);
    await tx.query('delete from filter_keywords where id = $1', [keywordId]);
    await tx.query(
      `delete from filters f where f.id = $1 and not exists (select 1 from filter_keywords where filter_id = f.id)
         and not exists (select 1 from filter_statuses where filter_id = f.id)`, [keyword.filter_id]);
    await changed(ctx, tx, accountId);
    return {};
  });
}

// --- Matching -------------------------------------------------------------------------------

/** What a status shows of a filter it matches (Mastodon's FilterResult, before serialization). */
export interface FilterMatch { filter: FilterRow; keywordMatches: string[] | null; statusMatches: string[] | null }

const WORD = /[\p{L}\p{N}_]/u;
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A keyword as Mastodon matches it: case-insensitive; whole word: not inside a longer word (where it starts or ends with a letter or digit). */
function keywordPattern(k: KeywordRow): RegExp {
  const before = k.whole_word && WORD.test(k.keyword[0]!) ? '(?<![\\p{L}\\p{N}_])' : '';
  const after = k.whole_word && WORD.test(k.keyword[k.keyword.length - 1]!) ? '(?![\\p{L}\\p{N}_])' : '';
  return new RegExp(`${before}${escapeRegExp(k.keyword)}${after}`, 'iu');
}

/**
 * Builds the viewer's matcher: for a status (what it says, its id and, for a reblog, the original's
 * id), the filters it matches in `context` (every context when null).
 */
export function filterMatcher(filters: FilterRow[], context: FilterContext | null): (text: string, statusIds: string[]) => FilterMatch[] {
  const applying = filters.filter((f) => context === null || f.context.includes(context))
    .map((f) => ({ filter: f, patterns: f.keywords.map((k) => ({ keyword: k.keyword, pattern: keywordPattern(k) })) }));
  return (text, statusIds) => {
    const matches: FilterMatch[] = [];
    for (const { filter, patterns } of applying) {
      const keywordMatches = patterns.filter((p) => p.pattern.test(text)).map((p) => p.keyword);
      const statusMatches = filter.statuses.filter((s) => statusIds.includes(s.status_id)).map((s) => s.status_id);
      if (keywordMatches.length || statusMatches.length) {
        matches.push({ filter, keywordMatches: keywordMatches.length ? keywordMatches : null, statusMatches: statusMatches.length ? statusMatches : null });
      }
    }
    return matches;
  };
}
