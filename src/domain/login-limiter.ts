// Brute-force protection for password logins: failed attempts are counted per account and per client
// address in a sliding window. Past the limit, further attempts are refused until the window moves on,
// so an attacker gets a handful of guesses while the owner is locked out only for a few minutes.
//
// An attacker who knows a username could keep its owner locked out forever by guessing from anywhere.
// So an address the owner has logged in from before ("trusted" for that account) is not subject to
// the account-wide counter, only to its own per-(account, address) one: the owner at home keeps
// logging in while the attacker's guesses elsewhere stay capped.
//
// An attempt counts as a failure from the moment it starts (attempt()), and a success takes it back:
// checking first and counting after the password check would let a burst of concurrent guesses all
// pass the check before the first failure is recorded.
import { rateLimited } from '../errors.js';

const TRUSTED_FOR_MS = 30 * 24 * 60 * 60_000;
const MAX_KEYS = 100_000;

export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();
  /** `login|address` -> until when that address counts as the owner's. */
  private readonly trusted = new Map<string, number>();

  constructor(private readonly limit: number, private readonly windowMs: number, private readonly now: () => number = Date.now) {}

  private recent(key: string): number[] {
    const cutoff = this.now() - this.windowMs;
    const kept = (this.failures.get(key) ?? []).filter((t) => t > cutoff);
    if (kept.length) this.failures.set(key, kept); else this.failures.delete(key);
    return kept;
  }

  /** Has the account's owner logged in from this address (recently enough)? */
  isTrusted(login: string, address: string): boolean {
    const key = `${login.toLowerCase()}|${address}`;
    const until = this.trusted.get(key);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.trusted.delete(key);
    return false;
  }

  /** The counters an attempt from this address on this login is subject to, with their limits. */
  private keys(login: string, address: string): Array<[string, number]> {
    const account = this.isTrusted(login, address) ? `pair:${login.toLowerCase()}|${address}` : `account:${login.toLowerCase()}`;
    // Addresses get more room than accounts: many people can share one NAT.
    return [[account, this.limit], [`address:${address}`, this.limit * 4]];
  }

  /** Throws 429 with Retry-After when either the account or the address is over its limit. */
  check(login: string, address: string): void {
    for (const [key, limit] of this.keys(login, address)) {
      const times = this.recent(key);
      if (times.length >= limit) {
        throw rateLimited(Math.ceil((times[0]! + this.windowMs - this.now()) / 1000), 'Too many failed login attempts; try again later');
      }
    }
  }

  private takeBack(key: string): void {
    const times = this.recent(key);
    times.pop();
    if (times.length) this.failures.set(key, times); else this.failures.delete(key);
  }

  /** check() and, if allowed, counts the attempt as failed until succeed() says otherwise. */
  attempt(login: string, address: string): void {
    this.check(login, address);
    this.fail(login, address);
  }

  fail(login: string, address: string): void {
    if (this.failures.size > MAX_KEYS) this.failures.clear(); // bounded memory under a spray attack
    for (const [key] of this.keys(login, address)) this.failures.set(key, [...this.recent(key), this.now()]);
  }

  /**
   * The attempt succeeded. It is taken back from the counters attempt() added it to; the account's other
   * failures stay counted (they may be an attacker's, and the owner's login must not hand out a fresh
   * set of guesses). At an address the owner has proven, their own earlier typos there are forgiven.
   */
  succeed(login: string, address: string): void {
    const [[accountKey], [addressKey]] = this.keys(login, address) as [[string, number], [string, number]];
    if (accountKey.startsWith('pair:')) this.failures.delete(accountKey); else this.takeBack(accountKey);
    this.takeBack(addressKey);
    if (this.trusted.size > MAX_KEYS) this.trusted.clear();
    this.trusted.set(`${login.toLowerCase()}|${address}`, this.now() + TRUSTED_FOR_MS);
  }
}
