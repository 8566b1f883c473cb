// Follows, follow requests, blocks and mutes between accounts, and the Relationship view of them.
// A follow of a locked account is a request until its owner authorizes it (Mastodon's model): the
// requester sees `requested`, the owner gets a `follow_request` notification and lists requests at
// GET /api/v1/follow_requests. Every write here is safe to repeat (DESIGN §2 rule 3): repeating a
// follow, an authorization or a rejection leaves the same state and answers the same way.
import type { AppContext } from '../context.js';
import type { Queryable } from '../db/index.js';
import { forbidden, notFound, unprocessable } from '../errors.js';
import { keysetPage, type PageParams } from './pagination.js';
import { publishNotifications, type NotificationRef } from './events.js';
import { copyIntoHomeFeed, removeFromHomeFeed } from './home-feed.js';
import { leaveListsIfUnfollowed } from './lists.js';
import { notify } from './notifications.js';
import { activeMute } from './visibility.js';

export interface Relationship {
  id: string; following: boolean; showing_reblogs: boolean; notifying: boolean; followed_by: boolean;
  blocking: boolean; blocked_by: boolean; muting: boolean; muting_notifications: boolean; requested: boolean;
  requested_by: boolean; domain_blocking: boolean; endorsed: boolean; note: string; languages: string[] | null;
}

export async function relationships(db: Queryable, viewerId: string, ids: string[]): Promise<Relationship[]> {
  if (ids.length === 0) return [];
  const rows = await db.query<{
    id: string; following: boolean; show_reblogs: boolean | null; notify: boolean | null; followed_by: boolean; blocking: boolean; blocked_by: boolean;
    muting: boolean; muting_notifications: boolean | null; requested: boolean; requested_by: boolean; endorsed: boolean; note: string | null;
  }>(
    `select t.id::text as id,
       f.id is not null as following, coalesce(f.show_reblogs, fr.show_reblogs) as show_reblogs, coalesce(f.notify, fr.notify) as notify,
       fr.id is not null as requested,
       exists (select 1 from follow_requests where account_id = t.id and target_account_id = $1) as requested_by,
       exists (select 1 from follows where account_id = t.id and target_account_id = $1) as followed_by,
       exists (select 1 from blocks where account_id = $1 and target_account_id = t.id) as blocking,
       exists (select 1 from blocks where account_id = t.id and target_account_id = $1) as blocked_by,
       m.id is not null as muting, m.notifications as muting_notifications,
       exists (select 1 from endorsements where account_id = $1 and target_account_id = t.id) as endorsed,
       (select comment from account_notes where account_id = $1 and target_account_id = t.id) as note
     from unnest($2::bigint[]) as t(id)
     left join follows f on f.account_id = $1 and f.target_account_id = t.id
     left join mutes m on m.account_id = $1 and m.target_account_id = t.id and ${activeMute('m')}
     left join follow_requests fr on fr.account_id = $1 and fr.target_account_id = t.id`, [viewerId, ids]);
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => {
    const r = byId.get(id)!;
    return {
      id, following: r.following, showing_reblogs: r.show_reblogs ?? false, notifying: r.notify ?? false, followed_by: r.followed_by,
      blocking: r.blocking, blocked_by: r.blocked_by, muting: r.muting, muting_notifications: r.muting_notifications ?? false,
      requested: r.requested, requested_by: r.requested_by, domain_blocking: false, endorsed: r.endorsed, note: r.note ?? '', languages: null,
    };
  });
}

async function requireAccount(tx: Queryable, id: string): Promise<{ locked: boolean; suspended: boolean }> {
  const [row] = await tx.query<{ locked: boolean; suspended: boolean }>('select locked, suspended_at is not null as suspended from accounts where id = $1', [id]);
  if (!row) throw notFound();
  return row;
}

type Notified = { notification?: NotificationRef };

export async function follow(ctx: AppContext, accountId: string, targetId: string, options: { reblogs?: boolean; notify?: boolean }): Promise<void> {
  if (accountId === targetId) throw unprocessable('Validation failed: You cannot follow yourself');
  return ctx.db.transaction(async (tx) => {
    const target = await requireAccount(tx, targetId);
    if (target.suspended) throw forbidden('This account is suspended');
    const blocked = await tx.query('select 1 from blocks where (account_id = $1 and target_account_id = $2) or (account_id = $2 and target_account_id = $1)', [accountId, targetId]);
    if (blocked.length) throw forbidden('You cannot follow this account');
    // Following already: only the options change. Not yet, and the account is locked: a request.
    const existing = await tx.query('select 1 from follows where account_id = $1 and target_account_id = $2', [accountId, targetId]);
    if (existing.length === 0 && target.locked) {
      const [request] = await tx.query<{ created: boolean }>(
        `insert into follow_requests (account_id, target_account_id, show_reblogs, notify) values ($1, $2, $3, $4)
         on conflict (account_id, target_account_id) do update set show_reblogs = excluded.show_reblogs, notify = excluded.notify
         returning (xmax = 0) as created`, [accountId, targetId, options.reblogs ?? true, options.notify ?? false]);
      if (!request?.created) return;
      publishNotifications(ctx.events, tx, [await notify(tx, targetId, accountId, 'follow_request', null)]);
      return;
    }
    const { notification } = await insertFollow(tx, accountId, targetId, { reblogs: options.reblogs ?? true, notify: options.notify ?? false }, true);
    publishNotifications(ctx.events, tx, [notification]);
  });
}

