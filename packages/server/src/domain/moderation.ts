// What moderators do to accounts, Mastodon's way (methods/admin/accounts.md), each in one
// transaction that also writes the audit log:
// - an action (`none` (a warning), `sensitive`, `disable`, `silence`, `suspend`), with a warning the
//   account is shown (moderation_warning), optionally citing a report; it resolves that report, or
//   (anything but a bare warning) every open report about the account;
// - the undoing of each (enable, unsilence, unsuspend, unsensitive), approving or rejecting a pending
//   sign-up, deleting a suspended account's data, and (a Firebreak addition) changing a role.
// The effects are read where they matter: visibility.ts hides a suspended account's statuses from
// everyone and a silenced one's from non-followers; a suspension or a disabled login revokes every
// token (open streams close on every server); sign-in refuses them (accounts.ts, loginRefusal).
// Staff act only on accounts below their own role, never on themselves.
import type { AppContext } from '../context.js';
import type { Queryable, Tx } from '../db/index.js';
import { forbidden, notFound, unprocessable } from '../errors.js';
import { ACCOUNT_COLUMNS, findByUsername, registerAccount, type AccountRow } from './accounts.js';
import { logAction } from './audit-log.js';
import { publish, publishNotifications } from './events.js';
import { idempotentWrite } from './idempotency.js';
import { notifyWarning } from './notifications.js';
import { reportAbout, resolveReportsFor, type Moderator } from './reports.js';
import { outranks, roleNamed, roleOf, ROLES, type Role } from './roles.js';
import { randomSecret, revokeAccountTokens } from './tokens.js';

export const ACCOUNT_ACTIONS = ['none', 'sensitive', 'disable', 'silence', 'suspend'] as const;
export type AccountActionType = (typeof ACCOUNT_ACTIONS)[number];

export const WARNING_TEXT_LIMIT = 5000;

/** How many of a suspended account's newest statuses open streams are told to drop. */
const STREAM_RETRACTIONS = 200;

const notAllowed = () => forbidden('This action is not allowed');

/** The target, locked, after checking the moderator may act on it. */
async function lockTarget(tx: Queryable, moderator: Moderator, targetId: string): Promise<AccountRow & { deleted_at: Date | null }> {
  const [target] = await tx.query<AccountRow & { deleted_at: Date | null }>(`select ${ACCOUNT_COLUMNS}, deleted_at from accounts where id = $1 for update`, [targetId]);
  if (!target) throw notFound();
  if (target.id === moderator.id || !outranks(moderator.roleId, target.role_id)) throw notAllowed();
  return target;
}

export interface AccountActionInput { type: string; reportId: string | null; text: string; notifyUser: boolean }

/**
 * POST /api/v1/admin/accounts/:id/action. With an Idempotency-Key a retry returns without acting (or
 * warning) twice; the state changes themselves are idempotent anyway.
 */
export async function accountAction(ctx: AppContext, moderator: Moderator, targetId: string, input: AccountActionInput, key: string | null): Promise<void> {
  if (input.text.length > WARNING_TEXT_LIMIT) throw unprocessable(`Validation failed: Text is too long (maximum is ${WARNING_TEXT_LIMIT} characters)`);
  await idempotentWrite(ctx, moderator.id, key, `POST /api/v1/admin/accounts/${targetId}/action`, async (tx) => {
    const target = await lockTarget(tx, moderator, targetId);
    if (!(ACCOUNT_ACTIONS as readonly string[]).includes(input.type)) throw unprocessable(`Validation failed: type must be one of ${ACCOUNT_ACTIONS.join(', ')}`);
    const report = input.reportId ? await reportAbout(tx, input.reportId, target.id) : null;
    if (input.type === 'sensitive') await tx.query('update accounts set sensitized_at = coalesce(sensitized_at, now()) where id = $1', [target.id]);
    if (input.type === 'silence') await tx.query('update accounts set silenced_at = coalesce(silenced_at, now()) where id = $1', [target.id]);
    if (input.type === 'disable') {
      await tx.query('update accounts set disabled = true where id = $1', [target.id]);
      await signOut(ctx, tx, target.id);
    }
    if (input.type === 'suspend') {
      await tx.query('update accounts set suspended_at = coalesce(suspended_at, now()) where id = $1', [target.id]);
      await signOut(ctx, tx, target.id);
      await retractFromStreams(ctx, tx, target.id);
    }
    await logAction(tx, moderator.id, input.type === 'none' ? 'warn' : input.type, 'Account', target.id, target.username);
    if (input.notifyUser) {
      const [warning] = await tx.query<{ id: string }>(
        `insert into account_warnings (account_id, target_account_id, action, text, report_id, status_ids) values ($1, $2, $3, $4, $5, $6::bigint[]) returning id`,
        [moderator.id, target.id, input.type, input.text, report?.id ?? null, report?.status_ids ?? []]);
      publishNotifications(ctx.events, tx, [await notifyWarning(tx, target.id, warning!.id)]);
    }
    await resolveReportsFor(tx, moderator.id, target.id, report?.id ?? null, input.type !== 'none');
    return {};
  });
}

