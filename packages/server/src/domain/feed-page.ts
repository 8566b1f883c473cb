// A page of a feed (a home timeline, a list's timeline) that the feed holds whole is found and
// hydrated by one statement (hydration.ts findAndHydrate): one round trip, where reading the page and
// then hydrating it takes two, and no status columns read for statuses whose content is cached. A
// page the feed does not hold whole (the feed is not built yet, the page reaches below its floor) is
// read by the timeline apart, by fan-in where the feed does not reach, and hydrated as any page is.
import type { Queryable } from '../db/index.js';
import { feedPageSql } from './feed-outbox.js';
import type { FilterContext } from './filters.js';
import type { FeedTable } from './home-feed.js';
import { findAndHydrate, PAGE_STATUS_COLUMNS, type HydrationCaches, type StatusBatch } from './hydration.js';
import type { PageParams } from './pagination.js';
import type { StatusRow } from './statuses.js';

/** A page of statuses, and its batch when the statement that found it also hydrated it (null: hydrate the rows). */
export interface TimelinePage { rows: StatusRow[]; batch: StatusBatch | null }

/** Whose feed, with which predicates over `s`: `owner` and `viewer` name parameters of `params`, `alias` the owner's row in `conditions`. */
export interface FeedQuery { feed: FeedTable; alias: string; owner: string; viewer: string; conditions: string[]; params: unknown[] }

/** A page reaches below the feed's floor when the feed may not hold all of it (floor '0': the feed holds everything). */
export const reachesBelowFloor = (p: PageParams, floor: string) => floor !== '0' && (!p.sinceId || BigInt(p.sinceId) < BigInt(floor) - 1n);

/** The page, found and hydrated in one statement, if the feed holds it whole; null otherwise, or when none of it is visible. */
export async function wholeFeedPage(
  ctx: { db: Queryable } & HydrationCaches, viewerId: string, q: FeedQuery, p: PageParams, context: FilterContext,
): Promise<TimelinePage | null> {
  const params = [...q.params];
  const feedSql = feedPageSql(q.feed, q.alias, PAGE_STATUS_COLUMNS, q.conditions, p, params);
  const found = await findAndHydrate<{ feed_floor: string | null; feed_rows: number }>(ctx.db, ctx, viewerId, {
    ctes: `feed_page as (select ${q.alias}.${q.feed.floor} as floor, page.* from ${q.feed.owners} ${q.alias} left join lateral (${feedSql.sql}) page on true where ${q.alias}.id = ${q.owner})`,
    rows: 'select * from feed_page where id is not null', params, viewer: q.viewer,
    // The feed's rows as the page found them, before visibility: as many as asked means the feed reached.
    columns: ['(select min(floor) from feed_page)::text as feed_floor', '(select count(id) from feed_page)::int as feed_rows'],
  }, context);
  if (!found) return null;
  const { feed_floor: floor, feed_rows: rows } = found.extra;
  if (floor === null) return null;
  const whole = feedSql.ascending ? BigInt(p.minId!) >= BigInt(floor) : rows === p.limit || !reachesBelowFloor(p, floor);
  return whole ? found : null;
}