/** The follow row and both counters; notifies the followed account when asked to. */
async function insertFollow(tx: Queryable, accountId: string, targetId: string, options: { reblogs: boolean; notify: boolean }, notifyTarget: boolean): Promise<Notified> {
  const inserted = await tx.query(
    `insert into follows (account_id, target_account_id, show_reblogs, notify) values ($1, $2, $3, $4)
     on conflict (account_id, target_account_id) do update set show_reblogs = excluded.show_reblogs, notify = excluded.notify
     returning (xmax = 0) as created`, [accountId, targetId, options.reblogs, options.notify]);
  if (!inserted[0]?.created) return {};
  await copyIntoHomeFeed(tx, accountId, targetId);
  await tx.query('update accounts set following_count = following_count + 1 where id = $1', [accountId]);
  await tx.query('update accounts set followers_count = followers_count + 1 where id = $1', [targetId]);
  return { notification: notifyTarget ? await notify(tx, targetId, accountId, 'follow', null) : undefined };
}

/**
 * The owner of a locked account accepts a request: it becomes a follow, and the request's
 * notification becomes the "followed you" it now is. Accepting again (a retry) finds the follow and
 * answers the same; a request that never existed is 404.
 */
export async function authorizeFollowRequest(ctx: AppContext, ownerId: string, requesterId: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    await requireAccount(tx, requesterId);
    const [request] = await tx.query<{ show_reblogs: boolean; notify: boolean }>(
      'delete from follow_requests where account_id = $1 and target_account_id = $2 returning show_reblogs, notify', [requesterId, ownerId]);
    if (!request) {
      const following = await tx.query('select 1 from follows where account_id = $1 and target_account_id = $2', [requesterId, ownerId]);
      if (following.length === 0) throw notFound('Follow request not found');
      return;
    }
    await insertFollow(tx, requesterId, ownerId, { reblogs: request.show_reblogs, notify: request.notify }, false);
    await tx.query(`update notifications set type = 'follow' where account_id = $1 and from_account_id = $2 and type = 'follow_request'`, [ownerId, requesterId]);
  });
}

/** Rejecting removes the request and its notification; rejecting again changes nothing. */
export async function rejectFollowRequest(ctx: AppContext, ownerId: string, requesterId: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    await requireAccount(tx, requesterId);
    await removeFollowRequest(tx, requesterId, ownerId);
  });
}

async function removeFollowRequest(tx: Queryable, accountId: string, targetId: string): Promise<void> {
  const removed = await tx.query('delete from follow_requests where account_id = $1 and target_account_id = $2 returning id', [accountId, targetId]);
  if (removed.length === 0) return;
  await tx.query(`delete from notifications where account_id = $1 and from_account_id = $2 and type = 'follow_request'`, [targetId, accountId]);
  await leaveListsIfUnfollowed(tx, accountId, targetId);
}

/** Unlocking an account accepts everyone who was waiting, as Mastodon does. */
export async function authorizeAllFollowRequests(ctx: AppContext, ownerId: string): Promise<void> {
  const pending = await ctx.db.query<{ account_id: string }>('select account_id from follow_requests where target_account_id = $1 order by id', [ownerId]);
  for (const p of pending) await authorizeFollowRequest(ctx, ownerId, p.account_id);
}

export async function listFollowRequests(db: Queryable, ownerId: string, page: PageParams): Promise<Array<{ cursor: string; accountId: string }>> {
  const params: unknown[] = [ownerId];
  const rows = await keysetPage<{ cursor: string; account_id: string }>(db, page, 'fr.id', params, (k) =>
    `select fr.id as cursor, fr.account_id from follow_requests fr where fr.target_account_id = $1 and ${k.where} order by ${k.order} limit ${k.limit}`);
  return rows.map((r) => ({ cursor: r.cursor, accountId: r.account_id }));
}

