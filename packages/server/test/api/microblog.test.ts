// The core Mastodon API, end to end, on PGlite and on real PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backends, Client, deadlocksRetried, startApp, type TestApp, type User } from '@firebreak/testkit/app.js';

for (const backend of backends()) {
  describe(`microblog API on ${backend}`, () => {
    let t: TestApp;
    let c: Client;
    let alice: User, bob: User, carol: User;

    before(async () => {
      t = await startApp(backend);
      c = new Client(t.app);
      alice = await c.register('alice');
      bob = await c.register('bob');
      carol = await c.register('carol');
    });
    after(() => t.close());

    it('registers accounts and reports them through verify_credentials, lookup and get', async () => {
      const me = await c.request('GET', '/api/v1/accounts/verify_credentials', { token: alice.token });
      assert.equal(me.status, 200);
      assert.equal(me.body.username, 'alice');
      assert.equal(me.body.acct, 'alice');
      assert.equal(typeof me.body.id, 'string');
      assert.equal(me.body.source.privacy, 'public');
      const looked = await c.request('GET', '/api/v1/accounts/lookup?acct=bob');
      assert.equal(looked.body.id, bob.id);
      const got = await c.request('GET', `/api/v1/accounts/${bob.id}`);
      assert.equal(got.body.username, 'bob');
      assert.equal(got.body.source, undefined, 'source is only for the owner');
    });

    it('rejects invalid and duplicate registrations with 422 and details', async () => {
      const token = await c.appTokenFor();
      const dup = await c.request('POST', '/api/v1/accounts', { token, body: { username: 'ALICE', email: 'other@example.test', password: 'long enough pw', agreement: true } });
      assert.equal(dup.status, 422);
      assert.equal(dup.body.details.username[0].error, 'ERR_TAKEN');
      const bad = await c.request('POST', '/api/v1/accounts', { token, body: { username: 'no spaces', email: 'nope', password: 'short', agreement: false } });
      assert.equal(bad.status, 422);
      assert.deepEqual(Object.keys(bad.body.details).sort(), ['agreement', 'email', 'password', 'username']);
      assert.match(bad.body.error, /^Validation failed/);
    });

    it('updates the profile and renders the bio as safe HTML', async () => {
      const res = await c.request('PATCH', '/api/v1/accounts/update_credentials', { token: carol.token, body: { display_name: 'Carol <b>C</b>', note: 'Hi <script>alert(1)</script> #tea' } });
      assert.equal(res.status, 200);
      assert.equal(res.body.display_name, 'Carol <b>C</b>', 'display names are plain text');
      assert.ok(!res.body.note.includes('<script>'));
      assert.match(res.body.note, /&lt;script&gt;/);
      assert.equal(res.body.source.note, 'Hi <script>alert(1)</script> #tea');
      const long = await c.request('PATCH', '/api/v1/accounts/update_credentials', { token: carol.token, body: { display_name: 'x'.repeat(31) } });
      assert.equal(long.status, 422);
    });

    it('posts, renders links, mentions and hashtags, and shows the post on timelines', async () => {
      const s = await c.post(alice, 'Hello @bob see https://example.com/a?b=1 #Firebreak <b>bold</b>');
      assert.equal(s.account.id, alice.id);
      assert.match(s.content, /<a href="https:\/\/example.com\/a\?b=1"/);
      assert.match(s.content, /class="u-url mention">@<span>bob<\/span>/);
      assert.match(s.content, /class="mention hashtag" rel="tag">#<span>Firebreak<\/span>/);
      assert.match(s.content, /&lt;b&gt;bold&lt;\/b&gt;/);
      assert.deepEqual(s.mentions.map((m: any) => m.username), ['bob']);
      assert.deepEqual(s.tags.map((t: any) => t.name), ['firebreak']);
      const pub = await c.request('GET', '/api/v1/timelines/public');
      assert.ok(pub.body.some((x: any) => x.id === s.id));
      const local = await c.request('GET', '/api/v1/timelines/public?local=true');
      assert.ok(local.body.some((x: any) => x.id === s.id));
      assert.deepEqual((await c.request('GET', '/api/v1/timelines/public?remote=true')).body, [], 'all accounts are local');
      const tag = await c.request('GET', '/api/v1/timelines/tag/firebreak');
      assert.deepEqual(tag.body.map((x: any) => x.id), [s.id]);
      const notes = await c.request('GET', '/api/v1/notifications', { token: bob.token });
      assert.ok(notes.body.some((n: any) => n.type === 'mention' && n.status.id === s.id));
    });

    it('builds the home timeline from follows, and stops after unfollow', async () => {
      const follow = await c.request('POST', `/api/v1/accounts/${alice.id}/follow`, { token: bob.token });
      assert.equal(follow.status, 200);
      assert.equal(follow.body.following, true);
      const s = await c.post(alice, 'for my followers', { visibility: 'private' });
      let home = await c.request('GET', '/api/v1/timelines/home', { token: bob.token });
      assert.ok(home.body.some((x: any) => x.id === s.id), 'followers see private posts at home');
      const stranger = await c.request('GET', `/api/v1/statuses/${s.id}`, { token: carol.token });
      assert.equal(stranger.status, 404, 'non-followers cannot see private posts');
      const rel = await c.request('GET', `/api/v1/accounts/relationships?id[]=${alice.id}&id[]=${carol.id}`, { token: bob.token });
      assert.deepEqual(rel.body.map((r: any) => [r.id, r.following]), [[alice.id, true], [carol.id, false]]);
      const followers = await c.request('GET', `/api/v1/accounts/${alice.id}/followers`);
      assert.deepEqual(followers.body.map((a: any) => a.id), [bob.id]);
      const following = await c.request('GET', `/api/v1/accounts/${bob.id}/following`);
      assert.deepEqual(following.body.map((a: any) => a.id), [alice.id]);
      const notes = await c.request('GET', '/api/v1/notifications?types[]=follow', { token: alice.token });
      assert.equal(notes.body[0].type, 'follow');
      assert.equal(notes.body[0].account.id, bob.id);
      await c.request('POST', `/api/v1/accounts/${alice.id}/unfollow`, { token: bob.token });
      home = await c.request('GET', '/api/v1/timelines/home', { token: bob.token });
      assert.ok(!home.body.some((x: any) => x.id === s.id));
      const counts = await c.request('GET', `/api/v1/accounts/${alice.id}`);
      assert.equal(counts.body.followers_count, 0);
    });

    it('replies, threads and context, with a notification to the parent author', async () => {
      const root = await c.post(alice, 'thread root');
      const reply = await c.post(bob, 'a reply', { in_reply_to_id: root.id });
      const nested = await c.post(alice, 'a nested reply', { in_reply_to_id: reply.id });
      assert.equal(reply.in_reply_to_id, root.id);
      assert.equal(reply.in_reply_to_account_id, alice.id);
      const ctxRes = await c.request('GET', `/api/v1/statuses/${reply.id}/context`);
      assert.deepEqual(ctxRes.body.ancestors.map((s: any) => s.id), [root.id]);
      assert.deepEqual(ctxRes.body.descendants.map((s: any) => s.id), [nested.id]);
      const parent = await c.request('GET', `/api/v1/statuses/${root.id}`);
      assert.equal(parent.body.replies_count, 1);
      const notes = await c.request('GET', '/api/v1/notifications?types[]=mention', { token: alice.token });
      assert.ok(notes.body.some((n: any) => n.status.id === reply.id));
      const noReplies = await c.request('GET', `/api/v1/accounts/${bob.id}/statuses?exclude_replies=true`);
      assert.ok(!noReplies.body.some((s: any) => s.id === reply.id));
      const missing = await c.request('POST', '/api/v1/statuses', { token: bob.token, body: { status: 'x', in_reply_to_id: '12345' } });
      assert.equal(missing.status, 404);
    });

    it('favourites, reblogs and bookmarks, idempotently, with counts, lists and notifications', async () => {
      const s = await c.post(alice, 'like me');
      for (let i = 0; i < 2; i++) {
        const fav = await c.request('POST', `/api/v1/statuses/${s.id}/favourite`, { token: bob.token });
        assert.equal(fav.status, 200);
        assert.equal(fav.body.favourited, true);
        assert.equal(fav.body.favourites_count, 1);
      }
      const rb = await c.request('POST', `/api/v1/statuses/${s.id}/reblog`, { token: bob.token });
      assert.equal(rb.body.reblog.id, s.id);
      assert.equal(rb.body.reblog.reblogged, true);
      assert.equal(rb.body.reblog.reblogs_count, 1);
      const rb2 = await c.request('POST', `/api/v1/statuses/${s.id}/reblog`, { token: bob.token });
      assert.equal(rb2.body.id, rb.body.id, 'reblogging twice returns the same reblog');
      const bm = await c.request('POST', `/api/v1/statuses/${s.id}/bookmark`, { token: bob.token });
      assert.equal(bm.body.bookmarked, true);
      const favBy = await c.request('GET', `/api/v1/statuses/${s.id}/favourited_by`);
      assert.deepEqual(favBy.body.map((a: any) => a.id), [bob.id]);
      const rbBy = await c.request('GET', `/api/v1/statuses/${s.id}/reblogged_by`);
      assert.deepEqual(rbBy.body.map((a: any) => a.id), [bob.id]);
      const favs = await c.request('GET', '/api/v1/favourites', { token: bob.token });
      assert.equal(favs.body[0].id, s.id);
      const bms = await c.request('GET', '/api/v1/bookmarks', { token: bob.token });
      assert.equal(bms.body[0].id, s.id);
      const notes = await c.request('GET', '/api/v1/notifications?exclude_types[]=mention&exclude_types[]=follow', { token: alice.token });
      const kinds = notes.body.filter((n: any) => n.status?.id === s.id).map((n: any) => n.type).sort();
      assert.deepEqual(kinds, ['favourite', 'reblog']);
      // Followers of bob see the reblog at home.
      await c.request('POST', `/api/v1/accounts/${bob.id}/follow`, { token: carol.token });
      const home = await c.request('GET', '/api/v1/timelines/home', { token: carol.token });
      assert.ok(home.body.some((x: any) => x.reblog?.id === s.id));
      await c.request('POST', `/api/v1/statuses/${s.id}/unfavourite`, { token: bob.token });
      const un = await c.request('POST', `/api/v1/statuses/${s.id}/unreblog`, { token: bob.token });
      assert.equal(un.body.reblogged, false);
      assert.equal(un.body.reblogs_count, 0);
      const after = await c.request('GET', `/api/v1/statuses/${s.id}`, { token: bob.token });
      assert.equal(after.body.favourites_count, 0);
      assert.equal(after.body.favourited, false);
      assert.equal(after.body.bookmarked, true);
      await c.request('POST', `/api/v1/accounts/${bob.id}/unfollow`, { token: carol.token });
    });

    it('quotes a post the way Mastodon 4.5 exposes it, and notifies the quoted author', async () => {
      const original = await c.post(alice, 'quotable');
      const quote = await c.post(bob, 'look at this', { quoted_status_id: original.id });
      assert.equal(quote.quote.state, 'accepted');
      assert.equal(quote.quote.quoted_status.id, original.id);
      const refreshed = await c.request('GET', `/api/v1/statuses/${original.id}`);
      assert.equal(refreshed.body.quotes_count, 1);
      const notes = await c.request('GET', '/api/v1/notifications?types[]=quote', { token: alice.token });
      assert.equal(notes.body[0].status.id, quote.id);
      // Followers-only posts: their author may quote them (and the quote becomes followers-only too), nobody else.
      const priv = await c.post(alice, 'private', { visibility: 'private' });
      const own = await c.post(alice, 'q', { quoted_status_id: priv.id });
      assert.equal(own.visibility, 'private');
      assert.equal(own.quote.state, 'accepted');
      await c.request('POST', `/api/v1/accounts/${alice.id}/follow`, { token: carol.token });
      const bad = await c.request('POST', '/api/v1/statuses', { token: carol.token, body: { status: 'q', quoted_status_id: priv.id } });
      assert.equal(bad.status, 422);
      await c.request('POST', `/api/v1/accounts/${alice.id}/unfollow`, { token: carol.token });
      // Clients that know nothing of quotes still see what is quoted: a RE: link first, as on Mastodon 4.5.
      assert.match(quote.content, new RegExp(`^<p class="quote-inline">RE: <a href="https://firebreak.test/@alice/${original.id}"`));
      await c.request('DELETE', `/api/v1/statuses/${original.id}`, { token: alice.token });
      const orphan = await c.request('GET', `/api/v1/statuses/${quote.id}`);
      assert.equal(orphan.body.quote.state, 'deleted');
    });

    it('honours Idempotency-Key: the same key from the same account never makes a duplicate', async () => {
      const headers = { 'idempotency-key': 'key-123' };
      const results = await Promise.all([1, 2, 3].map(() => c.post(carol, 'exactly once', {}, headers)));
      assert.equal(new Set(results.map((r) => r.id)).size, 1);
      const other = await c.post(bob, 'exactly once', {}, headers);
      assert.notEqual(other.id, results[0].id, 'keys are per account');
      const mine = await c.request('GET', `/api/v1/accounts/${carol.id}/statuses`);
      assert.equal(mine.body.filter((s: any) => s.content === '<p>exactly once</p>').length, 1);
    });

    it('edits one\'s own status, keeps its history, and tells those who reblogged it', async () => {
      const s = await c.post(alice, 'first draft #one');
      await c.request('POST', `/api/v1/statuses/${s.id}/reblog`, { token: bob.token });
      const edited = await c.request('PUT', `/api/v1/statuses/${s.id}`, { token: alice.token, body: { status: 'second draft #two @bob', spoiler_text: 'cw' } });
      assert.equal(edited.status, 200);
      assert.match(edited.body.content, /second draft/);
      assert.equal(edited.body.spoiler_text, 'cw');
      assert.equal(edited.body.sensitive, true);
      assert.ok(edited.body.edited_at);
      assert.deepEqual(edited.body.tags.map((t: any) => t.name), ['two']);
      assert.deepEqual(edited.body.mentions.map((m: any) => m.username), ['bob']);
      const history = await c.request('GET', `/api/v1/statuses/${s.id}/history`);
      assert.deepEqual(history.body.map((v: any) => v.content.replace(/<[^>]+>/g, '')), ['first draft #one', 'second draft #two @bob']);
      const notes = await c.request('GET', '/api/v1/notifications?types[]=update', { token: bob.token });
      assert.equal(notes.body[0].status.id, s.id);
      assert.equal((await c.request('PUT', `/api/v1/statuses/${s.id}`, { token: bob.token, body: { status: 'hijack' } })).status, 404);
      assert.equal((await c.request('PUT', `/api/v1/statuses/${s.id}`, { token: alice.token, body: { status: '' } })).status, 422);
      const source = await c.request('GET', `/api/v1/statuses/${s.id}/source`, { token: alice.token });
      assert.equal(source.body.text, 'second draft #two @bob');
    });

    it('deletes one\'s own status and returns its source text; others get 404', async () => {
      const s = await c.post(alice, 'delete me #gone');
      const notMine = await c.request('DELETE', `/api/v1/statuses/${s.id}`, { token: bob.token });
      assert.equal(notMine.status, 404);
      const del = await c.request('DELETE', `/api/v1/statuses/${s.id}`, { token: alice.token });
      assert.equal(del.status, 200);
      assert.equal(del.body.text, 'delete me #gone');
      assert.equal((await c.request('GET', `/api/v1/statuses/${s.id}`)).status, 404);
    });

    it('paginates with max_id, since_id, min_id, limit and a Link header', async () => {
      const dave = await c.register('dave');
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) ids.push((await c.post(dave, `page ${i}`)).id);
      const newestFirst = [...ids].reverse();
      const first = await c.request('GET', `/api/v1/accounts/${dave.id}/statuses?limit=3`);
      assert.deepEqual(first.body.map((s: any) => s.id), newestFirst.slice(0, 3));
      const link = String(first.headers.link);
      assert.match(link, new RegExp(`max_id=${newestFirst[2]}.*rel="next"`));
      assert.match(link, new RegExp(`min_id=${newestFirst[0]}.*rel="prev"`));
      const next = await c.request('GET', `/api/v1/accounts/${dave.id}/statuses?limit=3&max_id=${newestFirst[2]}`);
      assert.deepEqual(next.body.map((s: any) => s.id), newestFirst.slice(3, 6));
      const since = await c.request('GET', `/api/v1/accounts/${dave.id}/statuses?since_id=${ids[4]}`);
      assert.deepEqual(since.body.map((s: any) => s.id), [ids[6], ids[5]]);
      const min = await c.request('GET', `/api/v1/accounts/${dave.id}/statuses?min_id=${ids[1]}&limit=2`);
      assert.deepEqual(min.body.map((s: any) => s.id), [ids[3], ids[2]], 'min_id pages upward, still newest first');
      const capped = await c.request('GET', `/api/v1/accounts/${dave.id}/statuses?limit=1000`);
      assert.equal(capped.status, 200);
      assert.ok(capped.body.length <= 40);
    });

    it('blocks and mutes hide content and sever follows', async () => {
      const erin = await c.register('erin');
      const frank = await c.register('frank');
      await c.request('POST', `/api/v1/accounts/${frank.id}/follow`, { token: erin.token });
      const s = await c.post(frank, 'frank speaks');
      const mute = await c.request('POST', `/api/v1/accounts/${frank.id}/mute`, { token: erin.token });
      assert.equal(mute.body.muting, true);
      let home = await c.request('GET', '/api/v1/timelines/home', { token: erin.token });
      assert.ok(!home.body.some((x: any) => x.id === s.id), 'muted accounts leave the home timeline');
      const mutes = await c.request('GET', '/api/v1/mutes', { token: erin.token });
      assert.deepEqual(mutes.body.map((a: any) => a.id), [frank.id]);
      await c.request('POST', `/api/v1/accounts/${frank.id}/unmute`, { token: erin.token });
      home = await c.request('GET', '/api/v1/timelines/home', { token: erin.token });
      assert.ok(home.body.some((x: any) => x.id === s.id));
      const block = await c.request('POST', `/api/v1/accounts/${frank.id}/block`, { token: erin.token });
      assert.equal(block.body.blocking, true);
      assert.equal(block.body.following, false, 'blocking severs the follow');
      assert.equal((await c.request('GET', `/api/v1/statuses/${s.id}`, { token: erin.token })).status, 404);
      const followBack = await c.request('POST', `/api/v1/accounts/${erin.id}/follow`, { token: frank.token });
      assert.equal(followBack.status, 403);
      const blocks = await c.request('GET', '/api/v1/blocks', { token: erin.token });
      assert.deepEqual(blocks.body.map((a: any) => a.id), [frank.id]);
    });

    it('direct posts reach only the mentioned', async () => {
      const s = await c.post(alice, '@carol psst', { visibility: 'direct' });
      assert.equal((await c.request('GET', `/api/v1/statuses/${s.id}`, { token: carol.token })).status, 200);
      assert.equal((await c.request('GET', `/api/v1/statuses/${s.id}`, { token: bob.token })).status, 404);
      assert.equal((await c.request('GET', `/api/v1/statuses/${s.id}`)).status, 404);
      const pub = await c.request('GET', '/api/v1/timelines/public');
      assert.ok(!pub.body.some((x: any) => x.id === s.id));
    });

    it('searches accounts, hashtags and statuses', async () => {
      await c.post(bob, 'Searching for the elusive snowleopard today #wildlife');
      const res = await c.request('GET', '/api/v2/search?q=snowleopard', { token: alice.token });
      assert.equal(res.status, 200);
      assert.equal(res.body.statuses.length, 1);
      const anonymous = await c.request('GET', '/api/v2/search?q=snowleopard');
      assert.equal(anonymous.status, 200);
      assert.deepEqual(anonymous.body.statuses, [], 'post search is for signed-in users, as on Mastodon');
      const tags = await c.request('GET', '/api/v2/search?q=%23wild&type=hashtags');
      assert.deepEqual(tags.body.hashtags.map((h: any) => h.name), ['wildlife']);
      assert.deepEqual(tags.body.statuses, []);
      const people = await c.request('GET', '/api/v2/search?q=ali&type=accounts');
      assert.deepEqual(people.body.accounts.map((a: any) => a.username), ['alice']);
      const bad = await c.request('GET', '/api/v2/search?q=x&type=nope');
      assert.equal(bad.status, 400);
    });

    it('dismisses and clears notifications', async () => {
      const s = await c.post(carol, 'notify me');
      await c.request('POST', `/api/v1/statuses/${s.id}/favourite`, { token: alice.token });
      const list = await c.request('GET', '/api/v1/notifications?types[]=favourite', { token: carol.token });
      const id = list.body[0].id;
      assert.equal((await c.request('GET', `/api/v1/notifications/${id}`, { token: carol.token })).body.type, 'favourite');
      assert.equal((await c.request('GET', `/api/v1/notifications/${id}`, { token: alice.token })).status, 404, 'not yours');
      assert.equal((await c.request('POST', `/api/v1/notifications/${id}/dismiss`, { token: carol.token })).status, 200);
      assert.equal((await c.request('GET', `/api/v1/notifications/${id}`, { token: carol.token })).status, 404);
      await c.request('POST', '/api/v1/notifications/clear', { token: carol.token });
      assert.deepEqual((await c.request('GET', '/api/v1/notifications', { token: carol.token })).body, []);
    });

    it('serves discovery documents real clients read first', async () => {
      const v2 = await c.request('GET', '/api/v2/instance');
      assert.equal(v2.body.configuration.statuses.max_characters, 500);
      assert.equal(v2.body.configuration.statuses.characters_reserved_per_url, 23);
      assert.match(v2.body.configuration.urls.streaming, /^wss:\/\//);
      assert.equal(v2.body.registrations.enabled, true);
      const v1 = await c.request('GET', '/api/v1/instance');
      assert.equal(v1.body.configuration.statuses.max_characters, 500);
      assert.ok(v1.body.stats.user_count >= 3);
      const ni = await c.request('GET', '/.well-known/nodeinfo');
      const doc = await c.request('GET', new URL(ni.body.links[0].href).pathname);
      assert.equal(doc.body.version, '2.0');
      assert.equal(doc.body.software.name, 'firebreak');
      const as = await c.request('GET', '/.well-known/oauth-authorization-server');
      assert.deepEqual(as.body.code_challenge_methods_supported, ['S256']);
      assert.deepEqual((await c.request('GET', '/api/v1/custom_emojis')).body, []);
      const prefs = await c.request('GET', '/api/v1/preferences', { token: alice.token });
      assert.equal(prefs.body['posting:default:visibility'], 'public');
      const cors = await t.app.inject({ method: 'OPTIONS', url: '/api/v1/timelines/public', headers: { origin: 'https://elk.zone', 'access-control-request-method': 'GET' } });
      assert.equal(cors.headers['access-control-allow-origin'], 'https://elk.zone');
      const get = await t.app.inject({ method: 'GET', url: '/api/v1/timelines/public', headers: { origin: 'https://elk.zone' } });
      assert.match(String(get.headers['access-control-expose-headers']), /Link/);
    });

    it('answers health, readiness and metrics', async () => {
      assert.equal((await c.request('GET', '/healthz')).status, 200);
      assert.equal((await c.request('GET', '/readyz')).status, 200);
      const metrics = await c.request('GET', '/metrics');
      assert.match(String(metrics.body), /firebreak_http_request_duration_seconds/);
    });

    // PGlite is one connection: nothing there happens at the same moment.
    if (backend === 'postgres') it('a post replied to and deleted by its author at the same moment never deadlocks', async () => {
      const author = await c.register('threader');
      const before = await deadlocksRetried(t.ctx);
      await Promise.all([0, 1, 2, 3].map(async () => {
        for (let round = 0; round < 15; round++) {
          const parent = await c.post(author, 'about to go');
          const [reply, deleted] = await Promise.all([
            c.request('POST', '/api/v1/statuses', { token: author.token, body: { status: 'a reply', in_reply_to_id: parent.id } }),
            c.request('DELETE', `/api/v1/statuses/${parent.id}`, { token: author.token }),
          ]);
          assert.equal(deleted.status, 200);
          // The reply came first, or found its parent gone.
          assert.ok(reply.status === 200 || (reply.status === 404 && /replying to does not exist/.test(reply.body.error)), `${reply.status} ${JSON.stringify(reply.body)}`);
        }
      }));
      assert.equal(await deadlocksRetried(t.ctx) - before, 0, 'transactions retried after a deadlock');
      const me = await c.request('GET', '/api/v1/accounts/verify_credentials', { token: author.token });
      const [kept] = await t.ctx.db.query<{ n: number }>('select count(*)::int as n from statuses where account_id = $1', [author.id]);
      assert.ok(kept!.n > 0, 'some replies came first');
      assert.equal(me.body.statuses_count, kept!.n, 'the count is of the statuses left');
    });
  });
}
