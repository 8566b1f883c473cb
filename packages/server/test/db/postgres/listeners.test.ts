// LISTEN follows the primary pool across generations: exactly one subscription per listener, on the
// current generation, however quickly generations follow each other (a failover abandons the primary
// pool twice in a row: once when the heartbeat stalls, once when the finder sees the primary moved).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Listeners, type ListenTarget } from '@firebreak/server/db/postgres/listeners.js';

const settle = () => new Promise((r) => setImmediate(r));

/** A pool generation whose LISTEN answers when the test says so (or fails, when it is gone). */
class FakeGeneration implements ListenTarget {
  readonly subscribers: Array<{ onPayload: (payload: string) => void }> = [];
  readonly waiting: Array<() => void> = [];
  listenCalls = 0;
  constructor(private readonly mode: 'answer' | 'hold' | 'fail') {}

  readonly sql = {
    listen: (_channel: string, onPayload: (payload: string) => void) => {
      this.listenCalls++;
      if (this.mode === 'fail') return Promise.reject(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }));
      return new Promise<{ unlisten(): Promise<void> }>((resolve) => {
        const subscribe = () => {
          const entry = { onPayload };
          this.subscribers.push(entry);
          resolve({ unlisten: async () => { this.subscribers.splice(this.subscribers.indexOf(entry), 1); } });
        };
        if (this.mode === 'hold') this.waiting.push(subscribe); else subscribe();
      });
    },
  };

  answerAll(): void { for (const subscribe of this.waiting.splice(0)) subscribe(); }
  publish(payload: string): void { for (const s of [...this.subscribers]) s.onPayload(payload); }
}

describe('Listeners', () => {
  it('subscribes once on the newest generation when generations change while it re-attaches', async () => {
    let current = new FakeGeneration('answer');
    const listeners = new Listeners(() => current);
    const heard: string[] = [];
    const unsubscribe = await listeners.add('events', (p) => heard.push(p));

    const second = new FakeGeneration('hold');
    current = second;
    listeners.reattach();
    await settle();
    const third = new FakeGeneration('hold');
    current = third;
    listeners.reattach();
    await settle();
    second.answerAll(); // the LISTEN on the abandoned generation answers late
    await settle();
    third.answerAll();
    await settle();
    third.answerAll();
    await settle();

    assert.equal(third.subscribers.length, 1, `subscriptions on the current generation: ${third.subscribers.length}`);
    assert.equal(second.subscribers.length, 0, 'the late answer on the abandoned generation was unsubscribed');
    third.publish('hello');
    assert.deepEqual(heard, ['hello']);
    await unsubscribe();
    assert.equal(third.subscribers.length, 0, 'unsubscribing leaves nothing behind');
    listeners.close();
  });

  it('stops re-attaching once closed', async () => {
    const failing = new FakeGeneration('fail');
    const listeners = new Listeners(() => failing);
    const added = listeners.add('events', () => {});
    await new Promise((r) => setTimeout(r, 50)); // one refused LISTEN; the next try waits 250 ms
    listeners.close();
    await added; // resolves instead of retrying for ever
    const calls = failing.listenCalls;
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(failing.listenCalls, calls, 'no LISTEN after close');
  });
});
