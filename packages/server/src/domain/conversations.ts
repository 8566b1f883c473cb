// Direct-message conversations: what GET /api/v1/conversations lists.
//
// Grouping: one conversation per viewer per set of participants (the author of a direct status and
// everyone it mentions, the viewer left out). Mastodon groups by thread instead; grouping by the
// participant set is simpler (no thread to find for a new message) and is what users mostly mean by
// "a conversation with Ann and Ben". A direct status's participants are fixed when it is posted: an
// edit that changes its mentions does not move it to another conversation (reads check visibility
// again, so someone edited out no longer sees it there).
//
// Kept on write, in the transaction that posts or deletes a direct status:
// - posting links the status into the author's conversation (read) and each mentioned recipient's who
//   may see it (unread), creating the conversation if needed: also one the viewer had deleted, which
//   a new message brings back, as on Mastodon;
// - deleting a status unlinks it; each conversation that held it falls back to its previous status,
//   or is dropped when none is left, so no conversation points at a deleted status;
// - a viewer deleting a conversation deletes only their row (and its links).
// Reads show, for each conversation, the newest linked status the viewer may still see (a block since
// hides it) and page by the conversation's newest status id, as Mastodon does (max_id/min_id and the
// Link header carry last_status_id, not the conversation's id).
import type { AppContext } from '../context.js';
import type { Queryable } from '../db/index.js';
import { notFound } from '../errors.js';
import { idempotentWrite } from './idempotency.js';
import { keysetPage, type PageParams } from './pagination.js';
import { visibleTo } from './visibility.js';

export interface ConversationRow {
  id: string; account_id: string; unread: boolean;
  /** The other participants, sorted; empty for notes to oneself. */
  participant_ids: string[];
  /** The newest status in it that the viewer may see. */
  last_status_id: string;
  /** The pagination cursor: the newest status linked to it. */
  cursor: string;
}

/**
 * Files a new direct status under the conversations of its author and of each mentioned account that
 * may see it (the same check as notify(): a recipient who blocks the author, or is blocked, gets
 * nothing). Must run after the status and its mentions are written, in a statement of its own.
 */
export async function addToConversations(tx: Queryable, statusId: string, authorId: string, mentionedIds: string[]): Promise<void> {
  const everyone = [...new Set([authorId, ...mentionedIds])];
  // The members' rows are locked in the order of their ids, whoever writes: two direct posts between
  // the same people, each filed author first, locked the same two rows in opposite orders (a deadlock
  // PostgreSQL broke by failing one, which the data layer then retried).
  await tx.query(
    `with members as (
       select u.member from unnest($2::bigint[]) as u(member)
       where u.member = $3 or exists (select 1 from statuses s where s.id = $1 and ${visibleTo('u.member')})),
     filed as (
       insert into conversations (account_id, participant_ids, last_status_id, unread)
       select m.member, array(select p from unnest($2::bigint[]) as e(p) where p <> m.member order by p), $1, m.member <> $3
       from members m order by m.member
       on conflict (account_id, participant_ids) do update
         set last_status_id = greatest(conversations.last_status_id, excluded.last_status_id), unread = excluded.unread
       returning id)
     insert into conversation_statuses (conversation_id, status_id) select id, $1 from filed on conflict do nothing`,
    [statusId, everyone, authorId]);
}

/**
 * Before a direct status is deleted: unlinks it, moves each conversation that held it back to its
 * previous status and drops those left empty.
 */
export async function removeFromConversations(tx: Queryable, statusId: string): Promise<void> {
  const unlinked = await tx.query<{ conversation_id: string }>('delete from conversation_statuses where status_id = $1 returning conversation_id', [statusId]);
  if (unlinked.length === 0) return;
  // The two parts touch disjoint rows (with links left / without), so one statement can do both.
  await tx.query(
    `with emptied as (
       delete from conversations c where c.id = any($1::bigint[])
         and not exists (select 1 from conversation_statuses cs where cs.conversation_id = c.id))
     update conversations c set last_status_id = (select max(cs.status_id) from conversation_statuses cs where cs.conversation_id = c.id)
     where c.id = any($1::bigint[]) and exists (select 1 from conversation_statuses cs where cs.conversation_id = c.id)`,
    [unlinked.map((u) => u.conversation_id)]);
}

/** The viewer's ($1) conversations and, in each, the newest status they may see. */
const conversationsWhere = (extra: string, tail = '') =>
  `select c.id, c.account_id, c.unread, c.participant_ids::text[] as participant_ids, c.last_status_id as cursor, ls.status_id as last_status_id
   from conversations c
   cross join lateral (
     select cs.status_id from conversation_statuses cs join statuses s on s.id = cs.status_id
     where cs.conversation_id = c.id and ${visibleTo('$1')}
     order by cs.status_id desc limit 1) ls
   where c.account_id = $1 and ${extra} ${tail}`;

/** Newest activity first, keyset-paginated by the newest status in each conversation. */
export function listConversations(db: Queryable, viewerId: string, page: PageParams): Promise<ConversationRow[]> {
  return keysetPage<ConversationRow>(db, page, 'c.last_status_id', [viewerId], (k) => conversationsWhere(k.where, `order by ${k.order} limit ${k.limit}`));
}

/** One of the viewer's conversations, or undefined (anyone else's, or one with nothing left to show). */
export async function findConversation(db: Queryable, viewerId: string, id: string): Promise<ConversationRow | undefined> {
  const [row] = await db.query<ConversationRow>(conversationsWhere('c.id = $2'), [viewerId, id]);
  return row;
}

export async function getConversation(db: Queryable, viewerId: string, id: string): Promise<ConversationRow> {
  const row = await findConversation(db, viewerId, id);
  if (!row) throw notFound();
  return row;
}

/** Marks one of the viewer's conversations read (or unread again: Mastodon 4.4); idempotent by nature. */
export async function markConversation(ctx: AppContext, viewerId: string, id: string, unread = false): Promise<ConversationRow> {
  return ctx.db.transaction(async (tx) => {
    const updated = await tx.query('update conversations set unread = $3 where id = $1 and account_id = $2 returning id', [id, viewerId, unread]);
    if (updated.length === 0) throw notFound();
    return getConversation(tx, viewerId, id);
  });
}

/**
 * Removes the conversation for the viewer only; the others' copies and the statuses stay. A retried
 * delete (same Idempotency-Key) succeeds as the first one did, not 404.
 */
export async function deleteConversation(ctx: AppContext, viewerId: string, id: string, key: string | null): Promise<void> {
  await idempotentWrite(ctx, viewerId, key, `DELETE /api/v1/conversations/${id}`, async (tx) => {
    const deleted = await tx.query('delete from conversations where id = $1 and account_id = $2 returning id', [id, viewerId]);
    if (deleted.length === 0) throw notFound();
    return {};
  });
}