export async function countFollowRequests(db: Queryable, ownerId: string): Promise<number> {
  const [row] = await db.query<{ n: string }>('select count(*) as n from follow_requests where target_account_id = $1', [ownerId]);
  return Number(row?.n ?? 0);
}

async function removeFollow(tx: Queryable, accountId: string, targetId: string): Promise<void> {
  const removed = await tx.query('delete from follows where account_id = $1 and target_account_id = $2 returning id', [accountId, targetId]);
  if (removed.length === 0) return;
  await removeFromHomeFeed(tx, accountId, targetId);
  await leaveListsIfUnfollowed(tx, accountId, targetId);
  // One endorses only whom one follows (as on Mastodon, an unfollow ends the endorsement).
  await tx.query('delete from endorsements where account_id = $1 and target_account_id = $2', [accountId, targetId]);
  await tx.query('update accounts set following_count = greatest(following_count - 1, 0) where id = $1', [accountId]);
  await tx.query('update accounts set followers_count = greatest(followers_count - 1, 0) where id = $1', [targetId]);
}

/** Unfollowing also withdraws a pending request. */
export async function unfollow(ctx: AppContext, accountId: string, targetId: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    await requireAccount(tx, targetId);
    await removeFollow(tx, accountId, targetId);
    await removeFollowRequest(tx, accountId, targetId);
  });
}

export async function removeFromFollowers(ctx: AppContext, accountId: string, followerId: string): Promise<void> {
  await ctx.db.transaction(async (tx) => { await requireAccount(tx, followerId); await removeFollow(tx, followerId, accountId); });
}

/** Blocking also severs follows and follow requests in both directions, as on Mastodon. */
export async function block(ctx: AppContext, accountId: string, targetId: string): Promise<void> {
  if (accountId === targetId) throw unprocessable('Validation failed: You cannot block yourself');
  await ctx.db.transaction(async (tx) => {
    await requireAccount(tx, targetId);
    await tx.query('insert into blocks (account_id, target_account_id) values ($1, $2) on conflict do nothing', [accountId, targetId]);
    await removeFollow(tx, accountId, targetId);
    await removeFollow(tx, targetId, accountId);
    await removeFollowRequest(tx, accountId, targetId);
    await removeFollowRequest(tx, targetId, accountId);
  });
}

export async function unblock(ctx: AppContext, accountId: string, targetId: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    await requireAccount(tx, targetId);
    await tx.query('delete from blocks where account_id = $1 and target_account_id = $2', [accountId, targetId]);
  });
}

/** The longest mute with a duration (anything longer is indefinite, duration 0). */
export const MAX_MUTE_DURATION = 10 * 365 * 86_400;

/**
 * Mutes an account, for `durationSeconds` (it ends by itself: every read ignores an expired mute) or
 * indefinitely (null). Muting again replaces the options and the duration: idempotent by nature.
 */
export async function mute(ctx: AppContext, accountId: string, targetId: string, notifications: boolean, durationSeconds: number | null = null): Promise<void> {
  if (accountId === targetId) throw unprocessable('Validation failed: You cannot mute yourself');
  await ctx.db.transaction(async (tx) => {
    await requireAccount(tx, targetId);
    await tx.query(
      `insert into mutes (account_id, target_account_id, notifications, expires_at) values ($1, $2, $3, now() + make_interval(secs => $4::integer))
       on conflict (account_id, target_account_id) do update set notifications = excluded.notifications, expires_at = excluded.expires_at`,
      [accountId, targetId, notifications, durationSeconds]);
  });
}

export async function unmute(ctx: AppContext, accountId: string, targetId: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    await requireAccount(tx, targetId);
    await tx.query('delete from mutes where account_id = $1 and target_account_id = $2', [accountId, targetId]);
  });
}

/** Followers or following of an account, paginated by the follow row's id as Mastodon does. */
export async function listFollowAccounts(db: Queryable, accountId: string, direction: 'followers' | 'following', page: PageParams): Promise<Array<{ cursor: string; accountId: string }>> {
  const [mine, other] = direction === 'followers' ? ['target_account_id', 'account_id'] : ['account_id', 'target_account_id'];
  const params: unknown[] = [accountId];
  const rows = await keysetPage<{ cursor: string; account_id: string }>(db, page, 'f.id', params, (k) =>
    `select f.id as cursor, f.${other} as account_id from follows f where f.${mine} = $1 and ${k.where} order by ${k.order} limit ${k.limit}`);
  return rows.map((r) => ({ cursor: r.cursor, accountId: r.account_id }));
}

