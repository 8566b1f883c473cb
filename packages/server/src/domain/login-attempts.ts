// The brute-force counters (the rules are in login-limiter.ts), kept in the database so that every
// app server in every data center sees every guess. Counted in each process, an attacker would get
// its handful of guesses once per app server the edge spreads them over, and an owner trusted by one
// app server would be a stranger to the next. Each attempt is counted under advisory locks on its
// login and its address, so concurrent guesses on different servers are counted one after another,
// never all let through before the first is recorded.
import type { Db, Queryable } from '../db/db.js';
import type { LockoutScope } from './login-limiter.js';

const TRUSTED_FOR = '30 days';
// Lock key spaces for pg_advisory_xact_lock(int, int): logins and addresses never share a key.
const LOGIN_LOCK = 1;
const ADDRESS_LOCK = 2;

export interface LoginLimits { attemptsPerWindow: number; windowMs: number }

/**
 * Rows counted for one attempt, so a success can take them back; trusted: the owner's address;
 * exhausted: the counters this attempt filled up, which refuse the next one if it fails.
 */
export interface CountedAttempt {
  login: string; address: string; accountKey: string; rowIds: string[]; trusted: boolean;
  exhausted: Array<{ scope: LockoutScope; retryAfterMs: number }>;
}

export type AttemptVerdict =
  | { counted: CountedAttempt }
  | { refused: { scope: LockoutScope; retryAfterMs: number } };

/** The counters an attempt is subject to: the account's (or, at an address the owner proved, the pair's) and the address's. */
async function counterKeys(tx: Queryable, login: string, address: string, limit: number): Promise<Array<[string, number]>> {
  const account = (await isTrustedAddress(tx, login, address)) ? `pair:${login}|${address}` : `account:${login}`;
  // Addresses get more room than accounts: many people can share one NAT.
  return [[account, limit], [`address:${address}`, limit * 4]];
}

/**
 * Counts a password attempt as failed from the moment it starts (loginSucceeded() takes it back), or
 * refuses it when the account or the address has used up its window.
 */
export async function countLoginAttempt(db: Db, rawLogin: string, address: string, limits: LoginLimits): Promise<AttemptVerdict> {
  const login = rawLogin.toLowerCase();
  const windowSeconds = limits.windowMs / 1000;
  return db.transaction(async (tx) => {
    await tx.query(`select pg_advisory_xact_lock($1, hashtext($2)), pg_advisory_xact_lock($3, hashtext($4))`, [LOGIN_LOCK, login, ADDRESS_LOCK, address]);
    const keys = await counterKeys(tx, login, address, limits.attemptsPerWindow);
    const names = keys.map(([key]) => key);
    // Expired rows of these counters go now; everyone else's with the occasional sweep below.
    await tx.query(`delete from login_failures where key = any($1::text[]) and at <= now() - make_interval(secs => $2)`, [names, windowSeconds]);
    const counts = await tx.query<{ key: string; n: number; retry_after_ms: number }>(
      `select key, count(*)::int as n, ceil(extract(epoch from min(at) + make_interval(secs => $2) - now()) * 1000)::int as retry_after_ms
         from login_failures where key = any($1::text[]) group by key`, [names, windowSeconds]);
    const scopeOf = (key: string): LockoutScope => (key.startsWith('address:') ? 'address' : key.startsWith('pair:') ? 'pair' : 'account');
    const exhausted: CountedAttempt['exhausted'] = [];
    for (const [key, limit] of keys) {
      const c = counts.find((row) => row.key === key);
      if (c && c.n >= limit) return { refused: { scope: scopeOf(key), retryAfterMs: Math.max(1, c.retry_after_ms) } };
      if ((c?.n ?? 0) + 1 >= limit) exhausted.push({ scope: scopeOf(key), retryAfterMs: c ? Math.max(1, c.retry_after_ms) : limits.windowMs });
    }
    const rows = await tx.query<{ id: string }>(`insert into login_failures (key) select unnest($1::text[]) returning id::text as id`, [names]);
    if (Math.random() < 0.01) {
      await tx.query(`delete from login_failures where at <= now() - make_interval(secs => $1)`, [windowSeconds]);
      await tx.query(`delete from login_trusted where until <= now()`);
    }
    return { counted: { login, address, accountKey: names[0]!, rowIds: rows.map((r) => r.id), trusted: names[0]!.startsWith('pair:'), exhausted } };
  });
}

/** Has the account's owner logged in from this address within the trust period? */
export async function isTrustedAddress(db: Queryable, login: string, address: string): Promise<boolean> {
  const [row] = await db.query(`select 1 from login_trusted where login = $1 and address = $2 and until > now()`, [login.toLowerCase(), address]);
  return row !== undefined;
}

/**
 * The attempt succeeded: its own rows are taken back, the account's other failures stay counted (they
 * may be an attacker's, and the owner's login must not hand out a fresh set of guesses). At an
 * address the owner has proven, their own earlier typos there are forgiven; the address becomes theirs
 * (`trust`; not when only the password of a two-factor sign-in was right).
 */
export async function loginSucceeded(db: Db, attempt: CountedAttempt, trust = true): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(`delete from login_failures where id = any($1::bigint[])`, [attempt.rowIds]);
    if (!trust) return;
    if (attempt.accountKey.startsWith('pair:')) await tx.query(`delete from login_failures where key = $1`, [attempt.accountKey]);
    await tx.query(
      `insert into login_trusted (login, address, until) values ($1, $2, now() + interval '${TRUSTED_FOR}')
       on conflict (login, address) do update set until = excluded.until`, [attempt.login, attempt.address]);
  });
}
