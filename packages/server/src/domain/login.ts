// Signing in with a password, behind the brute-force limiter (login-attempts.ts counts in the
// database, login-limiter.ts remembers each server's refusals). Every password check goes through
// here: the OAuth password grant, the authorization page and the web UI's sign-in.
import type { AppContext } from '../context.js';
import { oauthError, rateLimited } from '../errors.js';
import { findByLogin } from './accounts.js';
import { countLoginAttempt, loginSucceeded } from './login-attempts.js';
import { verifyPassword } from './passwords.js';

/** Checks a password login against the brute-force limiter; returns the account id or throws. */
export async function passwordLogin(ctx: AppContext, login: string, password: string, address: string): Promise<string> {
  ctx.loginLimiter.check(login, address);
  // Counted before the (slow) password check, so concurrent guesses, on this server or another,
  // cannot all slip past the limit.
  const verdict = await countLoginAttempt(ctx.db, login, address, { attemptsPerWindow: ctx.config.loginAttemptsPerWindow, windowMs: ctx.config.loginWindowMs });
  if ('refused' in verdict) {
    const { scope, retryAfterMs } = verdict.refused;
    ctx.loginLimiter.lockedOut(login, address, scope, retryAfterMs);
    throw rateLimited(Math.ceil(retryAfterMs / 1000), 'Too many failed login attempts; try again later');
  }
  if (verdict.counted.trusted) ctx.loginLimiter.trust(login, address);
  const account = await findByLogin(ctx.db, login);
  const ok = account ? await verifyPassword(password, account.password_hash) : false;
  if (!account || !ok) {
    for (const { scope, retryAfterMs } of verdict.counted.exhausted) ctx.loginLimiter.lockedOut(login, address, scope, retryAfterMs);
    throw oauthError('invalid_grant', 'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.');
  }
  await loginSucceeded(ctx.db, verdict.counted);
  ctx.loginLimiter.trust(login, address);
  return account.id;
}
