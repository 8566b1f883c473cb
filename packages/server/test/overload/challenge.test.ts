// Under-attack mode: proof-of-work challenges (issue, verify, replay, expiry, tampering), the admin
// toggle, and who is challenged (anonymous on expensive routes; never signed-in users).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Client, startApp, type TestApp, type User } from '@firebreak/testkit/app.js';
import { CHALLENGE_HEADER, ProofOfWork, leadingZeroBits, solutionHeader, solveChallenge } from '@firebreak/server/overload/challenge.js';

describe('proof of work', () => {
  let now = 1_000_000;
  const pow = new ProofOfWork(Buffer.from('secret'), 8, 60_000, () => now);

  it('counts leading zero bits', () => {
    assert.equal(leadingZeroBits(Buffer.from([0, 0, 0xff])), 16);
    assert.equal(leadingZeroBits(Buffer.from([0x0f, 0])), 4);
    assert.equal(leadingZeroBits(Buffer.from([0x80])), 0);
  });

  it('accepts a solved challenge once, then refuses the replay', () => {
    const challenge = pow.issue();
    const header = solutionHeader(challenge, solveChallenge(challenge));
    assert.equal(pow.verify(header), 'ok');
    assert.equal(pow.verify(header), 'replayed');
  });

  it('refuses missing, malformed, wrong, tampered and expired solutions', () => {
    const challenge = pow.issue();
    const nonce = solveChallenge(challenge);
    assert.equal(pow.verify(undefined), 'missing');
    assert.equal(pow.verify('garbage'), 'malformed');
    assert.equal(pow.verify(solutionHeader({ ...challenge, difficulty: 1 }, nonce)), 'bad_signature', 'difficulty lowered by the client');
    assert.equal(pow.verify(solutionHeader({ ...challenge, expires: challenge.expires + 1e9 }, nonce)), 'bad_signature', 'expiry extended');
    let wrong = 0;
    while (leadingZeroBits(createHash('sha256').update(`${challenge.salt}${wrong}`).digest()) >= challenge.difficulty) wrong++;
    assert.equal(pow.verify(solutionHeader(challenge, wrong)), 'wrong_nonce');
    now += 60_001;
    assert.equal(pow.verify(solutionHeader(challenge, nonce)), 'expired');
  });

  it('does not accept a challenge signed with another key', () => {
    const other = new ProofOfWork(Buffer.from('other'), 8, 60_000, () => now);
    const challenge = other.issue();
    assert.equal(pow.verify(solutionHeader(challenge, solveChallenge(challenge))), 'bad_signature');
  });
});

describe('under-attack mode in the app', () => {
  let t: TestApp;
  let c: Client;
  let alice: User;
  const admin = { authorization: 'Bearer admin-secret-for-tests' };
  before(async () => {
    t = await startApp('pglite', { adminToken: 'admin-secret-for-tests' });
    c = new Client(t.app);
    alice = await c.register('alice');
  });
  after(() => t.close());

  it('is switched by an admin endpoint that wants the admin token', async () => {
    assert.equal((await c.request('PUT', '/api/firebreak/admin/under_attack', { body: { enabled: true } })).status, 401);
    assert.equal((await c.request('PUT', '/api/firebreak/admin/under_attack', { body: { enabled: true }, headers: { authorization: 'Bearer wrong' } })).status, 401);
    assert.equal((await c.request('PUT', '/api/firebreak/admin/under_attack', { body: { enabled: 'maybe' }, headers: admin })).status, 400);
    const res = await c.request('PUT', '/api/firebreak/admin/under_attack', { body: { enabled: true }, headers: admin });
    assert.equal(res.status, 200);
    assert.equal(res.body.under_attack, true);
    assert.equal((await c.request('GET', '/api/firebreak/admin/under_attack', { headers: admin })).body.under_attack, true);
  });

  it('challenges anonymous requests to expensive routes, and lets a solved one through once', async () => {
    const refused = await c.request('GET', '/api/v2/search?q=hello');
    assert.equal(refused.status, 403);
    assert.equal(refused.body.reason, 'missing');
    const challenge = refused.body.challenge;
    assert.equal(challenge.algorithm, 'SHA-256');
    const header = solutionHeader(challenge, solveChallenge(challenge));
    assert.equal((await c.request('GET', '/api/v2/search?q=hello', { headers: { [CHALLENGE_HEADER]: header } })).status, 200);
    const replay = await c.request('GET', '/api/v2/search?q=hello', { headers: { [CHALLENGE_HEADER]: header } });
    assert.equal(replay.status, 403);
    assert.equal(replay.body.reason, 'replayed');
    const fresh = (await c.request('GET', '/api/firebreak/challenge')).body;
    assert.equal((await c.request('GET', '/api/v1/timelines/public', { headers: { [CHALLENGE_HEADER]: solutionHeader(fresh, solveChallenge(fresh)) } })).status, 200);
  });

  it('does not challenge cheap anonymous routes or signed-in users', async () => {
    assert.equal((await c.request('GET', '/api/v1/instance')).status, 200);
    assert.equal((await c.request('GET', '/api/v2/search?q=hello', { token: alice.token })).status, 200);
    assert.equal((await c.request('GET', '/api/v1/timelines/public', { token: alice.token })).status, 200);
  });

  it('counts challenges in /metrics and stops challenging when switched off', async () => {
    const metrics = String((await c.request('GET', '/metrics')).body);
    assert.match(metrics, /firebreak_requests_rejected_total\{reason="challenged",route="GET \/api\/v2\/search"\} 2/);
    assert.match(metrics, /firebreak_pow_challenges_total\{outcome="ok"\} 2/);
    assert.match(metrics, /firebreak_under_attack 1/);
    await c.request('PUT', '/api/firebreak/admin/under_attack', { body: { enabled: false }, headers: admin });
    assert.equal((await c.request('GET', '/api/v2/search?q=hello')).status, 200);
  });

  it('has no admin endpoint when no admin token is configured', async () => {
    const other = await startApp('pglite');
    try {
      assert.equal((await new Client(other.app).request('PUT', '/api/firebreak/admin/under_attack', { body: { enabled: true }, headers: admin })).status, 404);
    } finally { await other.close(); }
  });
});
