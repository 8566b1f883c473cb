import type { AppContext } from '../context.js';
import type { Queryable } from '../db/index.js';
import { notFound, unprocessable } from '../errors.js';
import { idempotentWrite, storedAnswer } from './idempotency.js';
import { confirmPassword } from './login.js';
import { hashPassword, type PasswordHashing } from './passwords.js';
import { authorizeAllFollowRequests } from './relationships.js';
import { revokeOtherTokens, sha256 } from './tokens.js';

export interface AccountRow {
  id: string; username: string; email: string; password_hash: string; display_name: string; note: string;
  locked: boolean; bot: boolean; discoverable: boolean; created_at: Date;
  followers_count: number; following_count: number; statuses_count: number; last_status_at: Date | null;
  /** The stored avatar and header (media store keys); null: the defaults. */
  avatar_key: string | null; header_key: string | null;
  /** The role (domain/roles.ts) and the moderation state (domain/moderation.ts). */
  role_id: number; suspended_at: Date | null; silenced_at: Date | null; sensitized_at: Date | null; disabled: boolean; approved: boolean;
}

/** What other people may see of an account (what its Mastodon entity is made of). */
export type PublicAccountRow = Omit<AccountRow, 'email' | 'password_hash'>;

export const ACCOUNT_COLUMNS = 'id, username, email, password_hash, display_name, note, locked, bot, discoverable, created_at, followers_count, following_count, statuses_count, last_status_at, avatar_key, header_key, role_id, suspended_at, silenced_at, sensitized_at, disabled, approved';

export const USERNAME = /^[a-z0-9_]{1,30}$/i;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}\.[^\s@]{2,63}$/;
const RESERVED = new Set(['admin', 'administrator', 'root', 'support', 'help', 'settings', 'about', 'api', 'oauth', 'status', 'firebreak', 'web', 'tags', 'explore']);
export const LIMITS = { displayName: 30, note: 500, passwordMin: 8, passwordMax: 128 };

interface Detail { error: string; description: string }

export interface RegistrationInput { username?: unknown; email?: unknown; password?: unknown; agreement?: unknown }

/** How long a sign-up's Idempotency-Key can bring its account back (a retry comes within seconds). */
const REGISTRATION_REPLAY = '10 minutes';

/**
 * A sign-up's retry key: the client's Idempotency-Key within the app that signs up (`scope`: the app
 * token's app, or the web UI), hashed like every other secret.
 */
export const registrationKey = (scope: string, idempotencyKey: string) => sha256(`${scope}:${idempotencyKey}`);

/** A sign-up that passed validation, its password hashed, ready to be inserted (insertAccount). */
export interface PreparedAccount { username: string; email: string; passwordHash: string; key: string | null }

/** What a sign-up adds to the account besides its credentials (registrations.ts). */
export interface SignUpFacts { approved: boolean; inviteRequest: string | null; inviteId: string | null; signUpIp: string | null }

/**
 * Validates a sign-up and hashes its password, before any transaction (the hash is slow). With a
 * registration key, a retry of the same sign-up (its answer was lost) gets the account back: by the
 * key it was made with, within a few minutes, and only for the same username and e-mail. Never by
 * matching a password: that made sign-up a password oracle.
 */
