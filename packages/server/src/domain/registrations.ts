// Who may sign up, and how (Mastodon's registration modes):
// - open: anyone (unless a block says otherwise: sign-up-blocks.ts);
// - approval: every new account waits for a moderator (admin/accounts approve|reject), with a reason
//   when `reason_required`; its tokens answer 403 "pending approval" until then;
// - closed: nobody, except with an invite.
// An invite link (/invite/:code) lets its holder in whatever the mode, past approval too (as on
// Mastodon), until it expires or is used up. Staff who manage users are told of every sign-up
// (admin.sign_up). The mode lives in the database (instance_settings): every app server reads the
// same, and the owner changes it with `firebreak admin registrations` or in the moderation area.
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type { AppContext } from '../context.js';
import type { Queryable } from '../db/index.js';
import { forbidden, notFound, unprocessable } from '../errors.js';
import { insertAccount, prepareAccount, type AccountRow, type RegistrationInput } from './accounts.js';
import { logAction } from './audit-log.js';
import { publishNotifications } from './events.js';
import { notifyStaff } from './notifications.js';
import { keysetPage, type PageParams } from './pagination.js';
import { roleIdsWith } from './roles.js';
import { normalAddress, signUpVerdict } from './sign-up-blocks.js';

export const REGISTRATION_MODES = ['open', 'approval', 'closed'] as const;
export type RegistrationMode = (typeof REGISTRATION_MODES)[number];

export interface RegistrationSettings { mode: RegistrationMode; reasonRequired: boolean; message: string | null }

export const DEFAULT_REGISTRATIONS: RegistrationSettings = { mode: 'open', reasonRequired: false, message: null };

export const REGISTRATION_LIMITS = { reason: 1000, message: 1000, inviteUses: 1000, inviteExpiresInSeconds: 366 * 86400, inviteComment: 500 };

export async function registrationSettings(db: Queryable): Promise<RegistrationSettings> {
  const [row] = await db.query<{ value: RegistrationSettings }>(`select value from instance_settings where key = 'registrations'`);
  const value = typeof row?.value === 'string' ? JSON.parse(row.value) : row?.value;
  return { ...DEFAULT_REGISTRATIONS, ...value };
}

export async function setRegistrationSettings(ctx: AppContext, actorId: string | null, settings: RegistrationSettings): Promise<RegistrationSettings> {
  if (!(REGISTRATION_MODES as readonly string[]).includes(settings.mode)) throw unprocessable(`Validation failed: mode must be one of ${REGISTRATION_MODES.join(', ')}`);
  if ((settings.message?.length ?? 0) > REGISTRATION_LIMITS.message) throw unprocessable(`Validation failed: message is too long (maximum is ${REGISTRATION_LIMITS.message} characters)`);
  await ctx.db.transaction(async (tx) => {
    await tx.query(
      `insert into instance_settings (key, value) values ('registrations', $1::jsonb)
       on conflict (key) do update set value = excluded.value, updated_at = now()`, [JSON.stringify(settings)]);
    await logAction(tx, actorId, `registrations:${settings.mode}${settings.reasonRequired ? ',reason_required' : ''}`, 'Settings', null, 'registrations');
  });
  return settings;
}

// --- Invites -----------------------------------------------------------------------------------------

export interface InviteRow { id: string; code: string; account_id: string; max_uses: number | null; uses: number; expires_at: Date | null; comment: string; created_at: Date }

const INVITE_COLUMNS = 'i.id, i.code, i.account_id, i.max_uses, i.uses, i.expires_at, i.comment, i.created_at';

/** Eight letters and digits, as Mastodon's codes. */
const newCode = () => randomBytes(12).toString('base64url').replace(/[-_]/g, '').slice(0, 8).padEnd(8, 'x');

export interface NewInvite { maxUses: number | null; expiresIn: number | null; comment: string }

/** With an Idempotency-Key, a retried creation gets the same invite back (idempotency.ts, in the route). */
export async function createInvite(db: Queryable, creatorId: string, input: NewInvite): Promise<InviteRow> {
  if (input.maxUses !== null && (!Number.isInteger(input.maxUses) || input.maxUses < 1 || input.maxUses > REGISTRATION_LIMITS.inviteUses)) {
    throw unprocessable(`Validation failed: max_uses must be between 1 and ${REGISTRATION_LIMITS.inviteUses}`);
  }
  if (input.expiresIn !== null && (!Number.isInteger(input.expiresIn) || input.expiresIn < 60 || input.expiresIn > REGISTRATION_LIMITS.inviteExpiresInSeconds)) {
    throw unprocessable(`Validation failed: expires_in must be between 60 and ${REGISTRATION_LIMITS.inviteExpiresInSeconds} seconds`);
  }
  if (input.comment.length > REGISTRATION_LIMITS.inviteComment) throw unprocessable(`Validation failed: comment is too long (maximum is ${REGISTRATION_LIMITS.inviteComment} characters)`);
  const [row] = await db.query<InviteRow>(
    `insert into invites as i (code, account_id, max_uses, expires_at, comment)
     values ($1, $2, $3, case when $4::int is null then null else now() + make_interval(secs => $4::int) end, $5) returning ${INVITE_COLUMNS}`,
    [newCode(), creatorId, input.maxUses, input.expiresIn, input.comment]);
  await logAction(db, creatorId, 'create', 'Invite', row!.id, row!.code);
  return row!;
}

