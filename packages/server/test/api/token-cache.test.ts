// Reads take their token from memory (domain/token-cache.ts); nothing that revokes a token may let it
// keep working: a revocation is seen by the next read, on this server and on the others. Writes and
// routes that need a permission always ask the database. On PGlite and on real PostgreSQL, and across
// two app servers sharing one PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ROLES } from '@firebreak/server/domain/roles.js';
import { setRoleByUsername } from '@firebreak/server/domain/moderation.js';
import { eventually } from '../eventually.js';
import { backends, Client, freshPostgresUrl, makeUser, STAFF_SCOPES, startApp, startListeningApp, type TestApp } from '@firebreak/testkit/app.js';

const PASSWORD = 'correct horse battery';

for (const backend of backends()) {
  describe(`token cache on ${backend}`, () => {
    let t: TestApp;
    let c: Client;
    let n = 0;
    const me = async (token: string) => (await c.request('GET', '/api/v1/accounts/verify_credentials', { token })).status;
    const secondToken = async (username: string) => {
      const app = await c.registerApp();
      const login = await c.request('POST', '/oauth/token', { body: { grant_type: 'password', username, password: PASSWORD, ...app, scope: 'read write' } });
      return { token: login.body.access_token as string, app };
    };

    before(async () => {
      t = await startApp(backend);
      c = new Client(t.app);
    });
    after(() => t.close());

    it('answers repeated reads from memory', async () => {
      const user = await c.register(`reader${++n}`);
      assert.equal(await me(user.token), 200);
      const hits = t.ctx.tokenCache.hits;
      assert.equal(await me(user.token), 200);
      assert.equal(await me(user.token), 200);
      assert.equal(t.ctx.tokenCache.hits, hits + 2);
    });

    it('a revoked token fails the very next read', async () => {
      const user = await c.register(`revoked${++n}`);
      const { token, app } = await secondToken(user.username);
      assert.equal(await me(token), 200);
      assert.equal(await me(token), 200, 'now cached');
      assert.equal((await c.request('POST', '/oauth/revoke', { body: { token, ...app } })).status, 200);
      assert.equal(await me(token), 401);
    });

    it('a password change signs the other tokens out of reads at once', async () => {
      const user = await c.register(`changer${++n}`);
      const { token } = await secondToken(user.username);
      assert.equal(await me(token), 200);
      const changed = await c.request('POST', '/api/v1/accounts/change_password', { token: user.token, body: { current_password: PASSWORD, new_password: 'another password entirely' } });
      assert.equal(changed.status, 200);
      assert.equal(await me(token), 401);
      assert.equal(await me(user.token), 200);
    });

    it('a suspension signs the account out of reads at once', async () => {
      const moderator = await makeUser(t.ctx, STAFF_SCOPES, 'moderator');
      const user = await c.register(`suspended${++n}`);
      assert.equal(await me(user.token), 200);
      const action = await c.request('POST', `/api/v1/admin/accounts/${user.id}/action`, { token: moderator.token, body: { type: 'suspend' } });
      assert.equal(action.status, 200);
      assert.equal(await me(user.token), 401);
    });

    it('writes and permission checks ask the database, even for a token memory still holds', async () => {
      const user = await c.register(`writer${++n}`);
      assert.equal(await me(user.token), 200);
      // A revocation whose event never arrived (as in a failover): reads may use the cached token
      // until it expires, but a write may not.
      await t.ctx.db.query('update tokens set revoked_at = now() where account_id = $1', [user.id]);
      assert.equal(await me(user.token), 200, 'the read is answered from memory');
      assert.equal((await c.request('POST', '/api/v1/statuses', { token: user.token, body: { status: 'after revocation' } })).status, 401);

      const admin = await makeUser(t.ctx, STAFF_SCOPES, 'admin');
      const reports = () => c.request('GET', '/api/v1/admin/reports', { token: admin.token });
      assert.equal((await reports()).status, 200);
      assert.equal((await reports()).status, 200);
      await setRoleByUsername(t.ctx, admin.username, ROLES.user);
      assert.equal((await reports()).status, 403, 'a role taken away takes effect at once');
    });

    it('the relay losing events empties the cache', async () => {
      const user = await c.register(`relay${++n}`);
      assert.equal(await me(user.token), 200);
      assert.ok(t.ctx.tokenCache.size > 0);
      // What the relay's subscribers hear when its LISTEN is made again after a reconnection.
      await t.ctx.db.query('update tokens set revoked_at = now() where account_id = $1', [user.id]);
      const onResubscribed = (t.ctx.relay as unknown as { subscribers: Set<{ onResubscribed?: () => void }> }).subscribers;
      for (const s of onResubscribed) s.onResubscribed?.();
      assert.equal(t.ctx.tokenCache.size, 0);
      assert.equal(await me(user.token), 401);
    });
  });
}

describe('token cache across two app servers on one PostgreSQL', { skip: !process.env.FIREBREAK_TEST_DATABASE_URL && 'FIREBREAK_TEST_DATABASE_URL is not set' }, () => {
  // `quiet`: A's relay is stopped before the revocation, as if A died the moment it committed: the
  // revocation's NOTIFY must travel with the commit, not after it.
  for (const quiet of [false, true]) {
    it(`a token revoked through one server stops working for reads on the other${quiet ? ', even if the first one relays nothing after its commit' : ''}`, async () => {
      const databaseUrl = await freshPostgresUrl();
      const a = await startListeningApp({ databaseUrl });
      const b = await startListeningApp({ databaseUrl });
      try {
        const ca = new Client(a.app);
        const cb = new Client(b.app);
        await ca.register('traveller');
        const app = await ca.registerApp();
        const login = await ca.request('POST', '/oauth/token', { body: { grant_type: 'password', username: 'traveller', password: PASSWORD, ...app, scope: 'read' } });
        const token = login.body.access_token as string;
        const readOnB = async () => (await cb.request('GET', '/api/v1/accounts/verify_credentials', { token })).status;
        assert.equal(await readOnB(), 200);
        assert.equal(await readOnB(), 200);
        assert.ok(b.ctx.tokenCache.hits > 0, 'B answers from memory');
        if (quiet) await a.ctx.relay.stop();
        assert.equal((await ca.request('POST', '/oauth/revoke', { body: { token, ...app } })).status, 200);
        // B hears of it through PostgreSQL NOTIFY: well within a second, far sooner than the cache's 10 s expiry.
        await eventually(readOnB, 401, 'B refuses the revoked token', 2000);
      } finally {
        await a.close();
        await b.close();
      }
    });
  }
});