export async function prepareAccount(db: Queryable, input: RegistrationInput, hashing: PasswordHashing, key: string | null = null): Promise<{ replay: AccountRow } | { prepared: PreparedAccount }> {
  const details: Record<string, Detail[]> = {};
  const add = (field: string, error: string, description: string) => { (details[field] ??= []).push({ error, description }); };
  const username = typeof input.username === 'string' ? input.username.trim() : '';
  const email = typeof input.email === 'string' ? input.email.trim() : '';
  const password = typeof input.password === 'string' ? input.password : '';
  if (!username) add('username', 'ERR_BLANK', "can't be blank");
  else if (!USERNAME.test(username)) add('username', 'ERR_INVALID', 'must contain only letters, numbers and underscores (at most 30)');
  else if (RESERVED.has(username.toLowerCase())) add('username', 'ERR_RESERVED', 'is reserved');
  if (!email) add('email', 'ERR_BLANK', "can't be blank");
  else if (!EMAIL.test(email)) add('email', 'ERR_INVALID', 'is invalid');
  if (!password) add('password', 'ERR_BLANK', "can't be blank");
  else if (password.length < LIMITS.passwordMin) add('password', 'ERR_TOO_SHORT', `is too short (minimum is ${LIMITS.passwordMin} characters)`);
  else if (password.length > LIMITS.passwordMax) add('password', 'ERR_TOO_LONG', `is too long (maximum is ${LIMITS.passwordMax} characters)`);
  const agreed = input.agreement === true || input.agreement === 'true' || input.agreement === '1';
  if (!agreed) add('agreement', 'ERR_ACCEPTED', 'must be accepted');
  if (!details.username || !details.email) {
    const taken = await db.query<AccountRow & { replay: boolean }>(
      `select ${ACCOUNT_COLUMNS}, exists (select 1 from registration_keys k where k.key_hash = $3 and k.account_id = accounts.id
         and k.created_at > now() - interval '${REGISTRATION_REPLAY}') as replay
       from accounts where lower(username) = lower($1) or lower(email) = lower($2)`, [username, email, key]);
    const same = taken.find((t) => t.replay && t.username.toLowerCase() === username.toLowerCase() && t.email.toLowerCase() === email.toLowerCase());
    if (same) { const { replay: _, ...account } = same; return { replay: account }; }
    if (taken.some((t) => t.username.toLowerCase() === username.toLowerCase())) add('username', 'ERR_TAKEN', 'is already taken');
    if (taken.some((t) => t.email.toLowerCase() === email.toLowerCase())) add('email', 'ERR_TAKEN', 'is already taken');
  }
  throwValidation(details);
  return { prepared: { username, email, passwordHash: await hashPassword(password, hashing), key } };
}

function throwValidation(details: Record<string, Detail[]>): void {
  const failed = Object.entries(details);
  if (failed.length) {
    throw unprocessable(`Validation failed: ${failed.map(([f, d]) => `${f[0]!.toUpperCase()}${f.slice(1)} ${d[0]!.description}`).join(', ')}`, details);
  }
}

/** Inserts a prepared account (and keeps its registration key for replays). */
export async function insertAccount(db: Queryable, p: PreparedAccount, facts: SignUpFacts = { approved: true, inviteRequest: null, inviteId: null, signUpIp: null }): Promise<AccountRow> {
  const rows = await db.query<AccountRow>(
    `with created as (
       insert into accounts (username, email, password_hash, approved, invite_request, invite_id, sign_up_ip) values ($1, $2, $3, $5, $6, $7, $8::inet)
       on conflict do nothing returning ${ACCOUNT_COLUMNS}),
     keyed as (insert into registration_keys (key_hash, account_id) select $4, id from created where $4::text is not null on conflict do nothing),
     expired as (delete from registration_keys where created_at < now() - interval '${REGISTRATION_REPLAY}')
     select * from created`, [p.username, p.email, p.passwordHash, p.key, facts.approved, facts.inviteRequest, facts.inviteId, facts.signUpIp]);
  if (!rows[0]) throw unprocessable('Validation failed: Username is already taken', { username: [{ error: 'ERR_TAKEN', description: 'is already taken' }] });
  return rows[0];
}

/** Registers an account with no sign-up rules applied (the owner's command line, tests); sign-ups go through registrations.ts. */
export async function registerAccount(db: Queryable, input: RegistrationInput, hashing: PasswordHashing, key: string | null = null): Promise<AccountRow> {
  const result = await prepareAccount(db, input, hashing, key);
  return 'replay' in result ? result.replay : insertAccount(db, result.prepared);
}

/** Why an account may not sign in, in words for its owner (asked only once the password was right). */
export function loginRefusal(account: Pick<AccountRow, 'suspended_at' | 'disabled' | 'approved'>): string | null {
  if (account.suspended_at) return 'Your account is suspended';
  if (account.disabled) return 'Your login is currently disabled';
  if (!account.approved) return 'Your account is waiting for a moderator to approve it';
  return null;
}

export async function getAccount(db: Queryable, id: string): Promise<AccountRow> {
  const [row] = await db.query<AccountRow>(`select ${ACCOUNT_COLUMNS} from accounts where id = $1`, [id]);
  if (!row) throw notFound();
  return row;
}

