// Who hears of a change on the streaming API: the same predicates as the timelines (timelines.ts),
// evaluated for every listening viewer at once.
import type { Queryable } from '../db/index.js';
import { STATUS_COLUMNS, type StatusRow } from './statuses.js';

/** The viewers (null = anonymous) among `viewers` for whom the status passes `conditions`. */
export async function viewersMatching(db: Queryable, statusId: string, viewers: Array<string | null>, conditions: (viewer: string) => string[]): Promise<Set<string | null>> {
  if (viewers.length === 0) return new Set();
  const rows = await db.query<{ viewer_id: string | null }>(
    `select v.id as viewer_id from unnest($2::bigint[]) as v(id) cross join statuses s
     where s.id = $1 and ${conditions('v.id').join(' and ')}`, [statusId, viewers]);
  return new Set(rows.map((r) => r.viewer_id));
}

/** A status about to be delivered, with its hashtags (lower case), or undefined if it is gone. */
export async function statusToDeliver(db: Queryable, statusId: string): Promise<{ status: StatusRow; tags: Set<string> } | undefined> {
  const [row] = await db.query<StatusRow & { tag_names: string[] }>(
    `select ${STATUS_COLUMNS}, array(select lower(t.name) from status_tags st join tags t on t.id = st.tag_id where st.status_id = s.id) as tag_names
     from statuses s where s.id = $1`, [statusId]);
  if (!row) return undefined;
  const { tag_names: tags, ...status } = row;
  return { status: status as StatusRow, tags: new Set(tags) };
}
