// Checking a password, behind the brute-force limiter (login-attempts.ts counts in the database,
// login-limiter.ts remembers each server's refusals). Every password check goes through here: the
// OAuth password grant, the authorization page, the web UI's sign-in and a password change.
//
// Guesses are counted per account, whichever name is typed (its e-mail or its username share one
// counter), and per address. A login that matches no account is counted under the name typed and
// takes as long as a real check, so neither the answer nor its timing tells whether it exists.
import type { AppContext } from '../context.js';
import { oauthError, rateLimited } from '../errors.js';
import { findByLogin, type AccountRow } from './accounts.js';
import { countLoginAttempt, loginSucceeded } from './login-attempts.js';
import { hashPassword, needsRehash, verifyAgainstNothing, verifyPassword } from './passwords.js';

/** The counters' name for an account: its id, so that its e-mail and its username count as one. */
const identityOf = (login: string, account: AccountRow | undefined) => (account ? `#${account.id}` : login.toLowerCase());

/**
 * A counted password check for `identity` from `address`: throws 429 while locked out, and returns
 * whether the password is right. On success the address becomes the owner's, and a hash weaker than
 * today's is replaced.
 */
async function countedCheck(ctx: AppContext, identity: string, address: string, account: AccountRow | undefined, password: string): Promise<boolean> {
  ctx.loginLimiter.check(identity, address);
  // Counted before the (slow) password check, so concurrent guesses, on this server or another,
  // cannot all slip past the limit.
  const verdict = await countLoginAttempt(ctx.db, identity, address, { attemptsPerWindow: ctx.config.loginAttemptsPerWindow, windowMs: ctx.config.loginWindowMs });
  if ('refused' in verdict) {
    const { scope, retryAfterMs } = verdict.refused;
    ctx.loginLimiter.lockedOut(identity, address, scope, retryAfterMs);
    throw rateLimited(Math.ceil(retryAfterMs / 1000), 'Too many failed login attempts; try again later');
  }
  if (verdict.counted.trusted) ctx.loginLimiter.trust(identity, address);
  const hashing = ctx.config.passwordHashing;
  const ok = account ? await verifyPassword(password, account.password_hash) : await verifyAgainstNothing(password, hashing);
  if (!ok || !account) {
    for (const { scope, retryAfterMs } of verdict.counted.exhausted) ctx.loginLimiter.lockedOut(identity, address, scope, retryAfterMs);
    return false;
  }
  await loginSucceeded(ctx.db, verdict.counted);
  ctx.loginLimiter.trust(identity, address);
  if (needsRehash(account.password_hash, hashing)) {
    const hash = await hashPassword(password, hashing);
    await ctx.db.query('update accounts set password_hash = $2 where id = $1 and password_hash = $3', [account.id, hash, account.password_hash])
      .catch((err) => ctx.logger.warn({ err, accountId: account.id }, 'could not upgrade a password hash'));
  }
  return true;
}

/** A password login: returns the account id, or throws invalid_grant (wrong login or password) or 429. */
export async function passwordLogin(ctx: AppContext, login: string, password: string, address: string): Promise<string> {
  const account = await findByLogin(ctx.db, login);
  const identity = identityOf(login, account);
  ctx.loginLimiter.rememberIdentity(login, identity);
  if (!(await countedCheck(ctx, identity, address, account, password))) {
    throw oauthError('invalid_grant', 'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.');
  }
  return account!.id;
}

/** The signed-in owner confirms their password (to change it, say): counted like a login. */
export function confirmPassword(ctx: AppContext, account: AccountRow, password: string, address: string): Promise<boolean> {
  return countedCheck(ctx, identityOf(account.username, account), address, account, password);
}
