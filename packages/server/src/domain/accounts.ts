import type { AppContext } from '../context.js';
import type { Queryable } from '../db/index.js';
import { ApiError, notFound, unprocessable } from '../errors.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { authorizeAllFollowRequests } from './relationships.js';
import { WEB_CLIENT_ID } from '../db/migrations/0003-web-sessions.js';

export interface AccountRow {
  id: string; username: string; email: string; password_hash: string; display_name: string; note: string;
  locked: boolean; bot: boolean; discoverable: boolean; created_at: Date;
  followers_count: number; following_count: number; statuses_count: number; last_status_at: Date | null;
}

/** What other people may see of an account (what its Mastodon entity is made of). */
export type PublicAccountRow = Omit<AccountRow, 'email' | 'password_hash'>;

export const ACCOUNT_COLUMNS = 'id, username, email, password_hash, display_name, note, locked, bot, discoverable, created_at, followers_count, following_count, statuses_count, last_status_at';

export const USERNAME = /^[a-z0-9_]{1,30}$/i;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}\.[^\s@]{2,63}$/;
const RESERVED = new Set(['admin', 'administrator', 'root', 'support', 'help', 'settings', 'about', 'api', 'oauth', 'status', 'firebreak', 'web', 'tags', 'explore']);
export const LIMITS = { displayName: 30, note: 500, passwordMin: 8, passwordMax: 128 };

interface Detail { error: string; description: string }

export interface RegistrationInput { username?: unknown; email?: unknown; password?: unknown; agreement?: unknown }

export async function registerAccount(db: Queryable, input: RegistrationInput, scryptCost: number): Promise<AccountRow> {
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
    const taken = await db.query<{ username: string; email: string }>(
      'select username, email from accounts where lower(username) = lower($1) or lower(email) = lower($2)', [username, email]);
    if (taken.some((t) => t.username.toLowerCase() === username.toLowerCase())) add('username', 'ERR_TAKEN', 'is already taken');
    if (taken.some((t) => t.email.toLowerCase() === email.toLowerCase())) add('email', 'ERR_TAKEN', 'is already taken');
  }
  const failed = Object.entries(details);
  if (failed.length) {
    throw unprocessable(`Validation failed: ${failed.map(([f, d]) => `${f[0]!.toUpperCase()}${f.slice(1)} ${d[0]!.description}`).join(', ')}`, details);
  }
  const passwordHash = await hashPassword(password, scryptCost);
  const rows = await db.query<AccountRow>(
    `insert into accounts (username, email, password_hash) values ($1, $2, $3)
     on conflict do nothing returning ${ACCOUNT_COLUMNS}`, [username, email, passwordHash]);
  if (!rows[0]) throw unprocessable('Validation failed: Username is already taken', { username: [{ error: 'ERR_TAKEN', description: 'is already taken' }] });
  return rows[0];
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

export async function findByLogin(db: Queryable, login: string): Promise<AccountRow | undefined> {
  const [row] = await db.query<AccountRow>(
    `select ${ACCOUNT_COLUMNS} from accounts where lower(email) = lower($1) or lower(username) = lower($1) limit 1`, [login]);
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

/**
 * Changes the password after checking the current one, and signs out every other web session (a
 * password change is what people do when they fear someone else is in). A retry of a change that
 * already happened finds the new password in place and succeeds again.
 */
export async function changePassword(db: Queryable, id: string, input: { current: string; next: string; keepTokenId: string }, scryptCost: number): Promise<void> {
  const account = await getAccount(db, id);
  if (!(await verifyPassword(input.current, account.password_hash))) {
    if (input.next && (await verifyPassword(input.next, account.password_hash))) return;
    throw unprocessable('Validation failed: Current password is invalid', { current_password: [{ error: 'ERR_INVALID', description: 'is invalid' }] });
  }
  if (input.next.length < LIMITS.passwordMin || input.next.length > LIMITS.passwordMax) {
    throw unprocessable(`Validation failed: Password must be ${LIMITS.passwordMin} to ${LIMITS.passwordMax} characters`, { password: [{ error: 'ERR_INVALID', description: `must be ${LIMITS.passwordMin} to ${LIMITS.passwordMax} characters` }] });
  }
  await db.query('update accounts set password_hash = $2 where id = $1', [id, await hashPassword(input.next, scryptCost)]);
  await db.query(
    `update tokens set revoked_at = now() where account_id = $1 and id <> $2 and revoked_at is null
       and app_id = (select id from apps where client_id = $3)`, [id, input.keepTokenId, WEB_CLIENT_ID]);
}

/**
 * Registers an account. A retried registration (the client sent an Idempotency-Key, and the first
 * answer was lost) that finds the same username, e-mail and password gets that account back.
 */
export async function registerOrReplay(db: Queryable, input: RegistrationInput, scryptCost: number, retrySafe: boolean): Promise<AccountRow> {
  try {
    return await registerAccount(db, input, scryptCost);
  } catch (err) {
    const taken = err instanceof ApiError && (err.extra?.details as Record<string, unknown> | undefined)?.username;
    const same = retrySafe && taken ? await findSameRegistration(db, input) : undefined;
    if (!same) throw err;
    return same;
  }
}

/**
 * A registration retried after its answer was lost finds its account taken. When username, e-mail
 * and password all match an existing account, it is the same sign-up (anyone who knows the password
 * could sign in anyway), so the retry gets that account instead of "already taken".
 */
export async function findSameRegistration(db: Queryable, input: { username?: unknown; email?: unknown; password?: unknown }): Promise<AccountRow | undefined> {
  if (typeof input.username !== 'string' || typeof input.email !== 'string' || typeof input.password !== 'string') return undefined;
  const account = await findByUsername(db, input.username.trim());
  if (!account || account.email.toLowerCase() !== input.email.trim().toLowerCase()) return undefined;
  return (await verifyPassword(input.password, account.password_hash)) ? account : undefined;
}
