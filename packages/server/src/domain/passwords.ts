// Password hashes in a self-describing format. New hashes are argon2id with OWASP's parameters
// (19 MiB, 2 passes, 1 lane: Node's own crypto.argon2), written as
// argon2id$m=<KiB>,t=<passes>,p=1$<salt>$<hash> (base64url). Older scrypt$N$r$p$salt$hash hashes still
// verify, and are replaced at the next successful login (needsRehash).
import { argon2, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const KEY_LENGTH = 32;

export interface PasswordHashing { memoryKiB: number; passes: number }

/** OWASP's recommended minimum for argon2id (Password Storage Cheat Sheet). */
export const OWASP_ARGON2ID: PasswordHashing = { memoryKiB: 19_456, passes: 2 };

function argon2id(password: string, salt: Buffer, p: PasswordHashing): Promise<Buffer> {
  return new Promise((resolve, reject) => argon2('argon2id', {
    message: password.normalize('NFKC'), nonce: salt, parallelism: 1, tagLength: KEY_LENGTH, memory: p.memoryKiB, passes: p.passes,
  }, (err, key) => (err ? reject(err) : resolve(key))));
}

function scryptKey(password: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string, params: PasswordHashing): Promise<string> {
  const salt = randomBytes(16);
  const key = await argon2id(password, salt, params);
  return `argon2id$m=${params.memoryKiB},t=${params.passes},p=1$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

const ARGON2ID = /^argon2id\$m=(\d{1,7}),t=(\d{1,3}),p=1\$([\w-]+)\$([\w-]+)$/;
const SCRYPT = /^scrypt\$(\d{1,8})\$(\d{1,3})\$(\d{1,3})\$([\w-]+)\$([\w-]+)$/;

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  let key: Buffer;
  let expected: Buffer;
  const a = ARGON2ID.exec(stored);
  const s = a ? null : SCRYPT.exec(stored);
  if (a) {
    expected = Buffer.from(a[4]!, 'base64url');
    key = await argon2id(password, Buffer.from(a[3]!, 'base64url'), { memoryKiB: Number(a[1]), passes: Number(a[2]) });
  } else if (s) {
    expected = Buffer.from(s[5]!, 'base64url');
    key = await scryptKey(password, Buffer.from(s[4]!, 'base64url'), Number(s[1]), Number(s[2]), Number(s[3]));
  } else return false;
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** Whether a stored hash is weaker than (or otherwise not) what would be written now. */
export function needsRehash(stored: string, params: PasswordHashing): boolean {
  const a = ARGON2ID.exec(stored);
  return !a || Number(a[1]) < params.memoryKiB || Number(a[2]) < params.passes;
}

let dummy: { params: PasswordHashing; hash: Promise<string> } | undefined;

/**
 * Spends the time a real check takes, for a login that matches no account: otherwise how long a
 * failed login takes would tell whether the account exists.
 */
export async function verifyAgainstNothing(password: string, params: PasswordHashing): Promise<false> {
  if (dummy?.params !== params) dummy = { params, hash: hashPassword(randomBytes(16).toString('base64url'), params) };
  await verifyPassword(password, await dummy.hash);
  return false;
}
