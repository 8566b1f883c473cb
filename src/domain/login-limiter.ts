// Brute-force protection for password logins: failed attempts are counted per account and per client
// address in a sliding window. Past the limit, further attempts are refused until the window moves on,
// so an attacker gets a handful of guesses while the owner is locked out only for a few minutes. A
// successful login clears the account's counter.
//
// An attacker who knows a username could keep its owner locked out forever by guessing from anywhere.
// So an address the owner has logged in from before ("trusted" for that account) is not subject to
// the account-wide counter, only to its own per-(account, address) one: the owner at home keeps
// logging in while the attacker's guesses elsewhere stay capped.
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

  private isTrusted(login: string, address: string): boolean {
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

  fail(login: string, address: string): void {
    if (this.failures.size > MAX_KEYS) this.failures.clear(); // bounded memory under a spray attack
    for (const [key] of this.keys(login, address)) this.failures.set(key, [...this.recent(key), this.now()]);
  }

  succeed(login: string, address: string): void {
    this.failures.delete(`account:${login.toLowerCase()}`);
    this.failures.delete(`pair:${login.toLowerCase()}|${address}`);
    if (this.trusted.size > MAX_KEYS) this.trusted.clear();
    this.trusted.set(`${login.toLowerCase()}|${address}`, this.now() + TRUSTED_FOR_MS);
  }
}
