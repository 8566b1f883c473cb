// Retries pausing between attempts go again at once when woken (the failure detector found the
// primary), instead of sleeping out their backoff; a pause that ends on its own leaves nothing behind.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RetryWake, withRetry } from '@firebreak/server/db/retry.js';

const refused = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

test('a wake ends a long pause at once and forgets it', { timeout: 5_000 }, async () => {
  const wake = new RetryWake();
  const paused = wake.pause(60_000);
  assert.equal(wake.size, 1);
  wake.wake();
  await paused;
  assert.equal(wake.size, 0);
});

test('a pause that runs out leaves no waiter behind', async () => {
  const wake = new RetryWake();
  await wake.pause(5);
  assert.equal(wake.size, 0);
  wake.wake(); // nothing to wake: no error
});

test('withRetry woken after each failure tries again without its 3.5 s of backoff', { timeout: 2_000 }, async () => {
  const wake = new RetryWake();
  let attempts = 0;
  const result = await withRetry(60_000, async () => {
    attempts++;
    if (attempts <= 6) throw refused();
    return 'done';
  }, { onRetry: () => queueMicrotask(() => wake.wake()) }, wake);
  assert.equal(result, 'done');
  assert.equal(attempts, 7);
});

test('without a wake the backoff is slept out, and the budget still ends it with 503', async () => {
  let attempts = 0;
  await assert.rejects(withRetry(250, async () => { attempts++; throw refused(); }), (err: Error & { statusCode?: number }) => err.statusCode === 503);
  // 100 + 200 ms of pauses fit in 250 ms only partly: two attempts, then the next pause would overrun.
  assert.equal(attempts, 2);
});
