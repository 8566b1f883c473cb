// Pagination as Mastodon clients speak it: max_id / since_id / min_id / limit in the query, and a
// Link header pointing at the next (older) and previous (newer) pages. A handler returns a page in one
// line: `paginated(ctx, request, reply, (page) => domain.list(..., page))`.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { badRequest } from '../errors.js';
import type { PageParams } from '../domain/pagination.js';
import { idParam, type Params } from './params.js';

const optionalId = (value: unknown) => (value === undefined || value === '' ? undefined : idParam(value));

export function parsePage(query: Params, defaultLimit = 20, maxLimit = 40): PageParams {
  let limit = defaultLimit;
  if (query.limit !== undefined && query.limit !== '') {
    const n = Number(query.limit);
    if (typeof query.limit !== 'string' || !Number.isInteger(n) || n < 1) throw badRequest('limit must be a positive integer');
    limit = Math.min(n, maxLimit);
  }
  return { maxId: optionalId(query.max_id), sinceId: optionalId(query.since_id), minId: optionalId(query.min_id), limit };
}

/** Rows come newest first; the cursor of each is its id unless the list pages by another column. */
export function linkHeader(url: string, cursors: string[], query: Params): string | undefined {
  if (cursors.length === 0) return undefined;
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
  return `<${make('max_id', cursors[cursors.length - 1]!)}>; rel="next", <${make('min_id', cursors[0]!)}>; rel="prev"`;
}

export interface PageOptions<R> {
  /** [default, maximum] page size; Mastodon's are 20/40 for statuses, 40/80 for accounts. */
  limits?: [number, number];
  /** The pagination cursor of a row, when it is not the row's id. */
  cursor?: (row: R) => string;
}

/** Reads the page from the query, lists it, and sets the Link header for it. */
export async function paginated<R extends { id?: string; cursor?: string }>(
  ctx: AppContext, request: FastifyRequest, reply: FastifyReply, list: (page: PageParams) => Promise<R[]>, options: PageOptions<R> = {},
): Promise<R[]> {
  return (await paginatedPage(ctx, request, reply, async (page) => ({ rows: await list(page) }), options)).rows;
}

/** paginated() for a list that answers its rows with more than them (a timeline page with its hydration). */
export async function paginatedPage<R extends { id?: string; cursor?: string }, P extends { rows: R[] }>(
  ctx: AppContext, request: FastifyRequest, reply: FastifyReply, list: (page: PageParams) => Promise<P>, options: PageOptions<R> = {},
): Promise<P> {
  const query = request.query as Params;
  const [defaultLimit, maxLimit] = options.limits ?? [20, 40];
  const page = await list(parsePage(query, defaultLimit, maxLimit));
  const cursorOf = options.cursor ?? ((r: R) => r.cursor ?? r.id!);
  const link = linkHeader(`${ctx.config.publicUrl}${request.url}`, page.rows.map(cursorOf), query);
  if (link) reply.header('link', link);
  return page;
}
