// Who hears of a change on the streaming API: the same predicates as the timelines (timelines.ts),
// evaluated for every listening viewer at once.
import type { Queryable } from '../db/index.js';
import { findConversation, type ConversationRow } from './conversations.js';
import { listConditions } from './lists.js';
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

/** The lists among `listIds` whose timeline would show the status (lists.ts's listConditions, for each list's owner). */
export async function listsMatching(db: Queryable, statusId: string, listIds: string[]): Promise<Set<string>> {
  if (listIds.length === 0) return new Set();
  const rows = await db.query<{ id: string }>(
    `select l.id from lists l cross join statuses s
     where l.id = any($2::bigint[]) and s.id = $1 and ${listConditions('l.account_id', 'l.id').join(' and ')}`, [statusId, listIds]);
  return new Set(rows.map((r) => r.id));
}

/** Each viewer's conversation that a direct status was filed under (conversations.ts), for the `direct` stream. */
export async function conversationsOf(db: Queryable, statusId: string, viewers: string[]): Promise<ConversationRow[]> {
  if (viewers.length === 0) return [];
  const rows = await db.query<{ account_id: string; id: string }>(
    `select c.account_id, c.id from conversation_statuses cs join conversations c on c.id = cs.conversation_id
     where cs.status_id = $1 and c.account_id = any($2::bigint[])`, [statusId, viewers]);
  const out: ConversationRow[] = [];
  for (const r of rows) {
    const conversation = await findConversation(db, r.account_id, r.id);
    if (conversation) out.push(conversation);
  }
  return out;
}