/** Blocked or muted accounts, newest first; a mute with a duration says when it ends (expired ones are gone). */
export async function listBlockOrMute(db: Queryable, table: 'blocks' | 'mutes', accountId: string, page: PageParams): Promise<Array<{ cursor: string; accountId: string; expiresAt: Date | null }>> {
  const params: unknown[] = [accountId];
  const rows = await keysetPage<{ cursor: string; account_id: string; expires_at: Date | null }>(db, page, 't.id', params, (k) => table === 'mutes'
    ? `select t.id as cursor, t.target_account_id as account_id, t.expires_at from mutes t
       where t.account_id = $1 and ${activeMute('t')} and ${k.where} order by ${k.order} limit ${k.limit}`
    : `select t.id as cursor, t.target_account_id as account_id, null::timestamptz as expires_at from blocks t
       where t.account_id = $1 and ${k.where} order by ${k.order} limit ${k.limit}`);
  return rows.map((r) => ({ cursor: r.cursor, accountId: r.account_id, expiresAt: r.expires_at }));
}

/** At most this many endorsed accounts: the profile shows them all. */
export const MAX_ENDORSEMENTS = 100;

/** Endorses (features on one's profile) an account one follows; again changes nothing. */
export async function endorse(ctx: AppContext, accountId: string, targetId: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    await requireAccount(tx, targetId);
    const [state] = await tx.query<{ following: boolean; already: boolean; n: string }>(
      `select exists (select 1 from follows where account_id = $1 and target_account_id = $2) as following,
         exists (select 1 from endorsements where account_id = $1 and target_account_id = $2) as already,
         (select count(*) from endorsements where account_id = $1) as n`, [accountId, targetId]);
    if (state!.already) return;
    if (!state!.following) throw unprocessable('Validation failed: You must be already following the person you want to endorse');
    if (Number(state!.n) >= MAX_ENDORSEMENTS) throw unprocessable(`Validation failed: You can endorse at most ${MAX_ENDORSEMENTS} accounts`);
    await tx.query('insert into endorsements (account_id, target_account_id) values ($1, $2) on conflict do nothing', [accountId, targetId]);
  });
}

export async function unendorse(ctx: AppContext, accountId: string, targetId: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    await requireAccount(tx, targetId);
    await tx.query('delete from endorsements where account_id = $1 and target_account_id = $2', [accountId, targetId]);
  });
}

/** The accounts an account endorses, newest endorsement first. */
export async function listEndorsements(db: Queryable, accountId: string, page: PageParams): Promise<Array<{ cursor: string; accountId: string }>> {
  const rows = await keysetPage<{ cursor: string; account_id: string }>(db, page, 'e.id', [accountId], (k) =>
    `select e.id as cursor, e.target_account_id as account_id from endorsements e where e.account_id = $1 and ${k.where} order by ${k.order} limit ${k.limit}`);
  return rows.map((r) => ({ cursor: r.cursor, accountId: r.account_id }));
}

/** Mastodon's AccountNote::COMMENT_SIZE_LIMIT. */
export const MAX_NOTE = 2000;

/** A private note on an account, seen only by its writer; an empty note removes it. Idempotent by nature. */
export async function setNote(ctx: AppContext, accountId: string, targetId: string, comment: string): Promise<void> {
  if ([...comment].length > MAX_NOTE) throw unprocessable(`Validation failed: Comment is too long (maximum is ${MAX_NOTE} characters)`);
  await ctx.db.transaction(async (tx) => {
    await requireAccount(tx, targetId);
    if (comment.trim() === '') await tx.query('delete from account_notes where account_id = $1 and target_account_id = $2', [accountId, targetId]);
    else {
      await tx.query(
        `insert into account_notes (account_id, target_account_id, comment) values ($1, $2, $3)
         on conflict (account_id, target_account_id) do update set comment = excluded.comment`, [accountId, targetId, comment]);
    }
  });
}

/** How many familiar followers are named per account (the profile shows a few avatars). */
export const FAMILIAR_FOLLOWERS_SHOWN = 40;

/** For each of `ids`: accounts the viewer follows that follow it (Mastodon's familiar followers). */
export async function familiarFollowers(db: Queryable, viewerId: string, ids: string[]): Promise<Map<string, string[]>> {
  const rows = await db.query<{ id: string; followers: string[] }>(
    `select t.id::text as id, array(
       select f.account_id::text from follows f
       where f.target_account_id = t.id and f.account_id <> $1
         and exists (select 1 from follows mine where mine.account_id = $1 and mine.target_account_id = f.account_id)
       order by f.id desc limit $3) as followers
     from unnest($2::bigint[]) as t(id)`, [viewerId, ids, FAMILIAR_FOLLOWERS_SHOWN]);
  return new Map(rows.map((r) => [r.id, r.followers]));
}