async function signOut(ctx: AppContext, tx: Tx, accountId: string): Promise<void> {
  await revokeAccountTokens(ctx, tx, accountId);
  await tx.query('delete from sign_in_challenges where account_id = $1', [accountId]);
}

/**
 * Pages already showing a suspended account's statuses drop them: a `delete` on every stream for its
 * newest statuses (older ones vanish on the next load; nothing is deleted, unsuspending restores them).
 */
async function retractFromStreams(ctx: AppContext, tx: Tx, accountId: string): Promise<void> {
  const rows = await tx.query<{ id: string }>('select id from statuses where account_id = $1 order by id desc limit $2', [accountId, STREAM_RETRACTIONS]);
  for (const r of rows) publish(ctx.events, tx, 'status.deleted', { statusId: r.id, accountId });
}

export type AccountUndo = 'enable' | 'unsilence' | 'unsuspend' | 'unsensitive';

const UNDO: Record<AccountUndo, { set: string; required?: (a: AccountRow & { deleted_at: Date | null }) => boolean }> = {
  enable: { set: 'disabled = false' },
  unsilence: { set: 'silenced_at = null' },
  unsensitive: { set: 'sensitized_at = null' },
  // Mastodon refuses to unsuspend what is not suspended, and a deleted account cannot come back.
  unsuspend: { set: 'suspended_at = null', required: (a) => a.suspended_at !== null && a.deleted_at === null },
};

/** Lifts a sanction; lifting one that is not in force answers the same (but `unsuspend`, as Mastodon does). */
export async function undoAction(ctx: AppContext, moderator: Moderator, targetId: string, undo: AccountUndo): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const target = await lockTarget(tx, moderator, targetId);
    const rule = UNDO[undo];
    if (rule.required && !rule.required(target)) throw notAllowed();
    const [changed] = await tx.query<{ changed: boolean }>(
      `update accounts a set ${rule.set} from accounts before where a.id = $1 and before.id = a.id
       returning (before.disabled, before.silenced_at, before.suspended_at, before.sensitized_at) is distinct from (a.disabled, a.silenced_at, a.suspended_at, a.sensitized_at) as changed`, [target.id]);
    if (changed?.changed) await logAction(tx, moderator.id, undo, 'Account', target.id, target.username);
  });
}

/** Approves a sign-up that waits for approval (403 for one that does not, as Mastodon answers). */
export async function approveAccount(ctx: AppContext, moderator: Moderator, targetId: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const target = await lockTarget(tx, moderator, targetId);
    if (target.approved) throw notAllowed();
    await tx.query('update accounts set approved = true where id = $1', [target.id]);
    await logAction(tx, moderator.id, 'approve', 'Account', target.id, target.username);
  });
}

/**
 * Rejects a pending sign-up: the account is deleted, its username and e-mail free again. `present`
 * renders it while it still exists (the answer is the rejected account, as on Mastodon).
 */
export async function rejectAccount<T>(ctx: AppContext, moderator: Moderator, targetId: string, present: (tx: Queryable) => Promise<T>): Promise<T> {
  return ctx.db.transaction(async (tx) => {
    const target = await lockTarget(tx, moderator, targetId);
    if (target.approved) throw notAllowed();
    const answer = await present(tx);
    await logAction(tx, moderator.id, 'reject', 'Account', target.id, target.username);
    // The statuses that mention it lose the mention (cascade): a new content, under a new version for the entity cache.
    await tx.query('update statuses set content_version = content_version + 1 where id in (select status_id from mentions where account_id = $1)', [target.id]);
    await tx.query('delete from accounts where id = $1', [target.id]);
    return answer;
  });
}

/**
 * Deletes a suspended account's data for good (statuses, follows, favourites, everything it made),
 * keeping the account row, suspended and emptied, so its name is never reused and reports about it
 * keep their target. The counters of everyone it touched are kept right. One transaction.
 */