export async function getAccounts(db: Queryable, ids: string[]): Promise<Map<string, AccountRow>> {
  if (ids.length === 0) return new Map();
  const rows = await db.query<AccountRow>(`select ${ACCOUNT_COLUMNS} from accounts where id = any($1::bigint[])`, [[...new Set(ids)]]);
  return new Map(rows.map((r) => [r.id, r]));
}

export async function findByUsername(db: Queryable, username: string): Promise<AccountRow | undefined> {
  const [row] = await db.query<AccountRow>(`select ${ACCOUNT_COLUMNS} from accounts where lower(username) = lower($1)`, [username]);
  return row;
}

/** Updates the profile; unlocking the account accepts everyone waiting to follow it, as Mastodon does. */
export async function updateProfile(ctx: AppContext, id: string, input: { displayName?: string; note?: string; locked?: boolean; bot?: boolean; discoverable?: boolean }): Promise<AccountRow> {
  const details: Record<string, Detail[]> = {};
  if (input.displayName !== undefined && [...input.displayName].length > LIMITS.displayName) details.display_name = [{ error: 'ERR_TOO_LONG', description: `is too long (maximum is ${LIMITS.displayName} characters)` }];
  if (input.note !== undefined && [...input.note].length > LIMITS.note) details.note = [{ error: 'ERR_TOO_LONG', description: `is too long (maximum is ${LIMITS.note} characters)` }];
  if (Object.keys(details).length) throw unprocessable(`Validation failed: ${Object.entries(details).map(([f, d]) => `${f} ${d[0]!.description}`).join(', ')}`, details);
  const [row] = await ctx.db.query<AccountRow & { was_locked: boolean }>(
    `update accounts a set display_name = coalesce($2, a.display_name), note = coalesce($3, a.note), locked = coalesce($4, a.locked),
       bot = coalesce($5, a.bot), discoverable = coalesce($6, a.discoverable)
     from accounts before where a.id = $1 and before.id = a.id
     returning ${ACCOUNT_COLUMNS.split(', ').map((c) => `a.${c}`).join(', ')}, before.locked as was_locked`,
    [id, input.displayName ?? null, input.note ?? null, input.locked ?? null, input.bot ?? null, input.discoverable ?? null]);
  if (!row) throw notFound();
  if (row.was_locked && !row.locked) await authorizeAllFollowRequests(ctx, id);
  const { was_locked: _, ...account } = row;
  return account;
}

const CHANGE_PASSWORD = 'POST /api/v1/accounts/change_password';

/**
 * Changes the password after checking the current one (counted like a login: no guessing through
 * here), and signs the account out everywhere else: every other token of every app, and their open
 * streams (a password change is what people do when they fear someone else is in). A retry with the
 * same Idempotency-Key after the change succeeds again; without one it meets the new password and fails.
 */
export async function changePassword(ctx: AppContext, accountId: string, input: { current: string; next: string; keepTokenId: string; address: string; idempotencyKey: string | null }): Promise<void> {
  if (input.idempotencyKey && await storedAnswer(ctx.db, accountId, input.idempotencyKey, CHANGE_PASSWORD)) return;
  if (input.next.length < LIMITS.passwordMin || input.next.length > LIMITS.passwordMax) {
    throw unprocessable(`Validation failed: Password must be ${LIMITS.passwordMin} to ${LIMITS.passwordMax} characters`, { password: [{ error: 'ERR_INVALID', description: `must be ${LIMITS.passwordMin} to ${LIMITS.passwordMax} characters` }] });
  }
  const account = await getAccount(ctx.db, accountId);
  if (!(await confirmPassword(ctx, account, input.current, input.address))) {
    throw unprocessable('Validation failed: Current password is invalid', { current_password: [{ error: 'ERR_INVALID', description: 'is invalid' }] });
  }
  const hash = await hashPassword(input.next, ctx.config.passwordHashing);
  await idempotentWrite(ctx, accountId, input.idempotencyKey, CHANGE_PASSWORD, async (tx) => {
    await tx.query('update accounts set password_hash = $2 where id = $1', [accountId, hash]);
    await revokeOtherTokens(ctx, tx, accountId, input.keepTokenId);
    return {};
  });
}
