// Follows, blocks and mutes between accounts, and the Relationship view of them.
import type { AppContext } from '../context.js';
import type { Queryable } from '../db/index.js';
import { forbidden, notFound, unprocessable } from '../errors.js';
import { keyset, type PageParams } from './pagination.js';
import { copyIntoHomeFeed, removeFromHomeFeed } from './home-feed.js';
import { notify } from './notifications.js';

export interface Relationship {
  id: string; following: boolean; showing_reblogs: boolean; notifying: boolean; followed_by: boolean;
  blocking: boolean; blocked_by: boolean; muting: boolean; muting_notifications: boolean; requested: boolean;
  requested_by: boolean; domain_blocking: boolean; endorsed: boolean; note: string; languages: string[] | null;
}

export async function relationships(db: Queryable, viewerId: string, ids: string[]): Promise<Relationship[]> {
  if (ids.length === 0) return [];
  const rows = await db.query<{ id: string; following: boolean; show_reblogs: boolean | null; notify: boolean | null; followed_by: boolean; blocking: boolean; blocked_by: boolean; muting: boolean; muting_notifications: boolean | null }>(
    `select t.id::text as id,
       f.id is not null as following, f.show_reblogs, f.notify,
       exists (select 1 from follows where account_id = t.id and target_account_id = $1) as followed_by,
       exists (select 1 from blocks where account_id = $1 and target_account_id = t.id) as blocking,
       exists (select 1 from blocks where account_id = t.id and target_account_id = $1) as blocked_by,
       m.id is not null as muting, m.notifications as muting_notifications
     from unnest($2::bigint[]) as t(id)
     left join follows f on f.account_id = $1 and f.target_account_id = t.id
     left join mutes m on m.account_id = $1 and m.target_account_id = t.id`, [viewerId, ids]);
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => {
    const r = byId.get(id)!;
    return {
      id, following: r.following, showing_reblogs: r.show_reblogs ?? false, notifying: r.notify ?? false, followed_by: r.followed_by,
      blocking: r.blocking, blocked_by: r.blocked_by, muting: r.muting, muting_notifications: r.muting_notifications ?? false,
      requested: false, requested_by: false, domain_blocking: false, endorsed: false, note: '', languages: null,
    };
  });
}

async function requireAccount(tx: Queryable, id: string): Promise<void> {
  const rows = await tx.query('select 1 from accounts where id = $1', [id]);
  if (rows.length === 0) throw notFound();
}

export async function follow(ctx: AppContext, accountId: string, targetId: string, options: { reblogs?: boolean; notify?: boolean }): Promise<{ notification?: { id: string; accountId: string } }> {
  if (accountId === targetId) throw unprocessable('Validation failed: You cannot follow yourself');
  return ctx.db.transaction(async (tx) => {
    await requireAccount(tx, targetId);
    const blocked = await tx.query('select 1 from blocks where (account_id = $1 and target_account_id = $2) or (account_id = $2 and target_account_id = $1)', [accountId, targetId]);
    if (blocked.length) throw forbidden('You cannot follow this account');
    const inserted = await tx.query(
      `insert into follows (account_id, target_account_id, show_reblogs, notify) values ($1, $2, $3, $4)
       on conflict (account_id, target_account_id) do update set show_reblogs = excluded.show_reblogs, notify = excluded.notify
       returning (xmax = 0) as created`, [accountId, targetId, options.reblogs ?? true, options.notify ?? false]);
    if (!inserted[0]?.created) return {};
    await copyIntoHomeFeed(tx, accountId, targetId);
    await tx.query('update accounts set following_count = following_count + 1 where id = $1', [accountId]);
    await tx.query('update accounts set followers_count = followers_count + 1 where id = $1', [targetId]);
    const nid = await notify(tx, targetId, accountId, 'follow', null);
    return { notification: nid ? { id: nid, accountId: targetId } : undefined };
  });
}

async function removeFollow(tx: Queryable, accountId: string, targetId: string): Promise<void> {
  const removed = await tx.query('delete from follows where account_id = $1 and target_account_id = $2 returning id', [accountId, targetId]);
  if (removed.length === 0) return;
  await removeFromHomeFeed(tx, accountId, targetId);
  await tx.query('update accounts set following_count = greatest(following_count - 1, 0) where id = $1', [accountId]);
  await tx.query('update accounts set followers_count = greatest(followers_count - 1, 0) where id = $1', [targetId]);
}

export async function unfollow(ctx: AppContext, accountId: string, targetId: string): Promise<void> {
  await ctx.db.transaction(async (tx) => { await requireAccount(tx, targetId); await removeFollow(tx, accountId, targetId); });
}

/** Blocking also severs follows in both directions, as on Mastodon. */
export async function block(ctx: AppContext, accountId: string, targetId: string): Promise<void> {
  if (accountId === targetId) throw unprocessable('Validation failed: You cannot block yourself');
  await ctx.db.transaction(async (tx) => {
    await requireAccount(tx, targetId);
    await tx.query('insert into blocks (account_id, target_account_id) values ($1, $2) on conflict do nothing', [accountId, targetId]);
    await removeFollow(tx, accountId, targetId);
    await removeFollow(tx, targetId, accountId);
  });
}

export async function unblock(ctx: AppContext, accountId: string, targetId: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    await requireAccount(tx, targetId);
    await tx.query('delete from blocks where account_id = $1 and target_account_id = $2', [accountId, targetId]);
  });
}

export async function mute(ctx: AppContext, accountId: string, targetId: string, notifications: boolean): Promise<void> {
  if (accountId === targetId) throw unprocessable('Validation failed: You cannot mute yourself');
  await ctx.db.transaction(async (tx) => {
    await requireAccount(tx, targetId);
    await tx.query(
      `insert into mutes (account_id, target_account_id, notifications) values ($1, $2, $3)
       on conflict (account_id, target_account_id) do update set notifications = excluded.notifications`, [accountId, targetId, notifications]);
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
  const k = keyset(page, 'f.id', params);
  const rows = await db.query<{ cursor: string; account_id: string }>(
    `select f.id as cursor, f.${other} as account_id from follows f where f.${mine} = $1 and ${k.where} order by ${k.order} limit ${k.limit}`, params);
  const list = rows.map((r) => ({ cursor: r.cursor, accountId: r.account_id }));
  return k.ascending ? list.reverse() : list;
}

export async function listBlockOrMute(db: Queryable, table: 'blocks' | 'mutes', accountId: string, page: PageParams): Promise<Array<{ cursor: string; accountId: string }>> {
  const params: unknown[] = [accountId];
  const k = keyset(page, 't.id', params);
  const rows = await db.query<{ cursor: string; account_id: string }>(
    `select t.id as cursor, t.target_account_id as account_id from ${table} t where t.account_id = $1 and ${k.where} order by ${k.order} limit ${k.limit}`, params);
  const list = rows.map((r) => ({ cursor: r.cursor, accountId: r.account_id }));
  return k.ascending ? list.reverse() : list;
}
