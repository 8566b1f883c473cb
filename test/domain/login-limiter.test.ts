import assert from 'node:assert/strict';
import { it } from 'node:test';
import { LoginLimiter } from '../../src/domain/login-limiter.js';

it('locks an account after the limit for one window only, and success resets it', () => {
  let now = 1_000_000;
  const limiter = new LoginLimiter(3, 60_000, () => now);
  for (let i = 0; i < 3; i++) { limiter.check('Olivia', '10.0.0.1'); limiter.fail('olivia', '10.0.0.1'); }
  assert.throws(() => limiter.check('olivia', '10.0.0.9'), (e: any) => e.statusCode === 429 && e.retryAfterSeconds === 60);
  now += 30_000;
  assert.throws(() => limiter.check('olivia', '10.0.0.9'), (e: any) => e.retryAfterSeconds === 30);
  now += 30_001;
  assert.doesNotThrow(() => limiter.check('olivia', '10.0.0.9'), 'the owner is back in once the window passes');
  limiter.fail('olivia', '10.0.0.9');
  limiter.succeed('olivia', '10.0.0.9');
  assert.doesNotThrow(() => limiter.check('olivia', '10.0.0.9'));
});

it('limits one address spraying many accounts, with more room than per account', () => {
  const now = 0;
  const limiter = new LoginLimiter(2, 60_000, () => now);
  for (let i = 0; i < 8; i++) { limiter.check(`user${i}`, '10.0.0.2'); limiter.fail(`user${i}`, '10.0.0.2'); }
  assert.throws(() => limiter.check('someone-else', '10.0.0.2'), (e: any) => e.statusCode === 429);
  assert.doesNotThrow(() => limiter.check('someone-else', '10.0.0.3'));
});

it('keeps the owner logging in from a known address while an attacker elsewhere is locked out', () => {
  let now = 0;
  const limiter = new LoginLimiter(3, 60_000, () => now);
  limiter.check('olivia', '192.0.2.1');
  limiter.succeed('olivia', '192.0.2.1'); // the owner's usual address
  for (let i = 0; i < 3; i++) { limiter.check('olivia', '203.0.113.7'); limiter.fail('olivia', '203.0.113.7'); }
  assert.throws(() => limiter.check('olivia', '203.0.113.7'), (e: any) => e.statusCode === 429, 'attacker capped after 3 guesses');
  assert.throws(() => limiter.check('olivia', '203.0.113.8'), (e: any) => e.statusCode === 429, 'also from a fresh address');
  assert.doesNotThrow(() => limiter.check('olivia', '192.0.2.1'), 'owner not locked out');
  // A thief at the owner's address still gets only a handful of guesses.
  for (let i = 0; i < 3; i++) limiter.fail('olivia', '192.0.2.1');
  assert.throws(() => limiter.check('olivia', '192.0.2.1'), (e: any) => e.statusCode === 429);
  now += 60_001;
  assert.doesNotThrow(() => limiter.check('olivia', '203.0.113.8'), 'everyone is back once the window passes');
});
