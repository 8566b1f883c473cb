// Roles, reports and the admin API, and what moderation does to an account: who may do what (403
// without the permission, whatever the token's scopes), and what a suspended, silenced, sensitized or
// disabled account can no longer do or be seen doing; on PGlite and on real PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backends, Client, makeUser, STAFF_SCOPES, startApp, type TestApp, type User } from '@firebreak/testkit/app.js';
import { addRule } from '@firebreak/server/domain/rules.js';

for (const backend of backends()) {
  describe(`moderation on ${backend}`, () => {
    let t: TestApp;
    let c: Client;
    let owner: User, admin: User, moderator: User;
    let n = 0;
    const fresh = (prefix: string) => c.register(`${prefix}${++n}`);
    const get = async (user: User | undefined, url: string) => c.request('GET', url, { token: user?.token });
    const post = async (user: User, url: string, body: unknown = {}, headers: Record<string, string> = {}) => c.request('POST', url, { token: user.token, body, headers });
    const notifications = async (user: User, query = '') => (await get(user, `/api/v1/notifications${query}`)).body as any[];
    const suspend = (target: User, extra: Record<string, unknown> = {}) => post(moderator, `/api/v1/admin/accounts/${target.id}/action`, { type: 'suspend', ...extra });
    const passwordGrant = async (username: string, password = 'correct horse battery') => {
      const creds = await c.registerApp('read write follow push');
      return c.request('POST', '/oauth/token', { body: { grant_type: 'password', ...creds, username, password, scope: 'read' } });
    };

    before(async () => {
      t = await startApp(backend);
      c = new Client(t.app);
      owner = await makeUser(t.ctx, STAFF_SCOPES, 'owner');
      admin = await makeUser(t.ctx, STAFF_SCOPES, 'admin');
      moderator = await makeUser(t.ctx, STAFF_SCOPES, 'moderator');
    });
    after(() => t.close());

    it('roles: Mastodon\'s role entity on CredentialAccount, highlighted roles as badges on Account', async () => {
      const me = await get(owner, '/api/v1/accounts/verify_credentials');
      assert.deepEqual(me.body.role, { id: '3', name: 'Owner', permissions: '1048575', color: '', highlighted: true });
      assert.equal((await get(moderator, '/api/v1/accounts/verify_credentials')).body.role.name, 'Moderator');
      const user = await fresh('plain');
      assert.deepEqual((await get(user, '/api/v1/accounts/verify_credentials')).body.role, { id: '-99', name: '', permissions: '0', color: '', highlighted: false });
      assert.deepEqual((await get(undefined, `/api/v1/accounts/${moderator.id}`)).body.roles, [{ id: '1', name: 'Moderator', color: '' }]);
      assert.deepEqual((await get(undefined, `/api/v1/accounts/${user.id}`)).body.roles, []);
    });

    it('admin scopes: valid to ask for, not covered by read or write, and needed together with the permission', async () => {
      const app = await c.request('POST', '/api/v1/apps', { body: { client_name: 'mod tool', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes: 'read admin:read:accounts admin:write:reports' } });
      assert.equal(app.status, 200, JSON.stringify(app.body));
      assert.match(app.body.vapid_key, /^B[A-Za-z0-9_-]{86}$/, 'apps carry the VAPID public key');
      const metadata = await get(undefined, '/.well-known/oauth-authorization-server');
      for (const scope of ['admin:read', 'admin:write', 'admin:read:accounts', 'admin:write:canonical_email_blocks']) assert.ok(metadata.body.scopes_supported.includes(scope), scope);
      // The owner's token without admin scopes is refused by scope (403), with a granular scope only what it names.
      const plainOwner = await makeUser(t.ctx, ['read', 'write'], 'owner');
      assert.equal((await get(plainOwner, '/api/v1/admin/accounts')).status, 403);
      const granular = await makeUser(t.ctx, ['admin:read:accounts'], 'owner');
      assert.equal((await get(granular, '/api/v1/admin/accounts')).status, 200);
      assert.equal((await get(granular, '/api/v1/admin/reports')).status, 403);
      // Every scope, no permission: 403 "This action is not allowed".
      const ordinary = await makeUser(t.ctx, STAFF_SCOPES);
      const refused = await get(ordinary, '/api/v1/admin/accounts');
      assert.deepEqual([refused.status, refused.body.error], [403, 'This action is not allowed']);
      // A moderator may handle reports and users, not blocks, settings, roles or deletion.
      assert.equal((await get(moderator, '/api/v1/admin/reports')).status, 200);
      assert.equal((await get(moderator, '/api/v1/admin/ip_blocks')).status, 403);
      assert.equal((await get(moderator, '/api/v1/admin/registrations')).status, 403);
      assert.equal((await get(admin, '/api/v1/admin/ip_blocks')).status, 200);
    });

    it('reports: filed once per Idempotency-Key, about the account\'s own visible posts only, and every moderator is told', async () => {
      const rule = await addRule(t.ctx.db, 'No spam', 'Advertising is spam');
      const reporter = await fresh('reporter');
      const target = await fresh('target');
      const bystander = await fresh('bystander');
      const spam = await c.post(target, 'buy now');
      const hidden = await c.post(target, 'for followers', { visibility: 'private' });
      const notTheirs = await c.post(bystander, 'innocent');

      const body = { account_id: target.id, status_ids: [spam.id], comment: 'spam account', category: 'spam', forward: true };
      const filed = await post(reporter, '/api/v1/reports', body, { 'idempotency-key': 'report-1' });
      assert.equal(filed.status, 200, JSON.stringify(filed.body));
      assert.deepEqual([filed.body.category, filed.body.comment, filed.body.status_ids, filed.body.rule_ids, filed.body.forwarded, filed.body.action_taken],
        ['spam', 'spam account', [spam.id], null, false, false]);
      assert.equal(filed.body.target_account.id, target.id);
      const again = await post(reporter, '/api/v1/reports', body, { 'idempotency-key': 'report-1' });
      assert.equal(again.body.id, filed.body.id, 'a retry gets the same report');

      // What may not be reported.
      assert.equal((await post(reporter, '/api/v1/reports', { account_id: target.id, status_ids: [notTheirs.id] })).status, 404, 'someone else\'s post');
      assert.equal((await post(reporter, '/api/v1/reports', { account_id: target.id, status_ids: [hidden.id] })).status, 404, 'a post the reporter cannot see');
      assert.equal((await post(reporter, '/api/v1/reports', { account_id: '999999999999' })).status, 404);
      assert.equal((await post(reporter, '/api/v1/reports', { account_id: reporter.id })).status, 422, 'oneself');
      assert.equal((await post(reporter, '/api/v1/reports', { account_id: target.id, category: 'rude' })).status, 422);
      assert.equal((await post(reporter, '/api/v1/reports', { account_id: target.id, category: 'violation' })).status, 422, 'a violation cites rules');
      assert.equal((await post(reporter, '/api/v1/reports', { account_id: target.id, rule_ids: ['12345'] })).status, 422, 'rules that exist');
      assert.equal((await post(reporter, '/api/v1/reports', { account_id: target.id, comment: 'x'.repeat(1001) })).status, 422);
      assert.equal((await post(reporter, '/api/v1/reports', { account_id: target.id, forward_to_domains: ['elsewhere.example'] })).status, 422);
      const cited = await post(reporter, '/api/v1/reports', { account_id: target.id, rule_ids: [rule.id], category: 'other' });
      assert.deepEqual([cited.body.category, cited.body.rule_ids], ['violation', [rule.id]], 'citing rules makes it a violation');
      const legal = await post(bystander, '/api/v1/reports', { account_id: target.id, category: 'legal' });
      assert.equal(legal.body.category, 'legal');

      // admin.report to every moderator (with the Report), not to users, not to the reporter.
      for (const staff of [owner, admin, moderator]) {
        const told = (await notifications(staff, '?types[]=admin.report')).find((x) => x.report?.id === filed.body.id);
        assert.ok(told, 'staff are told');
        assert.equal(told.account.id, reporter.id);
        assert.equal(told.report.target_account.id, target.id);
      }
      assert.deepEqual(await notifications(reporter, '?types[]=admin.report'), []);
      assert.equal((await notifications(moderator, '?types[]=admin.report')).filter((x) => x.report.id === filed.body.id).length, 1, 'told once, retry or not');
    });

    it('the report queue: list, show with the reported posts, assign, resolve, reopen, reclassify; all logged', async () => {
      const target = await fresh('tgt');
      const follower = await fresh('fol');
      await post(follower, `/api/v1/accounts/${target.id}/follow`);
      const secret = await c.post(target, 'followers-only abuse', { visibility: 'private' });
      // The follower can see it, and reports it; the moderator sees it in the report though they do not follow.
      const filed = await post(follower, '/api/v1/reports', { account_id: target.id, status_ids: [secret.id], comment: 'abuse' });
      assert.equal(filed.status, 200);
      const open = await get(moderator, '/api/v1/admin/reports');
      const listed = open.body.find((r: any) => r.id === filed.body.id);
      assert.ok(listed, 'unresolved reports are listed by default');
      assert.equal(listed.account.account.id, follower.id);
      assert.equal(listed.target_account.email, `${target.username}@example.test`);
      assert.deepEqual(listed.statuses.map((s: any) => s.id), [secret.id], 'the moderator sees the reported post');
      assert.equal((await get(moderator, `/api/v1/statuses/${secret.id}`)).status, 404, 'only there: elsewhere the visibility rule holds');
      assert.deepEqual((await get(moderator, `/api/v1/admin/reports?target_account_id=${target.id}`)).body.map((r: any) => r.id), [filed.body.id]);
      assert.equal((await get(moderator, '/api/v1/admin/reports?nonsense=1')).status, 422, 'an unknown filter is refused');
      const id = filed.body.id;

      const assigned = await post(moderator, `/api/v1/admin/reports/${id}/assign_to_self`);
      assert.equal(assigned.body.assigned_account.id, moderator.id);
      assert.equal((await post(moderator, `/api/v1/admin/reports/${id}/assign_to_self`)).status, 200, 'again: the same');
      assert.equal((await post(moderator, `/api/v1/admin/reports/${id}/unassign`)).body.assigned_account, null);
      const reclassified = await c.request('PUT', `/api/v1/admin/reports/${id}`, { token: moderator.token, body: { category: 'spam' } });
      assert.equal(reclassified.body.category, 'spam');
      const resolved = await post(moderator, `/api/v1/admin/reports/${id}/resolve`);
      assert.equal(resolved.body.action_taken, true);
      assert.equal(resolved.body.action_taken_by_account.id, moderator.id);
      assert.equal((await post(admin, `/api/v1/admin/reports/${id}/resolve`)).body.action_taken_by_account.id, moderator.id, 'resolving again changes nothing');
      assert.ok(!(await get(moderator, '/api/v1/admin/reports')).body.some((r: any) => r.id === id));
      assert.ok((await get(moderator, '/api/v1/admin/reports?resolved=true')).body.some((r: any) => r.id === id));
      assert.equal((await post(moderator, `/api/v1/admin/reports/${id}/reopen`)).body.action_taken, false);
      assert.equal((await get(follower, `/api/v1/admin/reports/${id}`)).status, 403, 'a user cannot read reports');

      const log = await get(owner, '/api/v1/admin/action_logs');
      const mine = log.body.filter((l: any) => l.target_type === 'Report' && l.target_id === id).map((l: any) => l.action);
      assert.deepEqual(mine, ['reopen', 'resolve', 'update', 'unassign', 'assign_to_self'], 'every change is in the audit log, once');
      assert.equal((await get(moderator, '/api/v1/admin/action_logs')).status, 200, 'moderators may read the log');
      assert.equal((await get(follower, '/api/v1/admin/action_logs')).status, 403);
    });

    it('admin accounts: v1 and v2 filters, Admin::Account with e-mail, address and role', async () => {
      const a = await fresh('zebra');
      const shown = await get(moderator, `/api/v1/admin/accounts/${a.id}`);
      assert.equal(shown.status, 200);
      assert.deepEqual([shown.body.username, shown.body.email, shown.body.domain, shown.body.approved, shown.body.suspended, shown.body.role.id],
        [a.username, `${a.username}@example.test`, null, true, false, '-99']);
      assert.equal(shown.body.ip.ip, '127.0.0.1', 'the sign-up address');
      assert.equal(shown.body.account.id, a.id);
      const byName = await get(moderator, `/api/v1/admin/accounts?username=${a.username}`);
      assert.deepEqual(byName.body.map((x: any) => x.id), [a.id]);
      for (const url of ['/api/v1/admin/accounts?staff=true', '/api/v2/admin/accounts?permissions=staff']) {
        const staff = (await get(moderator, url)).body;
        for (const member of [owner, admin, moderator]) assert.ok(staff.some((x: any) => x.id === member.id), url);
        assert.ok(staff.every((x: any) => x.role.id !== '-99'), url);
      }
      assert.deepEqual((await get(moderator, `/api/v2/admin/accounts?role_ids[]=1`)).body.map((x: any) => x.id), [moderator.id]);
      assert.deepEqual((await get(moderator, `/api/v2/admin/accounts?origin=remote`)).body, []);
      assert.deepEqual((await get(moderator, `/api/v1/admin/accounts?by_domain=elsewhere.example`)).body, []);
      assert.ok((await get(moderator, `/api/v1/admin/accounts?email=${a.username}@`)).body.some((x: any) => x.id === a.id));
      assert.ok((await get(moderator, `/api/v1/admin/accounts?ip=127.0.0.0/8`)).body.some((x: any) => x.id === a.id));
      assert.equal((await get(moderator, '/api/v1/admin/accounts?ip=not-an-ip')).status, 422);
      assert.equal((await get(moderator, '/api/v2/admin/accounts?status=dead')).status, 422);
      assert.equal((await get(moderator, '/api/v1/admin/accounts?flavour=1')).status, 422);
      const page = await get(moderator, '/api/v1/admin/accounts?limit=2');
      assert.equal(page.body.length, 2);
      assert.match(String(page.headers.link), /max_id=/);
    });

    it('suspension: the account and its posts vanish for everyone, its tokens and streams stop, it cannot sign in; unsuspending restores', async () => {
      const bad = await fresh('bad');
      const follower = await fresh('follower');
      const reader = await fresh('reader');
      await post(follower, `/api/v1/accounts/${bad.id}/follow`);
      await c.request('GET', '/api/v1/timelines/home', { token: follower.token }); // the follower's home feed exists
      const spam = await c.post(bad, 'spam spam #scam');
      const replied = await c.post(reader, 'a question');
      const reply = await c.post(bad, `@${reader.username} answer`, { in_reply_to_id: replied.id });
      await post(reader, `/api/v1/statuses/${spam.id}/favourite`);
      await c.post(bad, `@${reader.username} hello`);
      const report = await post(reader, '/api/v1/reports', { account_id: bad.id, status_ids: [spam.id] });
      const otherReport = await post(follower, '/api/v1/reports', { account_id: bad.id });
      const before = await get(reader, `/api/v1/statuses/${spam.id}`);
      assert.equal(before.status, 200);

      assert.equal((await post(reader, `/api/v1/admin/accounts/${bad.id}/action`, { type: 'suspend' })).status, 403, 'users may not');
      const done = await suspend(bad, { report_id: report.body.id, text: 'Spam is not allowed here' }, );
      assert.deepEqual([done.status, done.body], [200, {}]);

      // Its tokens no longer work; it cannot sign in again.
      assert.equal((await get(bad, '/api/v1/accounts/verify_credentials')).status, 401);
      const signIn = await passwordGrant(bad.username);
      assert.deepEqual([signIn.status, signIn.body.error], [403, 'Your account is suspended']);
      assert.equal((await passwordGrant(bad.username, 'wrong password')).status, 400, 'a wrong password says nothing of the suspension');

      // Gone for everyone else: by id, in every timeline, thread, search and list; the profile says suspended.
      for (const viewer of [reader, follower, undefined]) {
        assert.equal((await get(viewer, `/api/v1/statuses/${spam.id}`)).status, 404);
        assert.ok(!(await get(viewer, '/api/v1/timelines/public')).body.some((s: any) => s.account.id === bad.id));
        assert.ok(!(await get(viewer, '/api/v1/timelines/tag/scam')).body.some((s: any) => s.id === spam.id));
        assert.deepEqual((await get(viewer, `/api/v1/accounts/${bad.id}/statuses`)).body, []);
      }
      assert.ok(!(await get(follower, '/api/v1/timelines/home')).body.some((s: any) => s.account.id === bad.id), 'not at home either');
      assert.deepEqual((await get(reader, `/api/v1/statuses/${replied.id}/context`)).body.descendants, []);
      assert.deepEqual((await get(reader, '/api/v2/search?q=spam&type=statuses')).body.statuses, []);
      assert.deepEqual((await get(reader, `/api/v2/search?q=${bad.username}&type=accounts`)).body.accounts, [], 'nor found by name');
      assert.deepEqual((await get(reader, `/api/v1/accounts/search?q=${bad.username}`)).body, []);
      assert.deepEqual((await get(reader, `/api/v1/statuses?id[]=${spam.id}&id[]=${reply.id}`)).body, []);
      assert.ok(!(await notifications(reader)).some((x) => x.account.id === bad.id), 'nor what it did before');
      assert.deepEqual((await get(reader, `/api/v1/accounts/${follower.id}/following`)).body, []);
      const profile = await get(reader, `/api/v1/accounts/${bad.id}`);
      assert.deepEqual([profile.body.suspended, profile.body.display_name, profile.body.statuses_count], [true, '', 0]);
      assert.equal((await post(reader, `/api/v1/accounts/${bad.id}/follow`)).status, 403, 'nobody follows a suspended account');

      // Every open report about it is resolved, with the action logged.
      for (const r of [report, otherReport]) assert.equal((await get(moderator, `/api/v1/admin/reports/${r.body.id}`)).body.action_taken, true);
      const account = (await get(moderator, `/api/v1/admin/accounts/${bad.id}`)).body;
      assert.equal(account.suspended, true);
      assert.ok((await get(moderator, '/api/v1/admin/accounts?suspended=true')).body.some((x: any) => x.id === bad.id));
      const log = (await get(owner, `/api/v1/admin/action_logs?target_account_id=${bad.id}`)).body;
      assert.deepEqual(log.map((l: any) => [l.action, l.account.id]), [['suspend', moderator.id]]);

      // Unsuspended: the posts are back, the warning is there to read, and signing in works again.
      assert.equal((await post(moderator, `/api/v1/admin/accounts/${reader.id}/unsuspend`)).status, 403, 'only a suspended account can be unsuspended');
      const lifted = await post(moderator, `/api/v1/admin/accounts/${bad.id}/unsuspend`);
      assert.equal(lifted.body.suspended, false);
      assert.equal((await get(reader, `/api/v1/statuses/${spam.id}`)).status, 200);
      assert.ok((await get(follower, '/api/v1/timelines/home')).body.some((s: any) => s.id === spam.id));
      assert.equal((await get(bad, '/api/v1/accounts/verify_credentials')).status, 401, 'the old token stays revoked');
      const back = await passwordGrant(bad.username);
      assert.equal(back.status, 200);
      const warned = (await notifications({ ...bad, token: back.body.access_token }, '?types[]=moderation_warning'))[0];
      assert.equal(warned.moderation_warning.action, 'suspend');
      assert.equal(warned.moderation_warning.text, 'Spam is not allowed here');
      assert.deepEqual(warned.moderation_warning.status_ids, [spam.id]);
      assert.equal(warned.account.id, bad.id, 'the warning does not say which moderator');
    });

    it('a moderator acts only below their own role, never on themselves', async () => {
      for (const target of [owner, admin, moderator]) {
        assert.equal((await suspend(target)).status, 403, `moderator on ${target.id}`);
      }
      assert.equal((await post(admin, `/api/v1/admin/accounts/${owner.id}/action`, { type: 'silence' })).status, 403);
      assert.equal((await post(owner, `/api/v1/admin/accounts/${admin.id}/action`, { type: 'none', text: 'careful' })).status, 200);
      const user = await fresh('typo');
      assert.equal((await post(moderator, `/api/v1/admin/accounts/${user.id}/action`, { type: 'obliterate' })).status, 422);
      assert.equal((await post(moderator, `/api/v1/admin/accounts/${user.id}/action`, { type: 'none', warning_preset_id: '1' })).status, 422);
      assert.equal((await post(moderator, `/api/v1/admin/accounts/${user.id}/action`, { type: 'none', report_id: '999999999999' })).status, 404);
    });

    it('silence (limit): gone from public timelines and from non-followers; followers and the mentioned still see it', async () => {
      const loud = await fresh('loud');
      const friend = await fresh('friend');
      const stranger = await fresh('stranger');
      const mentioned = await fresh('mentioned');
      await post(friend, `/api/v1/accounts/${loud.id}/follow`);
      const shout = await c.post(loud, 'LOUD #noise');
      const toYou = await c.post(loud, `@${mentioned.username} hey`);
      assert.equal((await post(moderator, `/api/v1/admin/accounts/${loud.id}/action`, { type: 'silence' })).status, 200);
      assert.equal((await get(stranger, `/api/v1/statuses/${shout.id}`)).status, 404);
      assert.equal((await get(undefined, `/api/v1/statuses/${shout.id}`)).status, 404);
      assert.equal((await get(friend, `/api/v1/statuses/${shout.id}`)).status, 200);
      assert.equal((await get(mentioned, `/api/v1/statuses/${toYou.id}`)).status, 200);
      for (const viewer of [friend, stranger]) {
        assert.ok(!(await get(viewer, '/api/v1/timelines/public')).body.some((s: any) => s.id === shout.id), 'never in public timelines');
        assert.ok(!(await get(viewer, '/api/v1/timelines/tag/noise')).body.some((s: any) => s.id === shout.id));
      }
      assert.ok((await get(friend, '/api/v1/timelines/home')).body.some((s: any) => s.id === shout.id), 'at home for followers');
      assert.equal((await get(stranger, `/api/v1/accounts/${loud.id}`)).body.limited, true);
      // A limited account's follow reaches its target's notifications only if the target follows it.
      await post(loud, `/api/v1/accounts/${stranger.id}/follow`);
      assert.ok(!(await notifications(stranger, '?types[]=follow')).some((x) => x.account.id === loud.id));
      assert.equal((await post(moderator, `/api/v1/admin/accounts/${loud.id}/unsilence`)).body.silenced, false);
      assert.equal((await get(stranger, `/api/v1/statuses/${shout.id}`)).status, 200);
    });

    it('sensitive, disable and a plain warning, each undone or resolved as Mastodon does', async () => {
      const edgy = await fresh('edgy');
      const post1 = await c.post(edgy, 'graphic');
      await post(moderator, `/api/v1/admin/accounts/${edgy.id}/action`, { type: 'sensitive' });
      assert.equal((await get(undefined, `/api/v1/statuses/${post1.id}`)).body.sensitive, true);
      assert.equal((await post(moderator, `/api/v1/admin/accounts/${edgy.id}/unsensitive`)).body.sensitized, false);
      assert.equal((await get(undefined, `/api/v1/statuses/${post1.id}`)).body.sensitive, false);

      const off = await fresh('off');
      await post(moderator, `/api/v1/admin/accounts/${off.id}/action`, { type: 'disable' });
      assert.equal((await get(off, '/api/v1/accounts/verify_credentials')).status, 401, 'signed out');
      assert.deepEqual([(await passwordGrant(off.username)).status, (await passwordGrant(off.username)).body.error], [403, 'Your login is currently disabled']);
      assert.equal((await post(moderator, `/api/v1/admin/accounts/${off.id}/enable`)).body.disabled, false);
      assert.equal((await passwordGrant(off.username)).status, 200);

      // A warning resolves the report it cites, and only that one.
      const warned = await fresh('warned');
      const r1 = await post(owner, '/api/v1/reports', { account_id: warned.id });
      const r2 = await post(admin, '/api/v1/reports', { account_id: warned.id });
      await post(moderator, `/api/v1/admin/accounts/${warned.id}/action`, { type: 'none', report_id: r1.body.id, text: 'Please tag spoilers' }, { 'idempotency-key': 'warn-1' });
      await post(moderator, `/api/v1/admin/accounts/${warned.id}/action`, { type: 'none', report_id: r1.body.id, text: 'Please tag spoilers' }, { 'idempotency-key': 'warn-1' });
      assert.equal((await get(moderator, `/api/v1/admin/reports/${r1.body.id}`)).body.action_taken, true);
      assert.equal((await get(moderator, `/api/v1/admin/reports/${r2.body.id}`)).body.action_taken, false);
      const told = await notifications(warned, '?types[]=moderation_warning');
      assert.equal(told.length, 1, 'warned once: the retry did nothing twice');
      assert.deepEqual([told[0].moderation_warning.action, told[0].moderation_warning.text], ['none', 'Please tag spoilers']);
      const history = await get(moderator, `/api/v1/admin/accounts/${warned.id}/warnings`);
      assert.deepEqual(history.body.map((w: any) => w.text), ['Please tag spoilers']);
      // Without telling the user: no warning, no notification.
      await post(moderator, `/api/v1/admin/accounts/${warned.id}/action`, { type: 'sensitive', send_email_notification: false });
      assert.equal((await notifications(warned, '?types[]=moderation_warning')).length, 1);
    });

    it('deleting a suspended account\'s data: only once suspended, only with Delete User Data; counters stay right', async () => {
      const gone = await fresh('gone');
      const fan = await fresh('fan');
      await post(fan, `/api/v1/accounts/${gone.id}/follow`);
      await post(gone, `/api/v1/accounts/${fan.id}/follow`);
      const fanPost = await c.post(fan, 'liked by the doomed');
      await post(gone, `/api/v1/statuses/${fanPost.id}/favourite`);
      await c.post(gone, 'reply', { in_reply_to_id: fanPost.id });
      assert.equal((await c.request('DELETE', `/api/v1/admin/accounts/${gone.id}`, { token: admin.token })).status, 403, 'not suspended yet');
      await suspend(gone);
      assert.equal((await c.request('DELETE', `/api/v1/admin/accounts/${gone.id}`, { token: moderator.token })).status, 403, 'moderators may not');
      const deleted = await c.request('DELETE', `/api/v1/admin/accounts/${gone.id}`, { token: admin.token });
      assert.equal(deleted.status, 200);
      assert.equal(deleted.body.suspended, true);
      const fanNow = (await get(fan, '/api/v1/accounts/verify_credentials')).body;
      assert.deepEqual([fanNow.followers_count, fanNow.following_count], [0, 0]);
      const fanPostNow = (await get(fan, `/api/v1/statuses/${fanPost.id}`)).body;
      assert.deepEqual([fanPostNow.favourites_count, fanPostNow.replies_count], [0, 0]);
      assert.equal((await c.request('DELETE', `/api/v1/admin/accounts/${gone.id}`, { token: admin.token })).status, 403, 'already deleted');
      assert.equal((await post(admin, `/api/v1/admin/accounts/${gone.id}/unsuspend`)).status, 403, 'a deleted account cannot come back');
    });

    it('roles are given by those who may, below their own', async () => {
      const user = await fresh('promoted');
      assert.equal((await post(moderator, `/api/v1/admin/accounts/${user.id}/role`, { role: 'moderator' })).status, 403, 'moderators cannot manage roles');
      assert.equal((await post(admin, `/api/v1/admin/accounts/${user.id}/role`, { role: 'admin' })).status, 403, 'not their own rank');
      const made = await post(admin, `/api/v1/admin/accounts/${user.id}/role`, { role: 'moderator' });
      assert.equal(made.body.role.name, 'Moderator');
      assert.equal((await get(user, '/api/v1/admin/reports')).status, 403, 'its registered scopes do not include admin ones');
      assert.equal((await post(admin, `/api/v1/admin/accounts/${user.id}/role`, { role: 'king' })).status, 422);
      assert.equal((await post(owner, `/api/v1/admin/accounts/${user.id}/role`, { role: 'user' })).body.role.id, '-99');
    });

    it('federation is refused for what it is: domain blocks and allows are empty and cannot be made', async () => {
      assert.deepEqual((await get(admin, '/api/v1/admin/domain_blocks')).body, []);
      const refused = await post(admin, '/api/v1/admin/domain_blocks', { domain: 'evil.example' });
      assert.equal(refused.status, 422);
      assert.match(refused.body.error, /does not federate/);
      assert.equal((await get(moderator, '/api/v1/admin/domain_allows')).status, 403, 'Manage Federation');
    });

    it('measures, dimensions and retention count the real data', async () => {
      const today = new Date().toISOString().slice(0, 10);
      const before = (await post(admin, '/api/v1/admin/measures', { keys: ['new_users', 'opened_reports', 'interactions', 'active_users', 'resolved_reports'], start_at: today, end_at: today })).body;
      const byKey = (list: any[]): Record<string, number> => Object.fromEntries(list.map((m: any) => [m.key, Number(m.total)]));
      const a = await fresh('counted');
      const b = await fresh('counted');
      const s = await c.post(a, 'hola', { language: 'es' });
      await post(b, `/api/v1/statuses/${s.id}/favourite`);
      await post(b, `/api/v1/statuses/${s.id}/reblog`);
      await c.post(b, 'reply', { in_reply_to_id: s.id });
      const r = await post(b, '/api/v1/reports', { account_id: a.id });
      await post(moderator, `/api/v1/admin/reports/${r.body.id}/resolve`);
      await new Promise((resolve) => setTimeout(resolve, 100)); // activity is recorded off the request's path
      const after = await post(admin, '/api/v1/admin/measures', { keys: ['new_users', 'opened_reports', 'interactions', 'active_users', 'resolved_reports'], start_at: today, end_at: today });
      assert.equal(after.status, 200, JSON.stringify(after.body));
      const delta = Object.fromEntries(Object.entries(byKey(after.body)).map(([k, v]) => [k, v - byKey(before)[k]!]));
      assert.deepEqual(delta, { new_users: 2, opened_reports: 1, interactions: 3, resolved_reports: 1, active_users: delta.active_users });
      assert.ok(byKey(after.body).active_users! >= 2);
      const week = await post(admin, '/api/v1/admin/measures', { keys: ['new_users'], start_at: new Date(Date.now() - 6 * 86400_000).toISOString(), end_at: `${today}T23:00:00Z` });
      assert.equal(week.body[0].data.length, 7);
      assert.equal(week.body[0].data.at(-1).date, `${today}T00:00:00.000Z`);
      assert.ok('previous_total' in week.body[0]);
      assert.equal((await post(admin, '/api/v1/admin/measures', { keys: ['instance_accounts'], start_at: today, end_at: today, instance_accounts: { domain: 'elsewhere.example' } })).body[0].total, '0', 'no remote servers');
      assert.equal((await post(admin, '/api/v1/admin/measures', { keys: ['made_up'], start_at: today, end_at: today })).status, 422);
      assert.equal((await post(admin, '/api/v1/admin/measures', { keys: ['new_users'], start_at: 'yesterday', end_at: today })).status, 422);
      assert.equal((await post(admin, '/api/v1/admin/measures', { keys: ['tag_uses'], start_at: today, end_at: today })).status, 422, 'tag_uses[id] is required');
      assert.equal((await post(admin, '/api/v1/admin/measures', { keys: ['new_users'], start_at: '2000-01-01', end_at: today })).status, 422, 'a bounded range');

      const dims = await post(admin, '/api/v1/admin/dimensions', { keys: ['languages', 'software_versions', 'space_usage', 'servers'], start_at: today, end_at: today, limit: 5 });
      assert.equal(dims.status, 200, JSON.stringify(dims.body));
      const dim = Object.fromEntries(dims.body.map((d: any) => [d.key, d.data]));
      assert.ok(dim.languages.some((d: any) => d.key === 'es' && d.human_key === 'Spanish'));
      assert.deepEqual(dim.software_versions.map((d: any) => d.key), ['firebreak', 'nodejs', 'postgresql']);
      assert.ok(Number(dim.space_usage[0].value) > 0);
      assert.deepEqual(dim.servers, []);

      const cohorts = await post(admin, '/api/v1/admin/retention', { start_at: today, end_at: today, frequency: 'day' });
      assert.equal(cohorts.status, 200);
      assert.equal(cohorts.body[0].data[0].rate, 1);
      assert.ok(Number(cohorts.body[0].data[0].value) >= 2);
      assert.equal((await post(admin, '/api/v1/admin/retention', { start_at: today, end_at: today, frequency: 'hour' })).status, 422);
      assert.equal((await post(moderator, '/api/v1/admin/measures', { keys: ['new_users'], start_at: today, end_at: today })).status, 200, 'moderators see the dashboard');
      assert.equal((await post(a, '/api/v1/admin/measures', { keys: ['new_users'], start_at: today, end_at: today })).status, 403);
    });
  });
}