/** Invites `viewerId` made, or everyone's for staff who manage invites. */
export function listInvites(db: Queryable, viewerId: string, everyone: boolean, page: PageParams): Promise<InviteRow[]> {
  const params: unknown[] = everyone ? [] : [viewerId];
  return keysetPage<InviteRow>(db, page, 'i.id', params, (k) =>
    `select ${INVITE_COLUMNS} from invites i where ${everyone ? 'true' : 'i.account_id = $1'} and ${k.where} order by ${k.order} limit ${k.limit}`);
}

/** Expires an invite now (its creator, or staff who manage invites); expiring it again changes nothing. */
export async function expireInvite(db: Queryable, viewerId: string, everyone: boolean, id: string): Promise<InviteRow> {
  const [row] = await db.query<InviteRow>(
    `update invites i set expires_at = least(coalesce(i.expires_at, now()), now()) where i.id = $1 and ($3 or i.account_id = $2) returning ${INVITE_COLUMNS}`,
    [id, viewerId, everyone]);
  if (!row) throw notFound();
  await logAction(db, viewerId, 'expire', 'Invite', row.id, row.code);
  return row;
}

/** An invite that can still be used, or undefined. */
export async function usableInvite(db: Queryable, code: string): Promise<InviteRow | undefined> {
  const [row] = await db.query<InviteRow>(
    `select ${INVITE_COLUMNS} from invites i where i.code = $1 and (i.expires_at is null or i.expires_at > now()) and (i.max_uses is null or i.uses < i.max_uses)`, [code]);
  return row;
}

// --- Signing up --------------------------------------------------------------------------------------

export interface SignUp { input: RegistrationInput; key: string | null; address: string; inviteCode: string | null; reason: string | null }

/**
 * Creates an account under the registration rules. Returns it with `pending` when it waits for
 * approval. A retry of the same sign-up (same key, registration key rules in accounts.ts) gets its
 * account back without using an invite or telling the staff twice.
 */
export async function signUp(ctx: AppContext, s: SignUp): Promise<AccountRow> {
  const settings = await registrationSettings(ctx.db);
  const invite = s.inviteCode ? await usableInvite(ctx.db, s.inviteCode) : undefined;
  if (s.inviteCode && !invite) throw unprocessable('Validation failed: Invite is invalid or has expired', { invite_code: [{ error: 'ERR_INVALID', description: 'is invalid or has expired' }] });
  if (settings.mode === 'closed' && !invite) throw forbidden('Registrations are closed on this server');
  const reason = s.reason?.trim() || null;
  if ((reason?.length ?? 0) > REGISTRATION_LIMITS.reason) throw unprocessable(`Validation failed: Reason is too long (maximum is ${REGISTRATION_LIMITS.reason} characters)`);
  if (settings.mode === 'approval' && settings.reasonRequired && !invite && !reason) {
    throw unprocessable("Validation failed: Reason can't be blank", { reason: [{ error: 'ERR_BLANK', description: "can't be blank" }] });
  }
  const prepared = await prepareAccount(ctx.db, s.input, ctx.config.passwordHashing, s.key);
  if ('replay' in prepared) return prepared.replay;
  const verdict = await signUpVerdict(ctx.db, prepared.prepared.email, s.address);
  if (verdict === 'refuse_address') throw forbidden('Sign-ups from your network are not allowed');
  if (verdict === 'refuse_email') throw unprocessable('Validation failed: Email is not allowed from this provider', { email: [{ error: 'ERR_BLOCKED', description: 'provider is not allowed' }] });
  const approved = invite ? true : settings.mode === 'open' && verdict === 'allow';
  return ctx.db.transaction(async (tx) => {
    if (invite) {
      const used = await tx.query(
        `update invites set uses = uses + 1 where id = $1 and (expires_at is null or expires_at > now()) and (max_uses is null or uses < max_uses) returning id`, [invite.id]);
      if (used.length === 0) throw unprocessable('Validation failed: Invite is invalid or has expired', { invite_code: [{ error: 'ERR_INVALID', description: 'is invalid or has expired' }] });
    }
      const account = await insertAccount(tx, prepared.prepared, { approved, inviteRequest: reason, inviteId: invite?.id ?? null, signUpIp: isIP(normalAddress(s.address)) ? normalAddress(s.address) : null });
    publishNotifications(ctx.events, tx, await notifyStaff(tx, roleIdsWith('manage_users'), account.id, 'admin.sign_up', null, [account.id]));
    return account;
  });
}
