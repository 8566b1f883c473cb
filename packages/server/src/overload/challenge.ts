// Proof-of-work challenges for "under attack" mode (ALTCHA-style). The server hands out a challenge
// {salt, difficulty, expires} signed with an HMAC, so it keeps no state per challenge it issues; the
// client searches for a nonce such that sha256(salt + nonce) starts with `difficulty` zero bits and
// sends the solved challenge back in a header. Verifying costs one HMAC and one hash; solving costs
// about 2^difficulty hashes, which is nothing for one person and a lot for a flood. A solution is
// accepted once (replay cache until it expires).
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const CHALLENGE_HEADER = 'x-firebreak-pow';

export interface Challenge { algorithm: 'SHA-256'; salt: string; difficulty: number; expires: number; signature: string }

export type Verdict = 'ok' | 'missing' | 'malformed' | 'bad_signature' | 'expired' | 'wrong_nonce' | 'replayed';

export function leadingZeroBits(digest: Buffer): number {
  let bits = 0;
  for (const byte of digest) {
    if (byte === 0) { bits += 8; continue; }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

const hashOf = (salt: string, nonce: number) => createHash('sha256').update(`${salt}${nonce}`).digest();

/** Finds the nonce; what a client does. Used by tests and the drill. */
export function solveChallenge(challenge: Pick<Challenge, 'salt' | 'difficulty'>, maxTries = 1 << 26): number {
  for (let nonce = 0; nonce < maxTries; nonce++) {
    if (leadingZeroBits(hashOf(challenge.salt, nonce)) >= challenge.difficulty) return nonce;
  }
  throw new Error('no solution found');
}

/** The header value a client sends: the challenge fields and its nonce, dot-separated. */
export const solutionHeader = (c: Challenge, nonce: number) => [c.salt, c.difficulty, c.expires, c.signature, nonce].join('.');

export class ProofOfWork {
  private readonly used = new Map<string, number>(); // salt -> expiry

  constructor(
    private readonly secret: Buffer,
    readonly difficulty = 16,
    private readonly ttlMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
    private readonly maxRemembered = 200_000,
  ) {}

  private sign(salt: string, difficulty: number, expires: number): string {
    return createHmac('sha256', this.secret).update(`${salt}.${difficulty}.${expires}`).digest('base64url');
  }

  issue(): Challenge {
    const salt = randomBytes(12).toString('base64url');
    const expires = this.now() + this.ttlMs;
    return { algorithm: 'SHA-256', salt, difficulty: this.difficulty, expires, signature: this.sign(salt, this.difficulty, expires) };
  }

  verify(header: string | string[] | undefined): Verdict {
    if (header === undefined) return 'missing';
    if (typeof header !== 'string' || header.length > 300) return 'malformed';
    const [salt, difficultyText, expiresText, signature, nonceText, extra] = header.split('.');
    const difficulty = Number(difficultyText);
    const expires = Number(expiresText);
    const nonce = Number(nonceText);
    if (!salt || !signature || extra !== undefined || ![difficulty, expires, nonce].every(Number.isSafeInteger)) return 'malformed';
    const expected = Buffer.from(this.sign(salt, difficulty, expires));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'bad_signature';
    // A signed challenge with a lower difficulty could only come from before a difficulty change.
    if (difficulty < this.difficulty) return 'bad_signature';
    const now = this.now();
    if (expires <= now) return 'expired';
    if (leadingZeroBits(hashOf(salt, nonce)) < difficulty) return 'wrong_nonce';
    if (this.used.has(salt)) return 'replayed';
    this.remember(salt, expires, now);
    return 'ok';
  }

  private remember(salt: string, expires: number, now: number): void {
    if (this.used.size >= this.maxRemembered) {
      for (const [key, expiry] of this.used) if (expiry <= now) this.used.delete(key);
      // Still full of live entries: memory stays bounded and the oldest go first. An evicted solution
      // could be replayed until it expires, which costs an attacker a solve per 200k anyway.
      while (this.used.size >= this.maxRemembered) this.used.delete(this.used.keys().next().value!);
    }
    this.used.set(salt, expires);
  }
}
