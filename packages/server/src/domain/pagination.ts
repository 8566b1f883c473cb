// Keyset pagination, Mastodon style: max_id / since_id / min_id / limit, newest first, and the
// Link header that points at the next (older) and previous (newer) pages.
import { badRequest } from '../errors.js';

export interface PageParams { maxId?: string; sinceId?: string; minId?: string; limit: number }

const ID = /^\d{1,19}$/;

function idParam(value: unknown, name: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !ID.test(value)) throw badRequest(`${name} must be a numeric id`);
  return value;
}

export function parsePage(query: Record<string, unknown>, defaultLimit = 20, maxLimit = 40): PageParams {
  let limit = defaultLimit;
  if (query.limit !== undefined && query.limit !== '') {
    const n = Number(query.limit);
    if (typeof query.limit !== 'string' || !Number.isInteger(n) || n < 1) throw badRequest('limit must be a positive integer');
    limit = Math.min(n, maxLimit);
  }
  return { maxId: idParam(query.max_id, 'max_id'), sinceId: idParam(query.since_id, 'since_id'), minId: idParam(query.min_id, 'min_id'), limit };
}

/**
 * Appends keyset conditions on `column` to a query's parameter list and returns the SQL fragments.
 * With min_id the page is the oldest rows above it (ascending), which the caller reverses.
 */
export function keyset(page: PageParams, column: string, params: unknown[]): { where: string; order: string; limit: string; ascending: boolean } {
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

/** Rows come back newest first; `cursorOf` picks the pagination cursor (the row's id or e.g. a follow id). */
export function linkHeader(url: string, rows: Array<{ cursor: string }>, query: Record<string, unknown>): string | undefined {
  if (rows.length === 0) return undefined;
  const base = new URL(url);
  const keep = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (['max_id', 'since_id', 'min_id'].includes(k) || v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v]) keep.append(k, String(item));
  }
  const make = (key: string, value: string) => {
    const p = new URLSearchParams(keep);
    p.set(key, value);
    return `${base.origin}${base.pathname}?${p.toString()}`;
  };
  return `<${make('max_id', rows[rows.length - 1]!.cursor)}>; rel="next", <${make('min_id', rows[0]!.cursor)}>; rel="prev"`;
}
