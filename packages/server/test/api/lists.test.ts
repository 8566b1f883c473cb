// Lists: CRUD with Mastodon's limits and messages, members (only accounts one follows or asked to
// follow; at most 5,000), the list timeline with its replies policy, exclusive lists leaving home,
// others' lists out of reach, and retries that never double; on PGlite and PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { trimListFeeds } from '@firebreak/server/domain/list-feed.js';
import { eventually } from '../eventually.js';
import { backends, Client, homeFeedBuilt, startApp, type TestApp, type User } from '@firebreak/testkit/app.js';

for (const backend of backends()) {
  describe(`lists on ${backend}`, () => {
    let t: TestApp;
    let c: Client;
    let n = 0;
    const fresh = (prefix: string) => c.register(`${prefix}${++n}`);
    const call = (user: User, method: string, url: string, body?: unknown, status = 200, headers: Record<string, string> = {}) => c.expect(user, method, url, body, status, headers);
    const ids = (items: any[]) => items.map((x) => x.id);
    const follow = (user: User, target: User) => call(user, 'POST', `/api/v1/accounts/${target.id}/follow`);

    before(async () => {
      t = await startApp(backend);
      c = new Client(t.app);
    });
    after(() => t.close());

    it('creates, reads, updates and deletes lists, with Mastodon\'s validations, and keeps others\' lists out of reach', async () => {
      const ann = await fresh('ann');
      const bob = await fresh('bob');
      const created = (await call(ann, 'POST', '/api/v1/lists', { title: '  Friends ', replies_policy: 'followed', exclusive: true })).body;
      assert.deepEqual(Object.keys(created).sort(), ['exclusive', 'id', 'replies_policy', 'title']);
      assert.deepEqual({ ...created, id: undefined }, { id: undefined, title: 'Friends', replies_policy: 'followed', exclusive: true });
      const plain = (await call(ann, 'POST', '/api/v1/lists', { title: 'News' })).body;
      assert.deepEqual([plain.replies_policy, plain.exclusive], ['list', false], "Mastodon's defaults");
      assert.deepEqual(ids((await call(ann, 'GET', '/api/v1/lists')).body), [created.id, plain.id]);
      assert.deepEqual((await call(ann, 'GET', `/api/v1/lists/${created.id}`)).body, created);

      const updated = (await call(ann, 'PUT', `/api/v1/lists/${plain.id}`, { title: 'Headlines', exclusive: true })).body;
      assert.deepEqual(updated, { id: plain.id, title: 'Headlines', replies_policy: 'list', exclusive: true }, 'fields not given keep their value');
      assert.equal((await call(ann, 'PUT', `/api/v1/lists/${plain.id}`, { replies_policy: 'none' })).body.title, 'Headlines');

      for (const [body, message] of [[{ title: '' }, /blank/], [{ title: 'x'.repeat(31) }, /too long/], [{}, /blank/], [{ title: 'ok', replies_policy: 'some' }, /replies_policy/], [{ title: 'ok', exclusive: 'maybe' }, /boolean/]] as const) {
        const res = await call(ann, 'POST', '/api/v1/lists', body, 422);
        assert.match(res.body.error, message);
      }
      await call(ann, 'PUT', `/api/v1/lists/${plain.id}`, { title: '   ' }, 422);
      assert.equal((await call(ann, 'POST', '/api/v1/lists', { title: 'ÿ'.repeat(30) })).body.title.length, 30, '30 characters fit');

      // Bob reaches none of Ann's lists, by any route.
      assert.deepEqual((await call(bob, 'GET', '/api/v1/lists')).body, []);
      for (const [method, url] of [['GET', `/api/v1/lists/${created.id}`], ['PUT', `/api/v1/lists/${created.id}`], ['DELETE', `/api/v1/lists/${created.id}`],
        ['GET', `/api/v1/lists/${created.id}/accounts`], ['POST', `/api/v1/lists/${created.id}/accounts`], ['DELETE', `/api/v1/lists/${created.id}/accounts`],
        ['GET', `/api/v1/timelines/list/${created.id}`]] as const) {
        await call(bob, method, url, method === 'GET' ? undefined : { title: 'mine now', account_ids: [bob.id] }, 404);
      }
      assert.equal((await call(ann, 'GET', `/api/v1/lists/${created.id}`)).body.title, 'Friends', 'unchanged');
      for (const bad of ['abc', '99999999999999999999', '1']) await call(ann, 'GET', `/api/v1/lists/${bad}`, undefined, 404);

      // A retried creation (same Idempotency-Key) gets the same list; a retried delete succeeds again.
      const key = { 'idempotency-key': 'create-once' };
      const first = (await call(ann, 'POST', '/api/v1/lists', { title: 'Once' }, 200, key)).body;
      const again = (await call(ann, 'POST', '/api/v1/lists', { title: 'Once' }, 200, key)).body;
      assert.deepEqual(again, first);
      assert.equal((await call(ann, 'GET', '/api/v1/lists')).body.filter((l: any) => l.title === 'Once').length, 1);
      const del = { 'idempotency-key': 'delete-once' };
      await call(ann, 'DELETE', `/api/v1/lists/${first.id}`, undefined, 200, del);
      await call(ann, 'DELETE', `/api/v1/lists/${first.id}`, undefined, 200, del);
      await call(ann, 'DELETE', `/api/v1/lists/${first.id}`, undefined, 404);
      await call(ann, 'GET', `/api/v1/lists/${first.id}`, undefined, 404);

      // At most 50 lists.
      const owner = await fresh('many');
      await t.ctx.db.query(`insert into lists (account_id, title) select $1, 'l' || i from generate_series(1, 50) i`, [owner.id]);
      assert.match((await call(owner, 'POST', '/api/v1/lists', { title: 'one too many' }, 422)).body.error, /maximum number of lists/);
    });

    it('members: accounts one follows or asked to follow, once each, at most 5,000; unfollowing or blocking takes them out', async () => {
      const cat = await fresh('cat');
      const [dan, eve, fay, gus] = [await fresh('dan'), await fresh('eve'), await fresh('fay'), await fresh('gus')];
      await follow(cat, dan);
      await follow(cat, eve);
      await call(gus, 'PATCH', '/api/v1/accounts/update_credentials', { locked: true });
      await follow(cat, gus); // a request: allowed, as on Mastodon
      const list = (await call(cat, 'POST', '/api/v1/lists', { title: 'Mine' })).body;
      const members = `/api/v1/lists/${list.id}/accounts`;

      await call(cat, 'POST', members, { account_ids: [dan.id, eve.id] });
      await call(cat, 'POST', members, { account_ids: [cat.id, gus.id] });
      assert.deepEqual(ids((await call(cat, 'GET', members)).body), [gus.id, cat.id, eve.id, dan.id], 'newest first');
      await call(cat, 'POST', members, { account_ids: [fay.id] }, 404); // not followed
      await call(cat, 'POST', members, { account_ids: ['99999999999'] }, 404);
      await call(cat, 'POST', members, { account_ids: ['nope'] }, 404);
      assert.match((await call(cat, 'POST', members, { account_ids: [dan.id] }, 422)).body.error, /already been taken/);
      await call(cat, 'POST', members, { account_ids: [fay.id, dan.id] }, 404);
      assert.equal((await call(cat, 'GET', members)).body.length, 4, 'all or nothing');
      // A retried addition (same key) succeeds again instead of 422.
      await follow(cat, fay);
      const key = { 'idempotency-key': 'add-fay' };
      await call(cat, 'POST', members, { account_ids: [fay.id] }, 200, key);
      await call(cat, 'POST', members, { account_ids: [fay.id] }, 200, key);

      const page = await call(cat, 'GET', `${members}?limit=2`);
      assert.deepEqual(ids(page.body), [fay.id, gus.id]);
      const next = new URL(/<([^>]+)>; rel="next"/.exec(String(page.headers.link))![1]!);
      assert.deepEqual(ids((await call(cat, 'GET', next.pathname + next.search)).body), [cat.id, eve.id]);
      assert.equal((await call(cat, 'GET', `${members}?limit=0`)).body.length, 5, 'limit=0: every member');

      assert.deepEqual(ids((await call(cat, 'GET', `/api/v1/accounts/${dan.id}/lists`)).body), [list.id]);
      assert.deepEqual((await call(dan, 'GET', `/api/v1/accounts/${dan.id}/lists`)).body, [], 'only one\'s own lists');
      await call(cat, 'GET', '/api/v1/accounts/99999999999/lists', undefined, 404);

      // Removing (from the body or, as Tusky sends it, the query string); removing twice changes nothing.
      await call(cat, 'DELETE', members, { account_ids: [eve.id] });
      await call(cat, 'DELETE', `${members}?account_ids[]=${cat.id}`);
      await call(cat, 'DELETE', members, { account_ids: [eve.id] });
      assert.deepEqual(ids((await call(cat, 'GET', members)).body).sort(), [dan.id, fay.id, gus.id].sort());
      // Unfollowing, a rejected request and a block take accounts out.
      await call(cat, 'POST', `/api/v1/accounts/${dan.id}/unfollow`);
      await call(gus, 'POST', `/api/v1/follow_requests/${cat.id}/reject`);
      await call(fay, 'POST', `/api/v1/accounts/${cat.id}/block`);
      assert.deepEqual((await call(cat, 'GET', members)).body, []);

      // At most 5,000 members.
      const big = (await call(cat, 'POST', '/api/v1/lists', { title: 'Big' })).body;
      await t.ctx.db.query(`insert into accounts (username, email, password_hash) select 'member' || i || $1, 'member' || i || $1 || '@x.test', 'x' from generate_series(1, 5000) i`, [n]);
      await t.ctx.db.query(`insert into list_accounts (list_id, account_id) select $1, id from accounts where username like 'member%' || $2 limit 5000`, [big.id, String(n)]);
      await follow(cat, eve);
      assert.match((await call(cat, 'POST', `/api/v1/lists/${big.id}/accounts`, { account_ids: [eve.id] }, 422)).body.error, /at most 5000/);
      assert.equal((await call(cat, 'GET', `/api/v1/lists/${big.id}/accounts?limit=0`)).body.length, 5000);
    });

    it('the list timeline shows members\' posts with the replies policy, and exclusive members leave home', async () => {
      const hal = await fresh('hal');
      const [ida, jon, kim, out] = [await fresh('ida'), await fresh('jon'), await fresh('kim'), await fresh('out')];
      for (const u of [ida, jon, kim, out]) await follow(hal, u);
      const list = (await call(hal, 'POST', '/api/v1/lists', { title: 'Crew' })).body;
      await call(hal, 'POST', `/api/v1/lists/${list.id}/accounts`, { account_ids: [ida.id, jon.id] });
      const timeline = async (query = '') => ids((await call(hal, 'GET', `/api/v1/timelines/list/${list.id}${query}`)).body);

      const idaPost = await c.post(ida, 'from ida');
      const outPost = await c.post(out, 'from outside');
      const idaPrivate = await c.post(ida, 'ida, followers only', { visibility: 'private' });
      const toJon = await c.post(ida, `@${jon.username} a reply to a member`, { in_reply_to_id: (await c.post(jon, 'jon starts')).id });
      const toKim = await c.post(ida, `@${kim.username} a reply to someone hal follows`, { in_reply_to_id: (await c.post(kim, 'kim starts')).id });
      const toOut = await c.post(jon, `@${out.username} reply to someone followed too`, { in_reply_to_id: outPost.id });
      const toHal = await c.post(jon, `@${hal.username} a reply to the owner`, { in_reply_to_id: (await c.post(hal, 'hal starts')).id });
      const selfThread = await c.post(ida, 'ida continues', { in_reply_to_id: idaPost.id });
      const stranger = await fresh('stranger');
      const toStranger = await c.post(jon, `@${stranger.username} a reply to a stranger`, { in_reply_to_id: (await c.post(stranger, 'stranger starts')).id });

      const all = await timeline();
      assert.ok(all.includes(idaPost.id) && all.includes(idaPrivate.id) && all.includes(selfThread.id) && all.includes(toHal.id) && all.includes(toJon.id));
      assert.ok(!all.includes(outPost.id), 'not a member');
      assert.ok(!all.includes(toKim.id) && !all.includes(toOut.id) && !all.includes(toStranger.id), "'list': replies to members only");
      await call(hal, 'PUT', `/api/v1/lists/${list.id}`, { replies_policy: 'followed' });
      const followed = await timeline();
      assert.ok(followed.includes(toKim.id) && followed.includes(toOut.id) && followed.includes(toJon.id));
      assert.ok(!followed.includes(toStranger.id), 'hal does not follow the stranger');
      await call(hal, 'PUT', `/api/v1/lists/${list.id}`, { replies_policy: 'none' });
      const none = await timeline();
      assert.ok(!none.includes(toJon.id) && !none.includes(toKim.id));
      assert.ok(none.includes(toHal.id) && none.includes(selfThread.id), 'replies to the owner and self-threads stay');

      // Pagination through the Link header, newest first.
      const first = await call(hal, 'GET', `/api/v1/timelines/list/${list.id}?limit=2`);
      assert.equal(first.body.length, 2);
      const next = new URL(/<([^>]+)>; rel="next"/.exec(String(first.headers.link))![1]!);
      const second = ids((await call(hal, 'GET', next.pathname + next.search)).body);
      assert.ok(second.every((id) => BigInt(id) < BigInt(first.body[1].id)));
      assert.deepEqual(await timeline(`?min_id=${first.body[1].id}`), [first.body[0].id]);

      // The list's feed: built on the first read (meanwhile read by fan-in), then filled through the
      // feed outbox (read from it until then); below its floor the timeline is read by fan-in, seamlessly.
      for (let i = 0; i < 50 && (await t.ctx.db.query('select feed_floor from lists where id = $1', [list.id]))[0]?.feed_floor === null; i++) await new Promise((r) => setTimeout(r, 20));
      const fannedOut = await c.post(ida, 'fanned out to the list');
      assert.ok((await timeline()).includes(fannedOut.id), 'in the list once acknowledged');
      await eventually(async () => (await t.ctx.db.query('select 1 from list_feed where list_id = $1 and status_id = $2', [list.id, fannedOut.id])).length, 1, 'in the list\'s feed once drained');
      const everything = await timeline('?limit=40');
      await trimListFeeds(t.ctx.db, 2);
      assert.deepEqual(await timeline('?limit=40'), everything, 'above and below the floor, the same timeline');
      const [top] = everything;
      assert.deepEqual(await timeline(`?max_id=${top}&limit=3`), everything.slice(1, 4));

      // Muting a member hides them here too; a mute that ended does not.
      await call(hal, 'POST', `/api/v1/accounts/${ida.id}/mute`);
      assert.ok(!(await timeline()).includes(idaPost.id));
      await call(hal, 'POST', `/api/v1/accounts/${ida.id}/unmute`);

      // Exclusive: members' posts leave home (the feed and the fan-in below it); hal's own posts stay.
      const home = async () => ids((await call(hal, 'GET', '/api/v1/timelines/home?limit=40')).body);
      assert.ok((await home()).includes(idaPost.id));
      // The first read builds hal's home feed in the background: what follows is read from it.
      await eventually(() => homeFeedBuilt(t.ctx, hal.id), true, 'the home feed is built', 5000);
      await call(hal, 'PUT', `/api/v1/lists/${list.id}`, { exclusive: true });
      const exclusiveHome = await home();
      assert.ok(!exclusiveHome.includes(idaPost.id) && !exclusiveHome.includes(toHal.id), 'members of an exclusive list leave home');
      assert.ok(exclusiveHome.includes(outPost.id));
      await call(hal, 'POST', `/api/v1/lists/${list.id}/accounts`, { account_ids: [hal.id] });
      const own = await c.post(hal, 'hal posts');
      assert.ok((await home()).includes(own.id), 'one\'s own posts stay home');
      assert.ok((await timeline()).includes(idaPost.id), 'the list still shows them');
    });
  });
}
