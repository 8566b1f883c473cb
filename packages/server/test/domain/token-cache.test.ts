// The token cache (domain/token-cache.ts) on its own: expiry, bound, eviction, and the race between a
// look-up and a revocation. The API-level checks (revocations seen at once, on one server and across
// two) are in test/api/token-cache.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenCache } from '@firebreak/server/domain/token-cache.js';
import type { LiveToken } from '@firebreak/server/domain/tokens.js';

const token = (id: string, over: Partial<LiveToken> = {}): LiveToken =>
  ({ id, app_id: null, account_id: `a${id}`, scopes: ['read'], role_id: null, approved: true, functional: true, ...over });

describe('token cache', () => {
  it('answers until its entry expires', () => {
    let now = 0;
    const cache = new TokenCache(1000, 10, () => now);
    cache.put('h1', token('1'), cache.mark());
    assert.equal(cache.get('h1')?.id, '1');
    now = 999;
    assert.equal(cache.get('h1')?.id, '1');
    now = 1000;
    assert.equal(cache.get('h1'), undefined, 'expired');
    assert.equal(cache.size, 0);
    assert.deepEqual([cache.hits, cache.misses], [2, 1]);
  });

  it('holds at most its bound, dropping the oldest', () => {
    const cache = new TokenCache(60_000, 3);
    for (const id of ['1', '2', '3', '4', '5']) cache.put(`h${id}`, token(id), cache.mark());
    assert.equal(cache.size, 3);
    assert.equal(cache.get('h1'), undefined);
    assert.equal(cache.get('h2'), undefined);
    assert.equal(cache.get('h5')?.id, '5');
  });

  it('forgets revoked tokens by id, and everything on clear', () => {
    const cache = new TokenCache();
    cache.put('h1', token('1'), cache.mark());
    cache.put('h2', token('2'), cache.mark());
    cache.evict(['1', 'unknown']);
    assert.equal(cache.get('h1'), undefined);
    assert.equal(cache.get('h2')?.id, '2');
    cache.clear();
    assert.equal(cache.get('h2'), undefined);
  });

  it('does not keep an answer read before a revocation that arrived meanwhile', () => {
    const cache = new TokenCache();
    const mark = cache.mark(); // the database look-up starts
    cache.evict(['1']); // the token is revoked and its event arrives before the look-up answers
    cache.put('h1', token('1'), mark);
    assert.equal(cache.get('h1'), undefined);
    cache.put('h1', token('1'), cache.mark());
    assert.equal(cache.get('h1')?.id, '1', 'a later look-up is kept');
  });

  it('keeps only tokens that work', () => {
    const cache = new TokenCache();
    cache.put('pending', token('1', { approved: false }), cache.mark());
    cache.put('disabled', token('2', { functional: false }), cache.mark());
    assert.equal(cache.size, 0);
  });
});
