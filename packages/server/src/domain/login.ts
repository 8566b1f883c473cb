// Checking a password, and a second factor, behind the brute-force limiter (login-attempts.ts counts
// in the database, login-limiter.ts remembers each server's refusals). Every password check goes
// through here: the OAuth password grant, the authorization page, the web UI's sign-in, a password
// change, setting up or removing two-factor sign-in.
//
// Guesses are counted per account, whichever name is typed (its e-mail or its username share one
// counter), and per address. A login that matches no account is counted under the name typed and
// takes as long as a real check, so neither the answer nor its timing tells whether it exists.
// Two-factor codes are counted on the same counters as passwords: knowing the password buys no more
// guesses at the code than a stranger gets at the password.
import { isIP } from 'node:net';
import type { AppContext } from '../context.js';
import type { Queryable } from '../db/index.js';
import { forbidden, oauthError, rateLimited, unauthorized } from '../errors.js';
import { ACCOUNT_COLUMNS, getAccount, loginRefusal, type AccountRow } from './accounts.js';
import { countLoginAttempt, loginSucceeded } from './login-attempts.js';
import { hashPassword, needsRehash, verifyAgainstNothing, verifyPassword } from './passwords.js';
import { normalAddress } from './sign-up-blocks.js';
import { challengeAccount, checkSecondFactor, consumeChallenge, createChallenge } from './two-factor.js';

/** The counters' name for an account: its id, so that its e-mail and its username count as one. */
const identityOf = (login: string, account: AccountRow | undefined) => (account ? `#${account.id}` : login.toLowerCase());

/**
 * A counted check for `identity` from `address`: throws 429 while locked out, and returns whether
 * `check` passed. On success the attempt is taken back and, when `trust`, the address becomes the
 * owner's (not after a password alone when a second factor is still to come).
 */
async function counted(ctx: AppContext, identity: string, address: string, check: () => Promise<boolean>, trust = true): Promise<boolean> {
  ctx.loginLimiter.check(identity, address);
  // Counted before the (slow) check, so concurrent guesses, on this server or another, cannot all
  // slip past the limit.
  const verdict = await countLoginAttempt(ctx.db, identity, address, { attemptsPerWindow: ctx.config.loginAttemptsPerWindow, windowMs: ctx.config.loginWindowMs });
  if ('refused' in verdict) {
    const { scope, retryAfterMs } = verdict.refused;
    ctx.loginLimiter.lockedOut(identity, address, scope, retryAfterMs);
    throw rateLimited(Math.ceil(retryAfterMs / 1000), 'Too many failed login attempts; try again later');
  }
  if (verdict.counted.trusted) ctx.loginLimiter.trust(identity, address);
  if (!(await check())) {
    for (const { scope, retryAfterMs } of verdict.counted.exhausted) ctx.loginLimiter.lockedOut(identity, address, scope, retryAfterMs);
    return false;
  }
  await loginSucceeded(ctx.db, verdict.counted, trust);
  if (trust) ctx.loginLimiter.trust(identity, address);
  return true;
}

/** A counted password check; a hash weaker than today's is replaced on success. */
async function countedPassword(ctx: AppContext, identity: string, address: string, account: AccountRow | undefined, password: string, trust = true): Promise<boolean> {
  const hashing = ctx.config.passwordHashing;
  const ok = await counted(ctx, identity, address,
    async () => (account ? verifyPassword(password, account.password_hash) : verifyAgainstNothing(password, hashing).then(() => false)), trust);
  if (ok && account && needsRehash(account.password_hash, hashing)) {
    const hash = await hashPassword(password, hashing);
    await ctx.db.transaction((tx) => tx.query('update accounts set password_hash = $2 where id = $1 and password_hash = $3', [account.id, hash, account.password_hash]))
      .catch((err) => ctx.logger.warn({ err, accountId: account.id }, 'could not upgrade a password hash'));
  }
  return ok;
}