export async function deleteAccountData(ctx: AppContext, moderator: Moderator, targetId: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const target = await lockTarget(tx, moderator, targetId);
    if (!target.suspended_at || target.deleted_at) throw notAllowed();
    const id = target.id;
    // Follows, favourites and reblogs are one per pair; replies and quotes are counted per parent.
    await tx.query(`update accounts a set following_count = greatest(a.following_count - 1, 0) from follows f where f.target_account_id = $1 and a.id = f.account_id`, [id]);
    await tx.query(`update accounts a set followers_count = greatest(a.followers_count - 1, 0) from follows f where f.account_id = $1 and a.id = f.target_account_id`, [id]);
    await tx.query(`update statuses p set favourites_count = greatest(p.favourites_count - 1, 0) from favourites f where f.account_id = $1 and p.id = f.status_id`, [id]);
    await tx.query(`update statuses p set reblogs_count = greatest(p.reblogs_count - 1, 0) from statuses r where r.account_id = $1 and r.reblog_of_id = p.id and p.account_id <> $1`, [id]);
    for (const [counter, column] of [['replies_count', 'in_reply_to_id'], ['quotes_count', 'quote_of_id']]) {
      await tx.query(
        `update statuses p set ${counter} = greatest(p.${counter} - r.n, 0)
         from (select ${column} as parent, count(*)::int as n from statuses where account_id = $1 and ${column} is not null group by 1) r
         where p.id = r.parent and p.account_id <> $1`, [id]);
    }
    for (const table of ['follows', 'follow_requests', 'blocks', 'mutes']) {
      await tx.query(`delete from ${table} where account_id = $1 or target_account_id = $1`, [id]);
    }
    for (const table of ['favourites', 'bookmarks', 'status_pins', 'conversations', 'markers', 'home_feed', 'two_factor', 'two_factor_recovery_codes', 'push_subscriptions']) {
      await tx.query(`delete from ${table} where account_id = $1`, [id]);
    }
    await tx.query('delete from notifications where account_id = $1 or from_account_id = $1', [id]);
    await tx.query('delete from statuses where account_id = $1', [id]);
    await tx.query(`update accounts set deleted_at = now(), display_name = '', note = '', followers_count = 0, following_count = 0, statuses_count = 0,
      last_status_at = null, home_feed_floor = null where id = $1`, [id]);
    await logAction(tx, moderator.id, 'destroy', 'Account', id, target.username);
  });
}

/**
 * The command line's way in (`firebreak admin create-owner`): nobody can be given a role through the
 * API before someone has one. Creates the account with the Owner role and returns its password (shown
 * once); for an account that already exists with this username and e-mail, makes it the owner (so a
 * retried command does the same), and returns no password.
 */
export async function createOwner(ctx: AppContext, username: string, email: string): Promise<{ account: AccountRow; password: string | null }> {
  const existing = await findByUsername(ctx.db, username);
  if (existing) {
    if (existing.email.toLowerCase() !== email.toLowerCase()) throw unprocessable(`@${username} already exists with another e-mail address`);
    await ctx.db.transaction(async (tx) => {
      await tx.query('update accounts set role_id = $2, approved = true where id = $1', [existing.id, ROLES.owner.id]);
      await logAction(tx, null, 'change_role:Owner', 'Account', existing.id, existing.username);
    });
    return { account: { ...existing, role_id: ROLES.owner.id }, password: null };
  }
  const password = randomSecret(18);
  const account = await ctx.db.transaction(async (tx) => {
    const created = await registerAccount(tx, { username, email, password, agreement: true }, ctx.config.passwordHashing);
    await tx.query('update accounts set role_id = $2 where id = $1', [created.id, ROLES.owner.id]);
    await logAction(tx, null, 'create_owner', 'Account', created.id, created.username);
    return { ...created, role_id: ROLES.owner.id };
  });
  return { account, password };
}

/** The command line gives any role (`firebreak admin set-role`): it is the operator's. */
export async function setRoleByUsername(ctx: AppContext, username: string, role: Role): Promise<AccountRow> {
  const account = await findByUsername(ctx.db, username);
  if (!account) throw notFound(`No account @${username}`);
  await ctx.db.transaction(async (tx) => {
    await tx.query('update accounts set role_id = $2 where id = $1', [account.id, role.id]);
    await logAction(tx, null, `change_role:${role.name || 'user'}`, 'Account', account.id, account.username);
  });
  return { ...account, role_id: role.id };
}

/** A Firebreak addition: staff with Manage Roles give roles below their own, to accounts below their own. */
export async function setRole(ctx: AppContext, moderator: Moderator, targetId: string, roleName: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const target = await lockTarget(tx, moderator, targetId);
    const role = roleNamed(roleName);
    if (!role) throw unprocessable('Validation failed: role must be user, moderator, admin or owner');
    if (!outranks(moderator.roleId, role.id)) throw notAllowed();
    if (target.role_id === role.id) return;
    await tx.query('update accounts set role_id = $2 where id = $1', [target.id, role.id]);
    await logAction(tx, moderator.id, `change_role:${roleOf(role.id).name || 'user'}`, 'Account', target.id, target.username);
  });
}

export interface WarningRow {
  id: string; target_account_id: string; action: AccountActionType; text: string; report_id: string | null; status_ids: string[]; created_at: Date;
}

const WARNING_COLUMNS = 'w.id, w.target_account_id, w.action, w.text, w.report_id, w.status_ids::text[] as status_ids, w.created_at';

export async function getWarnings(db: Queryable, ids: string[]): Promise<Map<string, WarningRow>> {
  if (ids.length === 0) return new Map();
  const rows = await db.query<WarningRow>(`select ${WARNING_COLUMNS} from account_warnings w where w.id = any($1::bigint[])`, [[...new Set(ids)]]);
  return new Map(rows.map((r) => [r.id, r]));
}

/** The warnings an account was given, newest first (its history in the moderation area). */
export function listWarnings(db: Queryable, targetId: string, limit = 100): Promise<WarningRow[]> {
  return db.query<WarningRow>(`select ${WARNING_COLUMNS} from account_warnings w where w.target_account_id = $1 order by w.id desc limit $2`, [targetId, limit]);
}
