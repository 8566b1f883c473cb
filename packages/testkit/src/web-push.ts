// A Web Push subscriber's side, for tests and the drills: a P-256 key pair and an auth secret as a
// browser makes them, and RFC 8291 (aes128gcm) decryption of what the server pushes, written here
// from the RFCs rather than with the library the server encrypts with, so the two check each other.
import { createDecipheriv, createECDH, createHmac, randomBytes, type ECDH } from 'node:crypto';

export interface SubscriberKeys { ecdh: ECDH; publicKey: Buffer; auth: Buffer }

export function subscriberKeys(): SubscriberKeys {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { ecdh, publicKey: ecdh.getPublicKey(), auth: randomBytes(16) };
}

/** The `subscription` object of POST /api/v1/push/subscription for these keys (RFC 8291 asked for). */
export function subscriptionFor(endpoint: string, keys: SubscriberKeys) {
  return { endpoint, keys: { p256dh: keys.publicKey.toString('base64url'), auth: keys.auth.toString('base64url') }, standard: true };
}

const hmac = (key: Buffer, data: Buffer) => createHmac('sha256', key).update(data).digest();

/** RFC 8291 §3.4 and RFC 8188: decrypts one aes128gcm message (a single record) for the subscriber. */
export function decryptAes128gcm(body: Buffer, keys: SubscriberKeys): string {
  const salt = body.subarray(0, 16);
  const recordSize = body.readUInt32BE(16);
  const idLength = body[20]!;
  const serverPublic = body.subarray(21, 21 + idLength);
  const ciphertext = body.subarray(21 + idLength);
  if (ciphertext.length > recordSize) throw new Error('more than one record');
  const prkKey = hmac(keys.auth, keys.ecdh.computeSecret(serverPublic));
  const ikm = hmac(prkKey, Buffer.concat([Buffer.from('WebPush: info\0'), keys.publicKey, serverPublic, Buffer.from([1])]));
  const prk = hmac(salt, ikm);
  const cek = hmac(prk, Buffer.from('Content-Encoding: aes128gcm\0\x01')).subarray(0, 16);
  const nonce = hmac(prk, Buffer.from('Content-Encoding: nonce\0\x01')).subarray(0, 12);
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('the last record does not end with the 0x02 delimiter');
  return padded.subarray(0, end).toString('utf8');
}

/** A Mastodon push payload's notification id, exactly (a 64-bit number a JavaScript number would round). */
export function notificationIdOf(payload: string): string | undefined {
  return /"notification_id"\s*:\s*(\d+)/.exec(payload)?.[1];
}