/**
 * What a sign-in needs to know, in one query (every guess pays for it, so it stays one): the account
 * the login names, whether it has two-factor sign-in, and whether an IP block bars the address.
 */
async function loginCandidate(db: Queryable, login: string, rawAddress: string): Promise<{ account: AccountRow | undefined; secondFactor: boolean; barred: boolean }> {
  const address = normalAddress(rawAddress);
  const [row] = await db.query<AccountRow & { id: string | null; second_factor: boolean; barred: boolean }>(
    `select ${ACCOUNT_COLUMNS.split(', ').map((c) => `a.${c}`).join(', ')},
       exists (select 1 from two_factor t where t.account_id = a.id and t.enabled_at is not null) as second_factor,
       ($2::inet is not null and exists (select 1 from ip_blocks b where $2::inet <<= b.ip and b.severity = 'no_access'
         and (b.expires_at is null or b.expires_at > now()))) as barred
     from (select 1) one left join lateral (
       select * from accounts where lower(email) = lower($1) or lower(username) = lower($1) limit 1) a on true`,
    [login, isIP(address) ? address : null]);
  const { second_factor: secondFactor, barred, ...account } = row!;
  return { account: account.id ? account as AccountRow : undefined, secondFactor, barred };
}

const invalidGrant = () => oauthError('invalid_grant', 'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.');

/** A sign-in's first step: signed in, or a second factor is awaited (`challenge` carries it to signInWithCode). */
export type SignInResult = { accountId: string } | { challenge: string };

/**
 * A password sign-in: throws invalid_grant (wrong login or password), 429, or 403 when the account
 * may not sign in (suspended, disabled, waiting for approval; said only to whoever knows the password)
 * or the address is barred (an IP block of severity no_access).
 */
export async function signIn(ctx: AppContext, login: string, password: string, address: string): Promise<SignInResult> {
  const { account, secondFactor, barred } = await loginCandidate(ctx.db, login, address);
  if (barred) throw forbidden('Access from your network is not allowed');
  const identity = identityOf(login, account);
  ctx.loginLimiter.rememberIdentity(login, identity);
  if (!(await countedPassword(ctx, identity, address, account, password, !secondFactor))) throw invalidGrant();
  const refusal = loginRefusal(account!);
  if (refusal) throw forbidden(refusal);
  return secondFactor ? { challenge: await createChallenge(ctx.db, account!.id) } : { accountId: account!.id };
}

/**
 * The OAuth password grant: as Mastodon, it refuses accounts with two-factor sign-in (they sign in
 * through the authorization page), with the same answer as a wrong password.
 */
export async function passwordLogin(ctx: AppContext, login: string, password: string, address: string): Promise<string> {
  const result = await signIn(ctx, login, password, address);
  if ('challenge' in result) {
    await consumeChallenge(ctx.db, result.challenge);
    throw invalidGrant();
  }
  return result.accountId;
}

/** A sign-in's second step: the challenge from signIn() and a code. The challenge works until it expires. */
export async function signInWithCode(ctx: AppContext, challenge: string, code: string, address: string): Promise<string> {
  const accountId = challenge ? await challengeAccount(ctx.db, challenge) : undefined;
  if (!accountId) throw unauthorized('The sign-in has expired; enter your password again');
  if (!(await counted(ctx, `#${accountId}`, address, () => checkSecondFactor(ctx.db, accountId, code)))) throw unauthorized('Wrong code');
  // Suspended since the password was checked: no session.
  const refusal = loginRefusal(await getAccount(ctx.db, accountId));
  if (refusal) throw forbidden(refusal);
  await consumeChallenge(ctx.db, challenge);
  return accountId;
}

/** The signed-in owner confirms their password (to change it, say): counted like a login. */
export function confirmPassword(ctx: AppContext, account: AccountRow, password: string, address: string): Promise<boolean> {
  return countedPassword(ctx, identityOf(account.username, account), address, account, password);
}
