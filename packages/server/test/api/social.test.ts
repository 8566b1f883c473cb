// Locked accounts and follow requests, every notification type, replay-safe writes, read markers,
// hashtags and trends, quotes and pins, and the Mastodon endpoints real clients read at start-up;
// on PGlite and on real PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WEB_CLIENT_ID } from '@firebreak/server/db/migrations/0003-web-sessions.js';
import { findAppByClientId, issueToken } from '@firebreak/server/domain/tokens.js';
import { backends, Client, startApp, type TestApp, type User } from '@firebreak/testkit/app.js';

for (const backend of backends()) {
  describe(`social features on ${backend}`, () => {
    let t: TestApp;
    let c: Client;
    let n = 0;
    const fresh = (prefix: string) => c.register(`${prefix}${++n}`);
    const notifications = async (user: User, query = '') => (await c.request('GET', `/api/v1/notifications${query}`, { token: user.token })).body as any[];
    const rel = async (user: User, other: User) => (await c.request('GET', `/api/v1/accounts/relationships?id[]=${other.id}`, { token: user.token })).body[0];

    before(async () => {
      t = await startApp(backend);
      c = new Client(t.app);
    });
    after(() => t.close());

    it('locked accounts: a follow is a request until the owner authorizes or rejects it', async () => {
      const olga = await fresh('olga');
      const pete = await fresh('pete');
      const quinn = await fresh('quinn');
      const locked = await c.request('PATCH', '/api/v1/accounts/update_credentials', { token: olga.token, body: { locked: true } });
      assert.equal(locked.body.locked, true);
      const secret = await c.post(olga, 'followers only', { visibility: 'private' });

      const asked = await c.request('POST', `/api/v1/accounts/${olga.id}/follow`, { token: pete.token, body: { notify: true } });
      assert.equal(asked.status, 200);
      assert.equal(asked.body.requested, true);
      assert.equal(asked.body.following, false);
      assert.equal((await rel(olga, pete)).requested_by, true);
      assert.equal((await c.request('GET', `/api/v1/statuses/${secret.id}`, { token: pete.token })).status, 404, 'a request is not a follow');
      await c.request('POST', `/api/v1/accounts/${olga.id}/follow`, { token: quinn.token });

      const me = await c.request('GET', '/api/v1/accounts/verify_credentials', { token: olga.token });
      assert.equal(me.body.source.follow_requests_count, 2);
      const page1 = await c.request('GET', '/api/v1/follow_requests?limit=1', { token: olga.token });
      assert.deepEqual(page1.body.map((a: any) => a.id), [quinn.id]);
      const next = /<([^>]+)>; rel="next"/.exec(String(page1.headers.link))![1]!;
      const page2 = await c.request('GET', new URL(next).pathname + new URL(next).search, { token: olga.token });
      assert.deepEqual(page2.body.map((a: any) => a.id), [pete.id]);
      assert.deepEqual((await notifications(olga, '?types[]=follow_request')).map((x) => x.account.id).sort(), [pete.id, quinn.id].sort());

      const ok = await c.request('POST', `/api/v1/follow_requests/${pete.id}/authorize`, { token: olga.token });
      assert.equal(ok.body.followed_by, true);
      const again = await c.request('POST', `/api/v1/follow_requests/${pete.id}/authorize`, { token: olga.token });
      assert.equal(again.status, 200, 'authorizing again (a retry) answers the same');
      const peteRel = await rel(pete, olga);
      assert.deepEqual([peteRel.following, peteRel.requested, peteRel.notifying], [true, false, true], 'the options of the request carry over');
      assert.equal((await c.request('GET', `/api/v1/statuses/${secret.id}`, { token: pete.token })).status, 200);
      assert.equal((await c.request('GET', `/api/v1/accounts/${olga.id}`)).body.followers_count, 1);
      assert.deepEqual((await notifications(olga, '?types[]=follow')).map((x) => x.account.id), [pete.id], 'the request became a follow notification');

      assert.equal((await c.request('POST', `/api/v1/follow_requests/${quinn.id}/reject`, { token: olga.token })).body.requested_by, false);
      assert.equal((await c.request('POST', `/api/v1/follow_requests/${quinn.id}/reject`, { token: olga.token })).status, 200, 'rejecting again changes nothing');
      assert.equal((await c.request('POST', `/api/v1/follow_requests/${quinn.id}/authorize`, { token: olga.token })).status, 404, 'no request to authorize');
      assert.deepEqual(await notifications(olga, '?types[]=follow_request'), []);
      assert.equal((await rel(quinn, olga)).requested, false);

      // Withdrawing a request; unlocking accepts whoever is still waiting.
      const rita = await fresh('rita');
      await c.request('POST', `/api/v1/accounts/${olga.id}/follow`, { token: rita.token });
      await c.request('POST', `/api/v1/accounts/${olga.id}/unfollow`, { token: rita.token });
      assert.deepEqual((await c.request('GET', '/api/v1/follow_requests', { token: olga.token })).body, []);
      await c.request('POST', `/api/v1/accounts/${olga.id}/follow`, { token: quinn.token });
      await c.request('PATCH', '/api/v1/accounts/update_credentials', { token: olga.token, body: { locked: false } });
      assert.equal((await rel(quinn, olga)).following, true);
      assert.equal((await c.request('POST', `/api/v1/accounts/${olga.id}/follow`, { token: rita.token })).body.following, true, 'unlocked: a follow is a follow');
      const removed = await c.request('POST', `/api/v1/accounts/${rita.id}/remove_from_followers`, { token: olga.token });
      assert.equal(removed.body.followed_by, false);
      assert.equal((await rel(rita, olga)).following, false);
    });

    it('notifies of every kind of event, and never of a post the recipient may not see', async () => {
      const author = await fresh('author');
      const fan = await fresh('fan');
      const stranger = await fresh('stranger');
      await c.request('POST', `/api/v1/accounts/${author.id}/follow`, { token: fan.token, body: { notify: true } });

      // `status`: a post by someone you asked to be notified about; not their replies to others.
      const post = await c.post(author, 'new post for subscribers');
      const reply = await c.post(author, 'a reply to a stranger', { in_reply_to_id: (await c.post(stranger, 'hi')).id });
      const statusNotes = await notifications(fan, '?types[]=status');
      assert.deepEqual(statusNotes.map((x) => x.status.id), [post.id]);
      assert.ok(!statusNotes.some((x) => x.status.id === reply.id));

      // A reply is a `mention` (as on Mastodon), even without an @, and says whom it replies to.
      const answer = await c.post(fan, 'no at-sign here', { in_reply_to_id: post.id });
      const mention = (await notifications(author, '?types[]=mention')).find((x) => x.status.id === answer.id);
      assert.equal(mention.status.in_reply_to_account_id, author.id);
      // A followers-only reply to someone who does not follow you: they cannot see it, so no notification.
      const hidden = await c.post(author, 'followers only answer', { in_reply_to_id: (await c.post(stranger, 'question')).id, visibility: 'private' });
      assert.ok(!(await notifications(stranger)).some((x) => x.status?.id === hidden.id));
      assert.equal((await c.request('GET', `/api/v1/statuses/${hidden.id}`, { token: stranger.token })).status, 404);

      // quote, then quoted_update when the quoted post is edited (attached: the quote), and update for reblogs.
      const quote = await c.post(fan, 'look', { quoted_status_id: post.id });
      assert.equal((await notifications(author, '?types[]=quote'))[0].status.id, quote.id);
      await c.request('POST', `/api/v1/statuses/${post.id}/reblog`, { token: stranger.token });
      await c.request('PUT', `/api/v1/statuses/${post.id}`, { token: author.token, body: { status: 'new post, edited' } });
      assert.equal((await notifications(fan, '?types[]=quoted_update'))[0].status.id, quote.id);
      assert.equal((await notifications(stranger, '?types[]=update'))[0].status.id, post.id);

      // Unknown types are ignored as on Mastodon (newer clients send types we do not know).
      const all = await c.request('GET', '/api/v1/notifications?exclude_types[]=some_future_type', { token: author.token });
      assert.equal(all.status, 200);
      assert.ok(all.body.length >= 3);
      assert.deepEqual((await c.request('GET', '/api/v1/notifications?types[]=some_future_type', { token: author.token })).body, []);

      // Blocking hides what the blocked account did before.
      await c.request('POST', `/api/v1/accounts/${fan.id}/block`, { token: author.token });
      assert.ok(!(await notifications(author)).some((x) => x.account.id === fan.id));
      assert.equal((await c.request('GET', '/api/v1/notifications/unread_count', { token: author.token })).body.count,
        (await notifications(author)).length, 'the unread count leaves them out too');
    });

    it('replays deletes, dismissals, password changes and sign-ups retried with an Idempotency-Key', async () => {
      const user = await fresh('retry');
      const s = await c.post(user, 'delete me once');
      const headers = { 'idempotency-key': 'delete-1' };
      const first = await c.request('DELETE', `/api/v1/statuses/${s.id}`, { token: user.token, headers });
      const second = await c.request('DELETE', `/api/v1/statuses/${s.id}`, { token: user.token, headers });
      assert.equal(first.status, 200);
      assert.equal(second.status, 200, 'the retry gets the stored answer, not 404');
      assert.deepEqual(second.body, first.body);
      assert.equal(second.body.text, 'delete me once');
      assert.equal((await c.request('DELETE', `/api/v1/statuses/${s.id}`, { token: user.token })).status, 404, 'without the key it is gone');
      const other = await c.post(user, 'another');
      const reused = await c.request('DELETE', `/api/v1/statuses/${other.id}`, { token: user.token, headers });
      assert.equal(reused.status, 422, 'a key names one request');
      assert.equal((await c.request('GET', '/api/v1/accounts/verify_credentials', { token: user.token })).body.statuses_count, 1);

      const fan = await fresh('fan');
      await c.request('POST', `/api/v1/statuses/${other.id}/favourite`, { token: fan.token });
      const [note] = await notifications(user);
      for (let i = 0; i < 2; i++) {
        const res = await c.request('POST', `/api/v1/notifications/${note.id}/dismiss`, { token: user.token, headers: { 'idempotency-key': 'dismiss-1' } });
        assert.equal(res.status, 200);
      }

      // A password change retried with its key after it happened succeeds again; every other token
      // (web sessions and apps alike) ends, this one stays.
      const webApp = await findAppByClientId(t.ctx.db, WEB_CLIENT_ID);
      const otherSession = await issueToken(t.ctx.db, webApp!.id, user.id, ['read']);
      const otherApp = await issueToken(t.ctx.db, null, user.id, ['read']);
      const change = { current_password: 'correct horse battery', new_password: 'a brand new password' };
      for (let i = 0; i < 2; i++) {
        const res = await c.request('POST', '/api/v1/accounts/change_password', { token: user.token, body: change, headers: { 'idempotency-key': 'password-1' } });
        assert.equal(res.status, 200, JSON.stringify(res.body));
      }
      const unkeyed = await c.request('POST', '/api/v1/accounts/change_password', { token: user.token, body: change });
      assert.equal(unkeyed.status, 422, 'without its key a repeat meets the new password, and is refused');
      const wrong = await c.request('POST', '/api/v1/accounts/change_password', { token: user.token, body: { current_password: 'nope nope nope', new_password: 'whatever else 1' } });
      assert.equal(wrong.status, 422);
      assert.equal((await c.request('GET', '/api/v1/accounts/verify_credentials', { token: otherSession.access_token })).status, 401, 'other web sessions are signed out');
      assert.equal((await c.request('GET', '/api/v1/accounts/verify_credentials', { token: otherApp.access_token })).status, 401, 'other apps are signed out');
      assert.equal((await c.request('GET', '/api/v1/accounts/verify_credentials', { token: user.token })).status, 200);

      // A sign-up retried with its key gets its account back; without a key it is "taken", as before.
      const appToken = await c.appTokenFor();
      const signup = { username: 'twice', email: 'twice@example.test', password: 'twice password', agreement: true };
      const a = await c.request('POST', '/api/v1/accounts', { token: appToken, body: signup, headers: { 'idempotency-key': 'signup-1' } });
      const b = await c.request('POST', '/api/v1/accounts', { token: appToken, body: signup, headers: { 'idempotency-key': 'signup-1' } });
      assert.equal(b.status, 200);
      const idOf = async (token: string) => (await c.request('GET', '/api/v1/accounts/verify_credentials', { token })).body.id;
      assert.equal(await idOf(b.body.access_token), await idOf(a.body.access_token));
      assert.equal((await c.request('POST', '/api/v1/accounts', { token: appToken, body: signup })).status, 422);
      const impostor = await c.request('POST', '/api/v1/accounts', { token: appToken, body: signup, headers: { 'idempotency-key': 'signup-2' } });
      assert.equal(impostor.status, 422, 'another key is another sign-up, even with the right password');
    });

    it('keeps read positions in markers and counts unread notifications from them', async () => {
      const reader = await fresh('reader');
      const poster = await fresh('poster');
      for (let i = 0; i < 3; i++) await c.request('POST', `/api/v1/statuses/${(await c.post(reader, `p${i}`)).id}/favourite`, { token: poster.token });
      assert.equal((await c.request('GET', '/api/v1/notifications/unread_count', { token: reader.token })).body.count, 3);
      const list = await notifications(reader);
      assert.deepEqual((await c.request('GET', '/api/v1/markers?timeline[]=notifications', { token: reader.token })).body, {});
      const set = await c.request('POST', '/api/v1/markers', { token: reader.token, form: { 'notifications[last_read_id]': list[1].id } });
      assert.equal(set.body.notifications.last_read_id, list[1].id);
      assert.equal((await c.request('GET', '/api/v1/notifications/unread_count', { token: reader.token })).body.count, 1);
      const json = await c.request('POST', '/api/v1/markers', { token: reader.token, body: { notifications: { last_read_id: list[0].id }, home: { last_read_id: list[0].id } } });
      assert.equal(json.body.notifications.version, 1);
      const got = await c.request('GET', '/api/v1/markers?timeline[]=home&timeline[]=notifications', { token: reader.token });
      assert.deepEqual(Object.keys(got.body).sort(), ['home', 'notifications']);
      assert.equal((await c.request('GET', '/api/v1/notifications/unread_count', { token: reader.token })).body.count, 0);
      assert.equal((await c.request('POST', '/api/v1/markers', { token: reader.token, body: { home: { last_read_id: 'x' } } })).status, 404);
      assert.equal((await c.request('POST', '/api/v1/markers', { token: reader.token, body: {} })).status, 422);
    });

    it('serves hashtags with their week of history, trending tags, and search by word prefix', async () => {
      const a = await fresh('tagger');
      const b = await fresh('tagger');
      await c.post(a, 'one #Trending');
      await c.post(a, 'two #trending #quiet');
      await c.post(b, 'three #trending');
      await c.post(b, 'hidden #secretive', { visibility: 'private' });
      const tag = await c.request('GET', '/api/v1/tags/Trending');
      assert.equal(tag.body.name, 'trending');
      assert.equal(tag.body.following, false);
      assert.equal(tag.body.history.length, 7);
      assert.deepEqual([tag.body.history[0].uses, tag.body.history[0].accounts], ['3', '2']);
      assert.equal((await c.request('GET', '/api/v1/tags/no%20spaces')).status, 400);
      const trends = await c.request('GET', '/api/v1/trends/tags?limit=2');
      assert.deepEqual(trends.body.map((x: any) => x.name), ['trending', 'quiet']);
      assert.ok(!(await c.request('GET', '/api/v1/trends/tags')).body.some((x: any) => x.name === 'secretive'), 'private posts do not trend');
      const search = await c.request('GET', '/api/v2/search?q=trend&type=statuses', { token: a.token });
      assert.equal(search.body.statuses.length, 3, 'a word prefix finds the posts');
      assert.equal((await c.request('GET', '/api/v2/search?q=trend&type=hashtags')).body.hashtags[0].history.length, 7);
      assert.equal((await c.request('GET', "/api/v2/search?q=%27%3A*%20%26%20!&type=statuses")).status, 200, 'query syntax is not injected');
    });

    it('lists quotes for the quoted author, and follows Mastodon 4.5\'s quote rules', async () => {
      const quoted = await fresh('quoted');
      const q1 = await fresh('quoter');
      const s = await c.post(quoted, 'quote me');
      const quotes = [await c.post(q1, 'first', { quoted_status_id: s.id }), await c.post(q1, 'second', { quoted_status_id: s.id })];
      const list = await c.request('GET', `/api/v1/statuses/${s.id}/quotes?limit=1`, { token: quoted.token });
      assert.deepEqual(list.body.map((x: any) => x.id), [quotes[1].id]);
      assert.match(String(list.headers.link), /rel="next"/);
      assert.equal((await c.request('GET', `/api/v1/statuses/${s.id}/quotes`, { token: q1.token })).status, 404, 'only the author lists quotes');
      assert.deepEqual(s.quote_approval, { automatic: ['public'], manual: [], current_user: 'automatic' });
      const priv = await c.post(quoted, 'mine only', { visibility: 'private' });
      assert.equal(priv.quote_approval.current_user, 'automatic', 'the author may quote a followers-only post');
      await c.request('POST', `/api/v1/accounts/${quoted.id}/follow`, { token: q1.token });
      assert.equal((await c.request('GET', `/api/v1/statuses/${priv.id}`, { token: q1.token })).body.quote_approval.current_user, 'denied');
      const dm = await c.request('POST', '/api/v1/statuses', { token: q1.token, body: { status: 'psst', visibility: 'direct', quoted_status_id: s.id } });
      assert.equal(dm.status, 422, 'a private mention quoting a post must mention its author');
      const dmOk = await c.request('POST', '/api/v1/statuses', { token: q1.token, body: { status: `@${quoted.username} psst`, visibility: 'direct', quoted_status_id: s.id } });
      assert.equal(dmOk.status, 200);
      const policy = await c.request('POST', '/api/v1/statuses', { token: q1.token, body: { status: 'x', quote_approval_policy: 'nobody' } });
      assert.equal(policy.status, 422, 'a policy we cannot enforce is refused, not ignored');
      assert.equal((await c.request('POST', '/api/v1/statuses', { token: q1.token, body: { status: 'x', quote_approval_policy: 'public' } })).status, 200);
      const scheduled = await c.request('POST', '/api/v1/statuses', { token: q1.token, body: { status: 'later', scheduled_at: '2099-01-01T00:00:00Z' } });
      assert.equal(scheduled.status, 422, 'scheduling is refused, never posted at once');
    });

    it('pins at most five of one\'s own posts, never a private mention', async () => {
      const pinner = await fresh('pinner');
      const posts = [];
      for (let i = 0; i < 6; i++) posts.push(await c.post(pinner, `pin ${i}`));
      for (const p of posts.slice(0, 5)) assert.equal((await c.request('POST', `/api/v1/statuses/${p.id}/pin`, { token: pinner.token })).body.pinned, true);
      assert.equal((await c.request('POST', `/api/v1/statuses/${posts[0].id}/pin`, { token: pinner.token })).status, 200, 'pinning again is not a sixth pin');
      assert.equal((await c.request('POST', `/api/v1/statuses/${posts[5].id}/pin`, { token: pinner.token })).status, 422);
      const pinned = await c.request('GET', `/api/v1/accounts/${pinner.id}/statuses?pinned=true`);
      assert.equal(pinned.body.length, 5);
      await c.request('POST', `/api/v1/statuses/${posts[0].id}/unpin`, { token: pinner.token });
      const dm = await c.post(pinner, '@nobody psst', { visibility: 'direct' });
      assert.equal((await c.request('POST', `/api/v1/statuses/${dm.id}/pin`, { token: pinner.token })).status, 422);
    });

    it('answers the reads real clients make at start-up, with the scopes Mastodon requires', async () => {
      const user = await fresh('client');
      const s1 = await c.post(user, 'one');
      const s2 = await c.post(user, 'two', { visibility: 'private' });
      const stranger = await fresh('stranger');
      const many = await c.request('GET', `/api/v1/statuses?id[]=${s1.id}&id[]=${s2.id}&id[]=999999`, { token: stranger.token });
      assert.deepEqual(many.body.map((x: any) => x.id), [s1.id], 'missing and invisible statuses are left out');
      const accounts = await c.request('GET', `/api/v1/accounts?id[]=${stranger.id}&id[]=${user.id}`);
      assert.deepEqual(accounts.body.map((x: any) => x.id), [stranger.id, user.id]);
      for (const url of ['/api/v1/lists', '/api/v2/filters', '/api/v1/filters', '/api/v1/announcements', '/api/v1/followed_tags', '/api/v2/suggestions',
        '/api/v1/domain_blocks', '/api/v1/scheduled_statuses', `/api/v1/accounts/${user.id}/featured_tags`, '/api/v1/instance/peers', '/api/v1/trends/statuses']) {
        const res = await c.request('GET', url, { token: user.token });
        assert.equal(res.status, 200, url);
        assert.deepEqual(res.body, [], url);
      }
      // Many clients POST actions with a JSON content type and no body at all; Mastodon accepts that.
      const bare = await t.app.inject({ method: 'POST', url: `/api/v1/statuses/${s1.id}/favourite`, headers: { authorization: `Bearer ${stranger.token}`, 'content-type': 'application/json' } });
      assert.equal(bare.statusCode, 200, bare.body);
      assert.equal(bare.json().favourited, true);
      const instance = await c.request('GET', '/api/v2/instance');
      assert.equal(instance.body.api_versions.mastodon, 7);

      // `profile` (Mastodon 4.3) reads who is signed in and nothing else.
      const reg = await c.registerApp('read write profile');
      const tok = await c.request('POST', '/oauth/token', { body: { grant_type: 'password', ...reg, username: user.username, password: 'correct horse battery', scope: 'profile' } });
      assert.equal((await c.request('GET', '/api/v1/accounts/verify_credentials', { token: tok.body.access_token })).body.id, user.id);
      assert.equal((await c.request('GET', '/api/v1/timelines/home', { token: tok.body.access_token })).status, 403);
    });
  });
}
