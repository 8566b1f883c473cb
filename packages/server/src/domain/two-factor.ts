// Two-factor sign-in: TOTP (RFC 6238, the authenticator apps' defaults: SHA-1, 6 digits, 30 s; by
// otplib) with ten single-use recovery codes. Set up and removed in the web UI's settings, with the
// password. Signing in with a password then yields a challenge (a random token, kept hashed for five
// minutes) that only a code completes; codes are counted against the account like password guesses
// (login.ts), and a code is accepted once only (its time step is remembered).
//
// The TOTP secret is kept in the database as it is: it must be, to check codes. Recovery codes are
// kept hashed.
import { generateSecret, generateURI, verify } from 'otplib';
import type { Db, Queryable } from '../db/index.js';
import { randomSecret, sha256 } from './tokens.js';

const RECOVERY_CODES = 10;
const CHALLENGE_MINUTES = 5;
/** Accept the code of the previous and next 30-second step too: phones' clocks drift. */
const TOLERANCE_SECONDS = 30;

export async function twoFactorEnabled(db: Queryable, accountId: string): Promise<boolean> {
  const [row] = await db.query('select 1 from two_factor where account_id = $1 and enabled_at is not null', [accountId]);
  return row !== undefined;
}

/** A new secret, pending until a code from it is entered (enableTwoFactor). Replaces a pending one. */
export async function startTwoFactorSetup(db: Db, accountId: string, label: string, issuer: string): Promise<{ secret: string; uri: string } | 'already_enabled'> {
  const secret = generateSecret();
  const rows = await db.transaction((tx) => tx.query(
    `insert into two_factor (account_id, secret) values ($1, $2)
     on conflict (account_id) do update set secret = excluded.secret, last_time_step = null, created_at = now() where two_factor.enabled_at is null
     returning 1`, [accountId, secret]));
  if (rows.length === 0) return 'already_enabled';
  return { secret, uri: generateURI({ issuer, label, secret }) };
}

/** Whether `code` is the secret's current code (within the tolerance) and newer than the last one used. */
async function totpStep(secret: string, code: string, lastStep: number | null): Promise<number | null> {
  if (!/^\d{6}$/.test(code)) return null;
  const result = await verify({ secret, token: code, epochTolerance: TOLERANCE_SECONDS, ...(lastStep !== null ? { afterTimeStep: lastStep } : {}) });
  return result.valid && 'timeStep' in result ? result.timeStep : null;
}

/** Turns two-factor on once a code from the pending secret is right; returns the recovery codes, shown this once. */
export async function enableTwoFactor(db: Db, accountId: string, code: string): Promise<string[] | 'wrong_code' | 'not_pending'> {
  return db.transaction(async (tx) => {
    const [row] = await tx.query<{ secret: string; enabled_at: Date | null }>('select secret, enabled_at from two_factor where account_id = $1 for update', [accountId]);
    if (!row || row.enabled_at) return 'not_pending';
    const step = await totpStep(row.secret, code.trim(), null);
    if (step === null) return 'wrong_code';
    await tx.query('update two_factor set enabled_at = now(), last_time_step = $2 where account_id = $1', [accountId, step]);
    return replaceRecoveryCodes(tx, accountId);
  });
}

async function replaceRecoveryCodes(tx: Queryable, accountId: string): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODES }, () => randomSecret(8).replace(/[-_]/g, '').slice(0, 10).toLowerCase().padEnd(10, '0'));
  await tx.query('delete from two_factor_recovery_codes where account_id = $1', [accountId]);
  await tx.query('insert into two_factor_recovery_codes (account_id, code_hash) select $1, unnest($2::text[])', [accountId, codes.map((c) => sha256(c))]);
  return codes;
}

/** New recovery codes (the old ones stop working); undefined when two-factor is off. */
export async function regenerateRecoveryCodes(db: Db, accountId: string): Promise<string[] | undefined> {
  return db.transaction(async (tx) => {
    if (!(await twoFactorEnabled(tx, accountId))) return undefined;
    return replaceRecoveryCodes(tx, accountId);
  });
}

export async function disableTwoFactor(db: Db, accountId: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('delete from two_factor where account_id = $1', [accountId]);
    await tx.query('delete from two_factor_recovery_codes where account_id = $1', [accountId]);
    await tx.query('delete from sign_in_challenges where account_id = $1', [accountId]);
  });
}

/**
 * Checks a sign-in code: a TOTP code (each accepted once) or an unused recovery code (used up now).
 * The caller counts the attempt (login.ts).
 */
export async function checkSecondFactor(db: Db, accountId: string, rawCode: string): Promise<boolean> {
  const code = rawCode.replace(/\s+/g, '').toLowerCase();
  if (code.length === 0 || code.length > 20) return false;
  return db.transaction(async (tx) => {
    const [row] = await tx.query<{ secret: string; last_time_step: string | null }>(
      'select secret, last_time_step from two_factor where account_id = $1 and enabled_at is not null for update', [accountId]);
    if (!row) return false;
    const step = await totpStep(row.secret, code, row.last_time_step === null ? null : Number(row.last_time_step));
    if (step !== null) {
      await tx.query('update two_factor set last_time_step = $2 where account_id = $1', [accountId, step]);
      return true;
    }
    const used = await tx.query('update two_factor_recovery_codes set used_at = now() where account_id = $1 and code_hash = $2 and used_at is null returning 1', [accountId, sha256(code)]);
    return used.length > 0;
  });
}

/** A password was right and a code is awaited: the challenge that carries the sign-in to its second step. */
export async function createChallenge(db: Db, accountId: string): Promise<string> {
  const challenge = randomSecret();
  await db.transaction(async (tx) => {
    await tx.query(`insert into sign_in_challenges (challenge_hash, account_id, expires_at) values ($1, $2, now() + interval '${CHALLENGE_MINUTES} minutes')`, [sha256(challenge), accountId]);
    await tx.query('delete from sign_in_challenges where expires_at < now()');
  });
  return challenge;
}

/** The account a live challenge is for. */
export async function challengeAccount(db: Queryable, challenge: string): Promise<string | undefined> {
  const [row] = await db.query<{ account_id: string }>('select account_id from sign_in_challenges where challenge_hash = $1 and expires_at > now()', [sha256(challenge)]);
  return row?.account_id;
}

export async function consumeChallenge(db: Db, challenge: string): Promise<void> {
  await db.transaction((tx) => tx.query('delete from sign_in_challenges where challenge_hash = $1', [sha256(challenge)]));
}
