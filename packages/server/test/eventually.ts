// Waiting for something that happens asynchronously (an event reaching another server, a page
// answering a stream, a background task), then asserting it.
import assert from 'node:assert/strict';

/** Waits until `read()` gives `expected`, for at most `timeoutMs`, then asserts it. */
export async function eventually<T>(read: () => Promise<T>, expected: T, message?: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let actual = await read();
  while (actual !== expected && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    actual = await read();
  }
  assert.equal(actual, expected, message);
}
