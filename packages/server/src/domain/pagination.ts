// Keyset pagination, Mastodon style: a page is max_id / since_id / min_id / limit over an id column,
// newest first. With min_id the page is the oldest rows above it, read ascending and then reversed.
// (Reading the parameters from a request and the Link header are the API's: api/pagination.ts.)
import type { Queryable, Row } from '../db/index.js';

/** The smallest id made at or after `ms` (ids are milliseconds << 16; see migration 0001). */
export const firstIdAt = (ms: number) => (BigInt(Math.floor(ms)) << 16n).toString();

export interface PageParams { maxId?: string; sinceId?: string; minId?: string; limit: number }

export interface Keyset { where: string; order: string; limit: string; ascending: boolean }

/** Appends the page's conditions on `column` to a query's parameter list and returns the SQL fragments. */
export function keyset(page: PageParams, column: string, params: unknown[]): Keyset {
  const conditions: string[] = [];
  if (page.maxId) { params.push(page.maxId); conditions.push(`${column} < $${params.length}`); }
  if (page.sinceId) { params.push(page.sinceId); conditions.push(`${column} > $${params.length}`); }
  if (page.minId) { params.push(page.minId); conditions.push(`${column} > $${params.length}`); }
  params.push(page.limit);
  const ascending = Boolean(page.minId);
  return {
    where: conditions.length ? conditions.join(' and ') : 'true',
    order: `${column} ${ascending ? 'asc' : 'desc'}`,
    limit: `$${params.length}`,
    ascending,
  };
}

/** Runs a keyset query built by `sql` and returns its rows newest first, whatever order it read them in. */
export async function keysetPage<T extends Row>(db: Queryable, page: PageParams, column: string, params: unknown[], sql: (k: Keyset) => string): Promise<T[]> {
  const k = keyset(page, column, params);
  const rows = await db.query<T>(sql(k), params);
  return k.ascending ? rows.reverse() : rows;
}
