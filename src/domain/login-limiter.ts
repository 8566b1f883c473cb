// Brute-force protection for password logins: failed attempts are counted per account and per client
// address in a sliding window. Past the limit, further attempts are refused until the window moves on,
// so an attacker gets a handful of guesses while the owner is locked out only for a few minutes. A
// successful login clears the account's counter.
import { rateLimited } from '../errors.js';

export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly limit: number, private readonly windowMs: number, private readonly now: () => number = Date.now) {}

  private recent(key: string): number[] {
    const cutoff = this.now() - this.windowMs;
    const kept = (this.failures.get(key) ?? []).filter((t) => t > cutoff);
    if (kept.length) this.failures.set(key, kept); else this.failures.delete(key);
    return kept;
  }

  /** Throws 429 with Retry-After when either the account or the address is over its limit. */
  check(login: string, address: string): void {
    for (const key of [`account:${login.toLowerCase()}`, `address:${address}`]) {
      const times = this.recent(key);
      // Addresses get more room than accounts: many people can share one NAT.
      const limit = key.startsWith('address:') ? this.limit * 4 : this.limit;
      if (times.length >= limit) {
        throw rateLimited(Math.ceil((times[0]! + this.windowMs - this.now()) / 1000), 'Too many failed login attempts; try again later');
      }
    }
  }

  fail(login: string, address: string): void {
    if (this.failures.size > 100_000) this.failures.clear(); // bounded memory under a spray attack
    for (const key of [`account:${login.toLowerCase()}`, `address:${address}`]) {
      this.failures.set(key, [...this.recent(key), this.now()]);
    }
  }

  succeed(login: string): void {
    this.failures.delete(`account:${login.toLowerCase()}`);
  }
}
