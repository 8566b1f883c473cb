// Registration modes (open, approval with a reason, closed), invite links, and the blocks that keep
// sign-ups out (IP ranges, e-mail domains, canonical e-mail addresses); on PGlite and PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { canonicalEmailHash } from '@firebreak/server/domain/sign-up-blocks.js';
import { backends, Client, makeUser, STAFF_SCOPES, startApp, type TestApp, type User } from '@firebreak/testkit/app.js';

for (const backend of backends()) {
  describe(`registrations on ${backend}`, () => {
    let t: TestApp;
    let c: Client;
    let owner: User, moderator: User;
    let appToken: string;
    let n = 0;
    const get = (user: User | undefined, url: string) => c.request('GET', url, { token: user?.token });
    const post = (user: User, url: string, body: unknown = {}, headers: Record<string, string> = {}) => c.request('POST', url, { token: user.token, body, headers });
    const setMode = (mode: string, extra: Record<string, unknown> = {}) => c.request('PUT', '/api/v1/admin/registrations', { token: owner.token, body: { mode, ...extra } });
    /** A sign-up through the API, as an app would: returns the raw answer. */
    const signUp = (extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) => {
      const username = `newbie${++n}`;
      return c.request('POST', '/api/v1/accounts', { token: appToken, headers, body: { username, email: `${username}@example.test`, password: 'correct horse battery', agreement: true, ...extra } });
    };

    before(async () => {
      t = await startApp(backend);
      c = new Client(t.app);
      owner = await makeUser(t.ctx, STAFF_SCOPES, 'owner');
      moderator = await makeUser(t.ctx, STAFF_SCOPES, 'moderator');
      appToken = await c.appTokenFor();
    });
    after(() => t.close());

    it('approval required: the account waits (403 "pending approval"), staff are told, and approve or reject it', async () => {
      const set = await setMode('approval', { reason_required: true, message: 'Tell us why' });
      assert.deepEqual(set.body, { mode: 'approval', reason_required: true, message: 'Tell us why' });
      const instance = (await get(undefined, '/api/v2/instance')).body;
      // The instance caches its settings for a few seconds; a fresh app reads them at once.
      assert.ok(instance.registrations, 'registrations are described');
      assert.equal((await signUp()).status, 422, 'a reason is required');
      const pending = await signUp({ reason: 'I like fire drills' });
      assert.equal(pending.status, 200, JSON.stringify(pending.body));
      const token = pending.body.access_token as string;
      const refused = await c.request('GET', '/api/v1/accounts/verify_credentials', { token });
      assert.deepEqual([refused.status, refused.body.error], [403, 'Your login is currently pending approval']);

      const waiting = (await get(moderator, '/api/v1/admin/accounts?pending=true')).body;
      const entry = waiting.find((a: any) => a.invite_request === 'I like fire drills');
      assert.ok(entry, 'listed as pending, with the reason');
      assert.equal(entry.approved, false);
      const told = (await get(moderator, '/api/v1/notifications?types[]=admin.sign_up')).body;
      assert.ok(told.some((x: any) => x.account.id === entry.id), 'admin.sign_up to those who manage users');

      const approved = await post(moderator, `/api/v1/admin/accounts/${entry.id}/approve`);
      assert.equal(approved.body.approved, true);
      assert.equal((await post(moderator, `/api/v1/admin/accounts/${entry.id}/approve`)).status, 403, 'not pending any more');
      assert.equal((await c.request('GET', '/api/v1/accounts/verify_credentials', { token })).status, 200, 'the token works now');

      const unwanted = await signUp({ reason: 'spam' });
      const unwantedId = (await get(moderator, '/api/v2/admin/accounts?status=pending')).body.find((a: any) => a.invite_request === 'spam').id;
      const rejected = await post(moderator, `/api/v1/admin/accounts/${unwantedId}/reject`);
      assert.deepEqual([rejected.status, rejected.body.id], [200, unwantedId]);
      assert.equal((await get(moderator, `/api/v1/admin/accounts/${unwantedId}`)).status, 404, 'a rejected sign-up is deleted');
      assert.equal((await c.request('GET', '/api/v1/accounts/verify_credentials', { token: unwanted.body.access_token })).status, 401);

      // The web UI's sign-up: no session for an account that waits.
      const web = await c.request('POST', '/auth/sign_up', { headers: { origin: 'https://firebreak.test', host: 'firebreak.test' }, body: { username: 'webwaits', email: 'webwaits@example.test', password: 'correct horse battery', agreement: 'true', reason: 'hello' } });
      assert.deepEqual(web.body, { ok: true, pending: true });
      assert.equal(web.headers['set-cookie'], undefined);
      await setMode('open', { reason_required: false, message: '' });
    });

    it('closed: nobody signs up, except with an invite; invites expire and get used up', async () => {
      await setMode('closed');
      const closed = await signUp();
      assert.deepEqual([closed.status, closed.body.error], [403, 'Registrations are closed on this server']);

      const user = await c.register(`inviter${++n}`).catch(() => undefined);
      assert.equal(user, undefined, 'the test client cannot register either');
      const plain = await makeUser(t.ctx, STAFF_SCOPES);
      assert.equal((await post(plain, '/api/v1/invites', { max_uses: 1 })).status, 403, 'users cannot invite');
      const invite = await post(moderator, '/api/v1/invites', { max_uses: 2, expires_in: 3600, comment: 'friends' }, { 'idempotency-key': 'invite-1' });
      assert.equal(invite.status, 200, JSON.stringify(invite.body));
      assert.match(invite.body.url, /\/invite\/[A-Za-z0-9]{8}$/);
      assert.equal((await post(moderator, '/api/v1/invites', { max_uses: 2, expires_in: 3600, comment: 'friends' }, { 'idempotency-key': 'invite-1' })).body.code, invite.body.code, 'a retry gets the same invite');
      assert.equal((await post(moderator, '/api/v1/invites', { max_uses: 0 })).status, 422);
      assert.equal((await post(moderator, '/api/v1/invites', { expires_in: 5 })).status, 422);

      const code = invite.body.code as string;
      const first = await signUp({ invite_code: code });
      assert.equal(first.status, 200);
      assert.equal((await c.request('GET', '/api/v1/accounts/verify_credentials', { token: first.body.access_token })).status, 200, 'an invite passes approval too');
      assert.equal((await signUp({ invite_code: code })).status, 200);
      const spent = await signUp({ invite_code: code });
      assert.equal(spent.status, 422, 'used up');
      assert.equal((await signUp({ invite_code: 'nonsense' })).status, 422);
      const mine = (await get(moderator, '/api/v1/invites')).body.find((i: any) => i.code === code);
      assert.deepEqual([mine.uses, mine.expired], [2, true]);
      const invited = (await get(moderator, `/api/v2/admin/accounts?invited_by=${moderator.id}`)).body;
      assert.equal(invited.length, 2);

      const another = await post(moderator, '/api/v1/invites', {});
      const expired = await c.request('DELETE', `/api/v1/invites/${another.body.id}`, { token: moderator.token });
      assert.equal(expired.body.expired, true);
      assert.equal((await signUp({ invite_code: another.body.code })).status, 422, 'expired');
      assert.equal((await c.request('DELETE', `/api/v1/invites/${invite.body.id}`, { token: plain.token })).status, 403);
      const check = await c.request('GET', `/auth/registrations?invite_code=${code}`);
      assert.deepEqual(check.body, { mode: 'closed', reason_required: false, message: null, invite_valid: false });
      await setMode('open');
      assert.equal((await signUp()).status, 200);
    });

    it('IP blocks: sign-ups refused or sent to approval; no_access refuses sign-in too', async () => {
      const admin = await makeUser(t.ctx, STAFF_SCOPES, 'admin');
      const block = await post(admin, '/api/v1/admin/ip_blocks', { ip: '127.0.0.1', severity: 'sign_up_block', comment: 'abuse' }, { 'idempotency-key': 'ip-1' });
      assert.equal(block.status, 200, JSON.stringify(block.body));
      assert.deepEqual([block.body.ip, block.body.severity, block.body.expires_at], ['127.0.0.1/32', 'sign_up_block', null]);
      assert.equal((await post(admin, '/api/v1/admin/ip_blocks', { ip: '127.0.0.1', severity: 'sign_up_block' }, { 'idempotency-key': 'ip-1' })).body.id, block.body.id, 'a retry');
      assert.equal((await post(admin, '/api/v1/admin/ip_blocks', { ip: '127.0.0.1', severity: 'no_access' })).status, 422, 'already taken');
      assert.equal((await post(admin, '/api/v1/admin/ip_blocks', { ip: '300.1.1.1', severity: 'no_access' })).status, 422);
      assert.equal((await post(admin, '/api/v1/admin/ip_blocks', { ip: '10.0.0.0/33', severity: 'no_access' })).status, 422);
      assert.equal((await post(admin, '/api/v1/admin/ip_blocks', { ip: '10.0.0.0/8' })).status, 422, 'a severity is required');
      const refused = await signUp();
      assert.deepEqual([refused.status, refused.body.error], [403, 'Sign-ups from your network are not allowed']);

      const updated = await c.request('PUT', `/api/v1/admin/ip_blocks/${block.body.id}`, { token: admin.token, body: { severity: 'sign_up_requires_approval', expires_in: 3600 } });
      assert.equal(updated.body.severity, 'sign_up_requires_approval');
      assert.ok(updated.body.expires_at);
      const waits = await signUp();
      assert.equal((await c.request('GET', '/api/v1/accounts/verify_credentials', { token: waits.body.access_token })).status, 403, 'sent to approval');

      await c.request('PUT', `/api/v1/admin/ip_blocks/${block.body.id}`, { token: admin.token, body: { severity: 'no_access' } });
      const creds = await c.registerApp();
      const signIn = await c.request('POST', '/oauth/token', { body: { grant_type: 'password', ...creds, username: admin.username, password: 'correct horse battery' } });
      assert.deepEqual([signIn.status, signIn.body.error], [403, 'Access from your network is not allowed']);
      assert.equal((await get(admin, '/api/v1/admin/ip_blocks')).body.length, 1);
      assert.deepEqual((await c.request('DELETE', `/api/v1/admin/ip_blocks/${block.body.id}`, { token: admin.token })).body, {});
      assert.equal((await c.request('DELETE', `/api/v1/admin/ip_blocks/${block.body.id}`, { token: admin.token })).status, 404);
      assert.equal((await signUp()).status, 200);
      const log = (await get(admin, '/api/v1/admin/action_logs')).body.filter((l: any) => l.target_type === 'IpBlock').map((l: any) => l.action);
      assert.deepEqual(log, ['destroy', 'update', 'update', 'create']);
    });

    it('e-mail domain blocks (with subdomains, counted in their history) and canonical e-mail blocks', async () => {
      const admin = await makeUser(t.ctx, STAFF_SCOPES, 'admin');
      const block = await post(admin, '/api/v1/admin/email_domain_blocks', { domain: 'Spam.Example' });
      assert.equal(block.status, 200, JSON.stringify(block.body));
      assert.equal(block.body.domain, 'spam.example');
      assert.equal(block.body.history.length, 7);
      assert.equal((await post(admin, '/api/v1/admin/email_domain_blocks', { domain: 'spam.example' })).status, 422, 'already taken');
      assert.equal((await post(admin, '/api/v1/admin/email_domain_blocks', { domain: 'not a domain' })).status, 422);
      assert.equal((await post(admin, '/api/v1/admin/email_domain_blocks', {})).status, 422);
      for (const email of ['x@spam.example', 'y@mail.spam.example']) {
        const refused = await signUp({ email });
        assert.deepEqual([refused.status, refused.body.details?.email?.[0]?.error], [422, 'ERR_BLOCKED'], email);
      }
      const history = (await get(admin, `/api/v1/admin/email_domain_blocks/${block.body.id}`)).body.history;
      assert.deepEqual([history[0].uses, history[0].accounts], ['2', '2'], 'today: two attempts by two addresses');
      assert.equal((await signUp({ email: 'z@notspam.example' })).status, 200, 'another domain that merely ends alike');
      const approval = await post(admin, '/api/v1/admin/email_domain_blocks', { domain: 'doubtful.example', allow_with_approval: true });
      assert.equal(approval.body.allow_with_approval, true);
      const waits = await signUp({ email: 'w@doubtful.example' });
      assert.equal((await c.request('GET', '/api/v1/accounts/verify_credentials', { token: waits.body.access_token })).status, 403);

      const canonical = await post(admin, '/api/v1/admin/canonical_email_blocks', { email: 'John.Doe+spam@gmail.example' });
      assert.equal(canonical.body.canonical_email_hash, canonicalEmailHash('johndoe@gmail.example'));
      const tested = await post(admin, '/api/v1/admin/canonical_email_blocks/test', { email: 'j.o.h.n.d.o.e+other@GMAIL.example' });
      assert.deepEqual(tested.body.map((b: any) => b.id), [canonical.body.id]);
      assert.equal((await signUp({ email: 'johndoe+x@gmail.example' })).status, 422);
      assert.equal((await post(admin, '/api/v1/admin/canonical_email_blocks', { canonical_email_hash: canonical.body.canonical_email_hash })).status, 422, 'already taken');
      assert.equal((await post(admin, '/api/v1/admin/canonical_email_blocks', { canonical_email_hash: 'short' })).status, 422);
      for (const [url, id] of [['email_domain_blocks', block.body.id], ['email_domain_blocks', approval.body.id], ['canonical_email_blocks', canonical.body.id]]) {
        assert.deepEqual((await c.request('DELETE', `/api/v1/admin/${url}/${id}`, { token: admin.token })).body, {});
      }
      assert.equal((await signUp({ email: 'johndoe+x@gmail.example' })).status, 200);
      assert.equal((await get(moderator, '/api/v1/admin/canonical_email_blocks')).status, 403, 'Manage Blocks');
    });

    it('the instance describes its registrations, rules and push key', async () => {
      const v2 = (await get(undefined, '/api/v2/instance')).body;
      assert.deepEqual(Object.keys(v2.registrations).sort(), ['approval_required', 'enabled', 'message', 'min_age', 'reason_required', 'url']);
      assert.match(v2.configuration.vapid.public_key, /^B[A-Za-z0-9_-]{86}$/);
      const v1 = (await get(undefined, '/api/v1/instance')).body;
      assert.equal(typeof v1.approval_required, 'boolean');
      assert.equal(v1.invites_enabled, true);
      assert.ok(Array.isArray((await get(undefined, '/api/v1/instance/rules')).body));
    });
  });
}
