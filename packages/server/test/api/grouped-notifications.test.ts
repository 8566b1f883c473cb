// Grouped notifications (GET /api/v2/notifications and its group routes), the notification policy
// (v2 and v1) and notification requests: Mastodon's grouping rule, shapes, pagination, filtering,
// accepting and dismissing, and others' groups and requests out of reach; on PGlite and PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backends, Client, startApp, type TestApp, type User } from '@firebreak/testkit/app.js';

for (const backend of backends()) {
  describe(`grouped notifications on ${backend}`, () => {
    let t: TestApp;
    let c: Client;
    let n = 0;
    const fresh = (prefix: string) => c.register(`${prefix}${++n}`);
    const get = async (user: User, url: string, status = 200) => {
      const res = await c.request('GET', url, { token: user.token });
      assert.equal(res.status, status, `${url}: ${JSON.stringify(res.body)}`);
      return res;
    };
    const grouped = async (user: User, query = '') => (await get(user, `/api/v2/notifications${query}`)).body;
    const v1 = async (user: User, query = '') => (await get(user, `/api/v1/notifications${query}`)).body as any[];
    const send = async (user: User, method: string, url: string, body?: unknown, status = 200, headers: Record<string, string> = {}) => {
      const res = await c.request(method, url, { token: user.token, body, headers });
      assert.equal(res.status, status, `${method} ${url}: ${JSON.stringify(res.body)}`);
      return res.body;
    };
    const follow = (user: User, target: User) => send(user, 'POST', `/api/v1/accounts/${target.id}/follow`);
    const hour = () => Math.floor(Date.now() / 3_600_000);

    before(async () => {
      t = await startApp(backend);
      c = new Client(t.app);
    });
    after(() => t.close());

    it('groups favourites and reblogs of one status and follows, as Mastodon does, with its shapes', async () => {
      const ann = await fresh('ann');
      const fans = [await fresh('fan'), await fresh('fan'), await fresh('fan')];
      const post = await c.post(ann, 'a post worth liking');
      const other = await c.post(ann, 'another post');
      for (const fan of fans) await send(fan, 'POST', `/api/v1/statuses/${post.id}/favourite`);
      await send(fans[0]!, 'POST', `/api/v1/statuses/${other.id}/favourite`);
      await send(fans[1]!, 'POST', `/api/v1/statuses/${post.id}/reblog`);
      await send(fans[2]!, 'POST', `/api/v1/statuses/${post.id}/reblog`);
      for (const fan of fans) await follow(fan, ann);
      const mention = await c.post(fans[0]!, `@${ann.username} hello`);

      const body = await grouped(ann);
      assert.deepEqual(Object.keys(body).sort(), ['accounts', 'notification_groups', 'statuses']);
      const groups = body.notification_groups as any[];
      assert.deepEqual(groups.map((g) => g.type), ['mention', 'follow', 'reblog', 'favourite', 'favourite'], 'newest group first, one entry per group');
      const [mentionGroup, follows, reblogs, otherFav, favs] = groups;
      assert.match(mentionGroup.group_key, /^ungrouped-\d+$/, 'mentions are never grouped');
      assert.equal(mentionGroup.status_id, mention.id);
      assert.equal(follows.group_key, `follow-${hour()}`);
      assert.equal(follows.notifications_count, 3);
      assert.deepEqual(follows.sample_account_ids, [fans[2]!.id, fans[1]!.id, fans[0]!.id], 'most recent first');
      assert.equal(follows.status_id, undefined, 'follows name no status');
      assert.equal(reblogs.group_key, `reblog-${post.id}-${hour()}`);
      assert.equal(reblogs.notifications_count, 2);
      assert.equal(favs.group_key, `favourite-${post.id}-${hour()}`);
      assert.equal(favs.notifications_count, 3);
      assert.equal(favs.status_id, post.id);
      assert.equal(otherFav.group_key, `favourite-${other.id}-${hour()}`);
      assert.equal(otherFav.notifications_count, 1);
      for (const g of groups) {
        for (const key of ['most_recent_notification_id', 'page_min_id', 'page_max_id', 'latest_page_notification_at']) assert.equal(typeof g[key], 'string', `${g.type}.${key}`);
        assert.equal(g.page_max_id, g.most_recent_notification_id);
      }
      assert.ok(BigInt(favs.page_min_id) < BigInt(favs.page_max_id));
      assert.deepEqual(body.accounts.map((a: any) => a.id).sort(), fans.map((f) => f.id).sort(), 'each account once');
      assert.deepEqual(body.statuses.map((s: any) => s.id).sort(), [mention.id, post.id, other.id].sort(), 'each status once');
      assert.equal(body.statuses.find((s: any) => s.id === post.id).account.id, ann.id);

      // The same notifications one by one carry their group keys.
      const single = await v1(ann);
      assert.equal(single.length, 10);
      assert.equal(single.find((x) => x.type === 'follow').group_key, follows.group_key);
      assert.equal(single.find((x) => x.type === 'mention').group_key, `ungrouped-${single.find((x) => x.type === 'mention').id}`);

      // grouped_types: only the types a client can show grouped are grouped.
      const onlyFollows = (await grouped(ann, '?grouped_types[]=follow')).notification_groups as any[];
      assert.equal(onlyFollows.filter((g) => g.type === 'favourite').length, 4);
      assert.ok(onlyFollows.filter((g) => g.type === 'favourite').every((g) => g.group_key.startsWith('ungrouped-')));
      assert.equal(onlyFollows.filter((g) => g.type === 'follow').length, 1);
      // types, exclude_types and account_id select what is listed.
      assert.deepEqual((await grouped(ann, '?types[]=reblog')).notification_groups.map((g: any) => g.type), ['reblog']);
      assert.deepEqual((await grouped(ann, '?exclude_types[]=favourite&exclude_types[]=follow')).notification_groups.map((g: any) => g.type), ['mention', 'reblog']);
      const fromFirst = (await grouped(ann, `?account_id=${fans[0]!.id}`)).notification_groups as any[];
      assert.deepEqual(fromFirst.map((g) => g.type), ['mention', 'follow', 'favourite', 'favourite']);

      // expand_accounts=partial_avatars: the most recent actor of each group in full, the others in part.
      const partial = await grouped(ann, '?expand_accounts=partial_avatars');
      assert.deepEqual(new Set(partial.accounts.map((a: any) => a.id)), new Set(partial.notification_groups.map((g: any) => g.sample_account_ids[0])));
      for (const p of partial.partial_accounts) {
        assert.deepEqual(Object.keys(p).sort(), ['acct', 'avatar', 'avatar_static', 'bot', 'id', 'locked', 'url']);
        assert.ok(!partial.accounts.some((a: any) => a.id === p.id));
      }
      assert.equal((await c.request('GET', '/api/v2/notifications?expand_accounts=everything', { token: ann.token })).status, 400);

      // One group; its accounts; dismissing it.
      const one = (await get(ann, `/api/v2/notifications/${favs.group_key}`)).body;
      assert.equal(one.notification_groups.length, 1);
      assert.equal(one.notification_groups[0].notifications_count, 3);
      assert.equal(one.notification_groups[0].page_min_id, undefined, 'a group looked up alone is not a page');
      assert.deepEqual(one.statuses.map((s: any) => s.id), [post.id]);
      const accounts = (await get(ann, `/api/v2/notifications/${favs.group_key}/accounts`)).body;
      assert.deepEqual(accounts.map((a: any) => a.id), [fans[2]!.id, fans[1]!.id, fans[0]!.id]);
      const firstPage = await get(ann, `/api/v2/notifications/${favs.group_key}/accounts?limit=2`);
      assert.equal(firstPage.body.length, 2);
      assert.match(String(firstPage.headers.link), /rel="next"/);
      assert.equal((await get(ann, `/api/v2/notifications/${mentionGroup.group_key}`)).body.notification_groups[0].type, 'mention');
      for (const missing of ['favourite-1-1', 'ungrouped-1', 'nonsense', `${'x'.repeat(100)}-1`]) await get(ann, `/api/v2/notifications/${missing}`, 404);
      const stranger = await fresh('stranger');
      await get(stranger, `/api/v2/notifications/${favs.group_key}`, 404);
      await get(stranger, `/api/v2/notifications/${mentionGroup.group_key}`, 404);
      assert.deepEqual((await get(stranger, `/api/v2/notifications/${favs.group_key}/accounts`)).body, []);
      await send(stranger, 'POST', `/api/v2/notifications/${favs.group_key}/dismiss`);
      assert.equal((await grouped(ann, '?types[]=favourite')).notification_groups.length, 2, 'a stranger dismisses nothing of Ann\'s');
      for (let i = 0; i < 2; i++) await send(ann, 'POST', `/api/v2/notifications/${favs.group_key}/dismiss`);
      assert.deepEqual((await grouped(ann, '?types[]=favourite')).notification_groups.map((g: any) => g.group_key), [otherFav.group_key]);
      assert.equal((await v1(ann, '?types[]=favourite')).length, 1, 'every notification of the group is gone');
    });

    it('pages through groups with max_id/min_id and the Link header, and counts unread groups', async () => {
      const bea = await fresh('bea');
      const people = [await fresh('p'), await fresh('p'), await fresh('p')];
      const posts = [await c.post(bea, 'one'), await c.post(bea, 'two'), await c.post(bea, 'three')];
      for (const post of posts) for (const p of people) await send(p, 'POST', `/api/v1/statuses/${post.id}/favourite`);
      // Newest first: favourites of post three, two, one (each a group of three).
      const first = await get(bea, '/api/v2/notifications?limit=2');
      assert.deepEqual(first.body.notification_groups.map((g: any) => g.status_id), [posts[2]!.id, posts[1]!.id]);
      assert.ok(first.body.notification_groups.every((g: any) => g.notifications_count === 3));
      const next = /<([^>]+)>; rel="next"/.exec(String(first.headers.link))![1]!;
      const url = new URL(next);
      assert.equal(url.pathname, '/api/v2/notifications');
      // A page ends at its oldest group's newest notification, so that group's older notifications
      // make it again on the next page, as on Mastodon (clients merge groups by key); it counts what
      // lies at or below the page's top.
      const second = (await get(bea, url.pathname + url.search)).body;
      assert.deepEqual(second.notification_groups.map((g: any) => g.status_id), [posts[1]!.id, posts[0]!.id]);
      assert.deepEqual(second.notification_groups.map((g: any) => g.group_key), first.body.notification_groups.slice(1).map((g: any) => g.group_key).concat(`favourite-${posts[0]!.id}-${hour()}`));
      assert.deepEqual(second.notification_groups.map((g: any) => g.notifications_count), [2, 3]);
      const prev = /<([^>]+)>; rel="prev"/.exec(String(first.headers.link))![1]!;
      assert.deepEqual((await get(bea, new URL(prev).pathname + new URL(prev).search)).body.notification_groups, [], 'nothing newer yet');
      const sinceFirst = first.body.notification_groups[1].page_max_id;
      const newer = (await grouped(bea, `?min_id=${sinceFirst}`)).notification_groups as any[];
      assert.deepEqual(newer.map((g) => g.status_id), [posts[2]!.id]);

      // Unread groups count from the notifications marker.
      assert.equal((await get(bea, '/api/v2/notifications/unread_count')).body.count, 3);
      assert.equal((await get(bea, '/api/v1/notifications/unread_count')).body.count, 9, 'v1 counts notifications, v2 groups');
      assert.equal((await get(bea, '/api/v2/notifications/unread_count?grouped_types[]=follow')).body.count, 9, 'favourites not grouped: each counts');
      assert.equal((await get(bea, '/api/v2/notifications/unread_count?limit=2')).body.count, 2);
      await send(bea, 'POST', '/api/v1/markers', { notifications: { last_read_id: first.body.notification_groups[1].page_max_id } });
      assert.equal((await get(bea, '/api/v2/notifications/unread_count')).body.count, 1);
      const empty = await grouped(await fresh('nobody'));
      assert.deepEqual(empty, { accounts: [], statuses: [], notification_groups: [] });
      for (const q of ['limit=0', 'limit=x', 'max_id=abc']) assert.ok((await c.request('GET', `/api/v2/notifications?${q}`, { token: bea.token })).status >= 400, q);
    });

    it('joins a group begun less than 12 hours ago, and starts a new one after', async () => {
      const cal = await fresh('cal');
      const liker = await fresh('liker');
      const post = await c.post(cal, 'slow burner');
      const other = await fresh('other');
      // A favourite eleven hours ago began a group; one twelve hours ago began another, now closed.
      const insert = (from: User, key: string) => t.ctx.db.query(
        `insert into notifications (account_id, from_account_id, type, status_id, group_key) values ($1, $2, 'favourite', $3, $4)`, [cal.id, from.id, post.id, key]);
      await insert(other, `favourite-${post.id}-${hour() - 11}`);
      await send(liker, 'POST', `/api/v1/statuses/${post.id}/favourite`);
      const [group] = (await grouped(cal)).notification_groups;
      assert.equal(group.group_key, `favourite-${post.id}-${hour() - 11}`);
      assert.equal(group.notifications_count, 2);

      const dan = await fresh('dan');
      const later = await c.post(dan, 'another slow burner');
      await t.ctx.db.query(`insert into notifications (account_id, from_account_id, type, status_id, group_key) values ($1, $2, 'favourite', $3, $4)`,
        [dan.id, other.id, later.id, `favourite-${later.id}-${hour() - 12}`]);
      await send(liker, 'POST', `/api/v1/statuses/${later.id}/favourite`);
      const keys = (await grouped(dan)).notification_groups.map((g: any) => g.group_key);
      assert.deepEqual(keys, [`favourite-${later.id}-${hour()}`, `favourite-${later.id}-${hour() - 12}`]);
    });

    it('the policy filters, drops and accepts; requests hold what was filtered until accepted or dismissed', async () => {
      const eve = await fresh('eve');
      const friend = await fresh('friend');
      const strangers = [await fresh('str'), await fresh('str')];
      await follow(eve, friend);

      const defaults = (await get(eve, '/api/v2/notifications/policy')).body;
      assert.deepEqual(defaults, {
        for_not_following: 'accept', for_not_followers: 'accept', for_new_accounts: 'accept', for_private_mentions: 'filter', for_limited_accounts: 'filter',
        summary: { pending_requests_count: 0, pending_notifications_count: 0 },
      });
      // A private mention from someone Eve does not follow is filtered by default; from a friend, not.
      const dm = await c.post(strangers[0]!, `@${eve.username} psst`, { visibility: 'direct' });
      await c.post(friend, `@${eve.username} psst too`, { visibility: 'direct' });
      assert.deepEqual((await v1(eve)).map((x) => x.account.id), [friend.id]);
      assert.deepEqual((await grouped(eve)).notification_groups.map((g: any) => g.sample_account_ids[0]), [friend.id]);
      assert.equal((await v1(eve, '?include_filtered=true')).length, 2);
      assert.equal((await grouped(eve, '?include_filtered=true')).notification_groups.length, 2);
      assert.equal((await get(eve, '/api/v1/notifications/unread_count')).body.count, 1, 'filtered notifications are not unread');
      // A private mention that replies to Eve's own post is a response, not unsolicited.
      const own = await c.post(eve, `@${strangers[1]!.username} hello there`, { visibility: 'direct' });
      await c.post(strangers[1]!, `@${eve.username} hi back`, { visibility: 'direct', in_reply_to_id: own.id });
      assert.equal((await v1(eve)).length, 2);

      // Filter everyone Eve does not follow; PUT works as PATCH does, and `summary` sent back is ignored.
      const updated = await send(eve, 'PUT', '/api/v2/notifications/policy', { ...defaults, for_not_following: 'filter' });
      assert.equal(updated.for_not_following, 'filter');
      assert.equal(updated.for_private_mentions, 'filter');
      assert.deepEqual(updated.summary, { pending_requests_count: 1, pending_notifications_count: 1 });
      await send(eve, 'PATCH', '/api/v2/notifications/policy', { for_not_following: 'sometimes' }, 422);
      await send(eve, 'PATCH', '/api/v2/notifications/policy', { for_new_accounts: 5 }, 422);
      const post = await c.post(eve, 'hello world');
      await send(strangers[0]!, 'POST', `/api/v1/statuses/${post.id}/favourite`);
      await send(strangers[0]!, 'POST', `/api/v1/accounts/${eve.id}/follow`);
      await send(friend, 'POST', `/api/v1/statuses/${post.id}/favourite`);
      const policy = (await get(eve, '/api/v2/notifications/policy')).body;
      assert.deepEqual(policy.summary, { pending_requests_count: 1, pending_notifications_count: 3 });
      const v1Policy = (await get(eve, '/api/v1/notifications/policy')).body;
      assert.deepEqual(v1Policy, { filter_not_following: true, filter_not_followers: false, filter_new_accounts: false, filter_private_mentions: true, summary: policy.summary });

      const requests = (await get(eve, '/api/v1/notifications/requests')).body;
      assert.equal(requests.length, 1);
      const [request] = requests;
      assert.equal(request.account.id, strangers[0]!.id);
      assert.equal(request.notifications_count, '3');
      assert.equal(request.last_status.id, post.id);
      assert.deepEqual((await get(eve, `/api/v1/notifications/requests/${request.id}`)).body.id, request.id);
      // Nobody else sees, accepts or dismisses Eve's requests.
      const mallory = await fresh('mallory');
      await get(mallory, `/api/v1/notifications/requests/${request.id}`, 404);
      await send(mallory, 'POST', `/api/v1/notifications/requests/${request.id}/accept`, {}, 404);
      await send(mallory, 'POST', '/api/v1/notifications/requests/dismiss', { id: [request.id] });
      assert.equal((await get(eve, '/api/v1/notifications/requests')).body.length, 1);
      await get(eve, '/api/v1/notifications/requests/abc', 404);

      // Accepting merges the three into the list, lets the sender through from then on, and a retry
      // with the same Idempotency-Key succeeds again.
      const key = { 'idempotency-key': `accept-${request.id}` };
      await send(eve, 'POST', `/api/v1/notifications/requests/${request.id}/accept`, {}, 200, key);
      await send(eve, 'POST', `/api/v1/notifications/requests/${request.id}/accept`, {}, 200, key);
      await send(eve, 'POST', `/api/v1/notifications/requests/${request.id}/accept`, {}, 404);
      assert.deepEqual((await get(eve, '/api/v1/notifications/requests/merged')).body, { merged: true });
      assert.equal((await v1(eve, `?account_id=${strangers[0]!.id}`)).length, 3);
      await send(strangers[0]!, 'POST', `/api/v1/statuses/${post.id}/reblog`);
      assert.equal((await v1(eve, `?account_id=${strangers[0]!.id}`)).length, 4, 'accepted senders pass from then on');
      assert.deepEqual((await get(eve, '/api/v2/notifications/policy')).body.summary, { pending_requests_count: 0, pending_notifications_count: 0 });

      // Dismissing deletes what was held; the sender's next filtered notification opens a new request.
      await send(strangers[1]!, 'POST', `/api/v1/statuses/${post.id}/favourite`);
      const [second] = (await get(eve, '/api/v1/notifications/requests')).body;
      assert.equal(second.account.id, strangers[1]!.id);
      await send(eve, 'POST', '/api/v1/notifications/requests/dismiss', { id: [second.id] });
      assert.deepEqual((await get(eve, '/api/v1/notifications/requests')).body, []);
      assert.equal((await v1(eve, `?include_filtered=true&account_id=${strangers[1]!.id}`)).length, 1, 'only the reply from before the policy changed');
      await send(eve, 'POST', '/api/v1/notifications/requests/accept', { id: ['abc'] }, 404);

      // drop: not recorded at all.
      await send(eve, 'PATCH', '/api/v2/notifications/policy', { for_not_following: 'drop' });
      const before = (await v1(eve, '?include_filtered=true')).length;
      await send(mallory, 'POST', `/api/v1/statuses/${post.id}/favourite`);
      assert.equal((await v1(eve, '?include_filtered=true')).length, before);
      assert.deepEqual((await get(eve, '/api/v1/notifications/requests')).body, []);
      // v1 policy writes booleans.
      const v1Updated = await send(eve, 'PATCH', '/api/v1/notifications/policy', { filter_not_following: false, filter_new_accounts: true });
      assert.equal(v1Updated.filter_not_following, false);
      assert.equal((await get(eve, '/api/v2/notifications/policy')).body.for_new_accounts, 'filter');
      assert.equal(dm.visibility, 'direct');
    });

    it('for_not_followers counts a follower only once their follow is three days old, as Mastodon does', async () => {
      const ida = await fresh('ida');
      const [newcomer, old, stranger] = [await fresh('newf'), await fresh('oldf'), await fresh('strf')];
      await send(ida, 'PATCH', '/api/v2/notifications/policy', { for_not_followers: 'filter' });
      await follow(newcomer, ida);
      await follow(old, ida);
      // Follow ids are times (pagination.ts firstIdAt): this one is made four days old.
      const fourDaysAgo = (BigInt(Date.now() - 4 * 86_400_000) << 16n).toString();
      await t.ctx.db.query('update follows set id = $1 where account_id = $2 and target_account_id = $3', [fourDaysAgo, old.id, ida.id]);
      for (const sender of [newcomer, old, stranger]) await c.post(sender, `@${ida.username} hello`);
      const mentionsFrom = async (query = '') => (await v1(ida, query)).filter((x) => x.type === 'mention').map((x) => x.account.id);
      assert.deepEqual(await mentionsFrom(), [old.id]);
      assert.deepEqual((await mentionsFrom('?include_filtered=true')).sort(), [newcomer.id, old.id, stranger.id].sort());
    });

    it('requests from someone since blocked are hidden, and filtered notifications never reach the stream or the unread count', async () => {
      const fay = await fresh('fay');
      const pest = await fresh('pest');
      await send(fay, 'PATCH', '/api/v2/notifications/policy', { for_not_following: 'filter' });
      const post = await c.post(fay, 'hi');
      await send(pest, 'POST', `/api/v1/statuses/${post.id}/favourite`);
      assert.equal((await get(fay, '/api/v1/notifications/requests')).body.length, 1);
      await send(fay, 'POST', `/api/v1/accounts/${pest.id}/block`);
      assert.deepEqual((await get(fay, '/api/v1/notifications/requests')).body, []);
      assert.equal((await get(fay, '/api/v2/notifications/policy')).body.summary.pending_requests_count, 0);
      assert.equal((await get(fay, '/api/v2/notifications/unread_count')).body.count, 0);
    });
  });
}
