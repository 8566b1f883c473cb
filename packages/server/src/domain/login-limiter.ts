// Brute-force protection for password logins. Failed attempts are counted per account and per client
// address in a sliding window, in the database (login-attempts.ts), so every app server counts the
// same guesses; past the limit, further attempts are refused until the window moves on, so an
// attacker gets a handful of guesses while the owner is locked out only for a few minutes.
//
// An attacker who knows a username could keep its owner locked out forever by guessing from anywhere.
// So an address the owner has logged in from before ("trusted" for that account) is not subject to
// the account-wide counter, only to its own per-(account, address) one: the owner at home keeps
// logging in while the attacker's guesses elsewhere stay capped.
//
// This class is each server's memory of those verdicts: refusals the database handed out (so a
// guess from a locked-out address is refused before it takes an admission slot or a database round
// trip) and addresses the owner proved (so their login outranks anonymous traffic under load). It
// refuses on its own only what the database refused for the same address; for a locked account at
// an address it does not know, it asks the database whether the address is the owner's, so an owner
// trusted through another server is never kept out by what this one has seen.
import { rateLimited } from '../errors.js';

const TRUSTED_FOR_MS = 30 * 24 * 60 * 60_000;
const MAX_KEYS = 100_000;

/**
 * Which counter refused: the account's (every address its owner has not proved), the account's at
 * one address the owner proved (pair), or the address's own (over all accounts).
 */
export type LockoutScope = 'account' | 'pair' | 'address';

export class LoginLimiter {
  /** `login|address`, `|address` (every login) or `login|` (every address the owner has not proved) -> refused until (ms). */
  private readonly refused = new Map<string, number>();
  /** `login|address` -> until when that address counts as the owner's. */
  private readonly trusted = new Map<string, number>();
  /** What people type to log in (an e-mail, a username) -> the account identity it was found to be. */
  private readonly identities = new Map<string, string>();

  constructor(private readonly now: () => number = Date.now) {}

  private static pair(login: string, address: string): string {
    return `${login.toLowerCase()}|${address}`;
  }

  private until(map: Map<string, number>, key: string): number | undefined {
    const until = map.get(key);
    if (until === undefined) return undefined;
    if (until > this.now()) return until;
    map.delete(key);
    return undefined;
  }

  /** Has the account's owner logged in from this address (as far as this server knows)? */
  isTrusted(login: string, address: string): boolean {
    return this.until(this.trusted, LoginLimiter.pair(login, address)) !== undefined;
  }

  /**
   * Throws 429 with Retry-After when the database refused this address, for this login or for all.
   * Returns 'account-locked' when the account is locked for addresses its owner has not proved and
   * this server does not know this address as the owner's: only the database can tell (isTrustedAddress).
   */
  check(login: string, address: string): 'clear' | 'account-locked' {
    const until = this.until(this.refused, LoginLimiter.pair(login, address)) ?? this.until(this.refused, `|${address}`);
    if (until !== undefined) throw this.refusal(until);
    if (this.until(this.refused, `${login.toLowerCase()}|`) !== undefined && !this.isTrusted(login, address)) return 'account-locked';
    return 'clear';
  }

  /** The 429 for an account lock, once the database has said the address is not the owner's. */
  accountRefusal(login: string): Error {
    return this.refusal(this.until(this.refused, `${login.toLowerCase()}|`) ?? this.now() + 1000);
  }

  private refusal(until: number): Error {
    return rateLimited(Math.max(1, Math.ceil((until - this.now()) / 1000)), 'Too many failed login attempts; try again later');
  }

  /** Remembers a refusal the database handed out (or a counter the last failure filled up). */
  lockedOut(login: string, address: string, scope: LockoutScope, retryAfterMs: number): void {
    if (this.refused.size > MAX_KEYS) this.refused.clear(); // bounded memory under a spray attack
    const until = this.now() + retryAfterMs;
    if (scope === 'address') this.refused.set(`|${address}`, until);
    else this.refused.set(LoginLimiter.pair(login, address), until);
    if (scope === 'account') this.refused.set(`${login.toLowerCase()}|`, until);
  }

  /**
   * Counters are kept per account, whatever name was typed (its e-mail or its username): the identity
   * login.ts resolved a login to, as far as this server has seen; the login itself otherwise.
   */
  identityOf(login: string): string {
    return this.identities.get(login.toLowerCase()) ?? login.toLowerCase();
  }

  rememberIdentity(login: string, identity: string): void {
    if (this.identities.size > MAX_KEYS) this.identities.clear();
    this.identities.set(login.toLowerCase(), identity);
  }

  /** The owner proved this address (a successful login here, or the database says so). */
  trust(login: string, address: string): void {
    if (this.trusted.size > MAX_KEYS) this.trusted.clear();
    const key = LoginLimiter.pair(login, address);
    this.trusted.set(key, this.now() + TRUSTED_FOR_MS);
    this.refused.delete(key);
  }
}
