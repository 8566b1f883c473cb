// Followed hashtags in the home timeline, featured hashtags, endorsements, private notes, familiar
// followers, mutes that end by themselves, muted threads and conversations marked unread again;
// with their errors and limits; on PGlite and PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backends, Client, homeFeedBuilt, startApp, type TestApp, type User } from '@firebreak/testkit/app.js';
import { eventually } from '../eventually.js';

for (const backend of backends()) {
  describe(`hashtags and relationships on ${backend}`, () => {
    let t: TestApp;
    let c: Client;
    let n = 0;
    const fresh = (prefix: string) => c.register(`${prefix}${++n}`);
    const call = (user: User | null, method: string, url: string, body?: unknown, status = 200) => c.expect(user, method, url, body, status);
    const ids = (items: any[]) => items.map((x) => x.id);
    const rel = async (user: User, other: User) => (await call(user, 'GET', `/api/v1/accounts/relationships?id[]=${other.id}`)).body[0];

    before(async () => {
      t = await startApp(backend);
      c = new Client(t.app);
    });
    after(() => t.close());

    it('followed hashtags bring their public posts into home, on the feed and below it', async () => {
      const ann = await fresh('ann');
      const bob = await fresh('bob');
      const early = await c.post(bob, 'before the follow #gardening');
      assert.equal((await call(ann, 'GET', '/api/v1/tags/gardening')).body.following, false);
      const followed = (await call(ann, 'POST', '/api/v1/tags/Gardening/follow')).body;
      assert.deepEqual([followed.name, followed.following], ['gardening', true]);
      await call(ann, 'POST', '/api/v1/tags/gardening/follow'); // again: nothing changes
      await call(ann, 'POST', '/api/v1/tags/brandnewtag/follow'); // a hashtag no post used yet
      assert.deepEqual((await call(ann, 'GET', '/api/v1/followed_tags')).body.map((tag: any) => [tag.name, tag.following]), [['brandnewtag', true], ['gardening', true]]);
      const home = async () => ids((await call(ann, 'GET', '/api/v1/timelines/home?limit=40')).body);
      // The first read builds the feed in the background (fan-in answers); after it, new posts fan out.
      assert.ok((await home()).includes(early.id));
      await eventually(() => homeFeedBuilt(t.ctx, ann.id), true, 'the home feed is built', 5000);
      const later = await c.post(bob, 'after the follow #GARDENING');
      const unlisted = await c.post(bob, 'unlisted #gardening', { visibility: 'unlisted' });
      const secret = await c.post(bob, 'followers only #gardening', { visibility: 'private' });
      const fed = await home();
      assert.ok(fed.includes(later.id) && fed.includes(early.id));
      assert.ok(!fed.includes(unlisted.id) && !fed.includes(secret.id), 'only public posts come through a hashtag');
      await eventually(async () => (await t.ctx.db.query('select 1 from home_feed where account_id = $1 and status_id = $2', [ann.id, later.id])).length, 1, 'fanned out through the feed outbox');
      // Mutes and blocks still apply.
      await call(ann, 'POST', `/api/v1/accounts/${bob.id}/mute`);
      assert.ok(!(await home()).includes(later.id));
      await call(ann, 'POST', `/api/v1/accounts/${bob.id}/unmute`);
      const unfollowed = (await call(ann, 'POST', '/api/v1/tags/gardening/unfollow')).body;
      assert.equal(unfollowed.following, false);
      assert.ok(!(await home()).includes(later.id));
      assert.deepEqual((await call(ann, 'GET', '/api/v2/search?q=garden&type=hashtags')).body.hashtags[0].following, false);
      await call(ann, 'POST', '/api/v1/tags/bad%20tag/follow', undefined, 400);
      await call(null, 'POST', '/api/v1/tags/gardening/follow', undefined, 401);
    });

    it('a hashtag timeline pages newest first through its own posts only, whatever the case, as each viewer may see them', async () => {
      const ann = await fresh('ann');
      const bob = await fresh('bob');
      const mine: string[] = [];
      for (let i = 0; i < 7; i++) {
        mine.push((await c.post(i % 2 ? ann : bob, `post ${i} #Pagedtag`)).id);
        await c.post(bob, `other ${i} #pagedtagtoo #elsewhere`);
      }
      const hidden = await c.post(bob, 'followers only #pagedtag', { visibility: 'private' });
      const unlisted = await c.post(bob, 'unlisted #pagedtag', { visibility: 'unlisted' });
      const newestFirst = [...mine].reverse();
      const pages: string[][] = [];
      let url: string | undefined = '/api/v1/timelines/tag/PAGEDTAG?limit=3';
      while (url) {
        const res = await call(ann, 'GET', url);
        if (res.body.length) pages.push(ids(res.body));
        url = /<https:\/\/firebreak\.test([^>]+)>; rel="next"/.exec(String(res.headers.link ?? ''))?.[1];
      }
      assert.deepEqual(pages, [newestFirst.slice(0, 3), newestFirst.slice(3, 6), newestFirst.slice(6)]);
      assert.ok(!pages.flat().includes(hidden.id) && !pages.flat().includes(unlisted.id));
      const since = ids((await call(null, 'GET', `/api/v1/timelines/tag/pagedtag?min_id=${mine[4]}`)).body);
      assert.deepEqual(since, [mine[6], mine[5]]);
      assert.deepEqual((await call(null, 'GET', '/api/v1/timelines/tag/nosuchtagyet')).body, []);
    });

    it('featured hashtags: at most ten, with counts of one\'s posts; suggestions; public on the profile', async () => {
      const cat = await fresh('cat');
      await c.post(cat, 'first #cooking');
      await c.post(cat, 'second #cooking #baking');
      await c.post(cat, 'private #cooking', { visibility: 'private' });
      const suggestions = (await call(cat, 'GET', '/api/v1/featured_tags/suggestions')).body;
      assert.deepEqual(suggestions.map((tag: any) => tag.name), ['cooking', 'baking']);
      const featured = (await call(cat, 'POST', '/api/v1/featured_tags', { name: '#Cooking' })).body;
      assert.deepEqual(Object.keys(featured).sort(), ['id', 'last_status_at', 'name', 'statuses_count', 'url']);
      assert.deepEqual([featured.name, featured.statuses_count], ['cooking', 2]);
      assert.match(featured.last_status_at, /^\d{4}-\d\d-\d\d$/);
      assert.match((await call(cat, 'POST', '/api/v1/featured_tags', { name: 'cooking' }, 422)).body.error, /already been taken/);
      await call(cat, 'POST', '/api/v1/featured_tags', { name: 'not a tag!' }, 422);
      assert.deepEqual((await call(cat, 'GET', '/api/v1/featured_tags/suggestions')).body.map((tag: any) => tag.name), ['baking']);
      assert.deepEqual((await call(null, 'GET', `/api/v1/accounts/${cat.id}/featured_tags`)).body, [featured]);
      const dog = await fresh('dog');
      await call(dog, 'DELETE', `/api/v1/featured_tags/${featured.id}`, undefined, 404);
      for (let i = 0; i < 9; i++) await call(cat, 'POST', '/api/v1/featured_tags', { name: `topic${i}` });
      assert.match((await call(cat, 'POST', '/api/v1/featured_tags', { name: 'eleventh' }, 422)).body.error, /more than 10/);
      await call(cat, 'DELETE', `/api/v1/featured_tags/${featured.id}`);
      await call(cat, 'DELETE', `/api/v1/featured_tags/${featured.id}`, undefined, 404);
      assert.equal((await call(cat, 'GET', '/api/v1/featured_tags')).body.length, 9);
    });

    it('endorsements, private notes and familiar followers', async () => {
      const [eve, fay, gus, hal] = [await fresh('eve'), await fresh('fay'), await fresh('gus'), await fresh('hal')];
      assert.match((await call(eve, 'POST', `/api/v1/accounts/${fay.id}/endorse`, undefined, 422)).body.error, /following/);
      await call(eve, 'POST', `/api/v1/accounts/${fay.id}/follow`);
      assert.equal((await call(eve, 'POST', `/api/v1/accounts/${fay.id}/endorse`)).body.endorsed, true);
      await call(eve, 'POST', `/api/v1/accounts/${fay.id}/endorse`);
      assert.deepEqual(ids((await call(eve, 'GET', '/api/v1/endorsements')).body), [fay.id]);
      assert.deepEqual(ids((await call(null, 'GET', `/api/v1/accounts/${eve.id}/endorsements`)).body), [fay.id]);
      await call(eve, 'POST', `/api/v1/accounts/${fay.id}/unfollow`);
      assert.deepEqual((await call(eve, 'GET', '/api/v1/endorsements')).body, [], 'an unfollow ends the endorsement');
      await call(eve, 'POST', '/api/v1/accounts/99999999999/endorse', undefined, 404);

      const note = (await call(eve, 'POST', `/api/v1/accounts/${gus.id}/note`, { comment: 'met at the conference' })).body;
      assert.equal(note.note, 'met at the conference');
      assert.equal((await rel(eve, gus)).note, 'met at the conference');
      assert.equal((await rel(fay, gus)).note, '', 'a note is its writer\'s alone');
      await call(eve, 'POST', `/api/v1/accounts/${gus.id}/note`, { comment: 'x'.repeat(2001) }, 422);
      assert.equal((await call(eve, 'POST', `/api/v1/accounts/${gus.id}/note`, { comment: '' })).body.note, '');

      // Familiar followers: whom eve follows among gus's followers.
      for (const u of [fay, hal]) await call(u, 'POST', `/api/v1/accounts/${gus.id}/follow`);
      await call(eve, 'POST', `/api/v1/accounts/${hal.id}/follow`);
      const familiar = (await call(eve, 'GET', `/api/v1/accounts/familiar_followers?id[]=${gus.id}&id[]=${fay.id}`)).body;
      assert.deepEqual(familiar.map((f: any) => [f.id, ids(f.accounts)]), [[gus.id, [hal.id]], [fay.id, []]]);
      await call(eve, 'GET', '/api/v1/accounts/familiar_followers?id[]=abc', undefined, 404);
    });

    it('a mute with a duration ends by itself and says when; a muted thread stops notifying', async () => {
      const ida = await fresh('ida');
      const jon = await fresh('jon');
      await call(ida, 'POST', `/api/v1/accounts/${jon.id}/follow`);
      const muted = (await call(ida, 'POST', `/api/v1/accounts/${jon.id}/mute`, { duration: 3600 })).body;
      assert.equal(muted.muting, true);
      const [listed] = (await call(ida, 'GET', '/api/v1/mutes')).body;
      assert.ok(Math.abs(Date.parse(listed.mute_expires_at) - Date.now() - 3_600_000) < 60_000);
      const post = await c.post(jon, 'while muted');
      assert.ok(!ids((await call(ida, 'GET', '/api/v1/timelines/home')).body).includes(post.id));
      await t.ctx.db.query(`update mutes set expires_at = now() - interval '1 second' where account_id = $1`, [ida.id]);
      assert.equal((await rel(ida, jon)).muting, false, 'the mute ended');
      assert.ok(ids((await call(ida, 'GET', '/api/v1/timelines/home')).body).includes(post.id));
      assert.deepEqual((await call(ida, 'GET', '/api/v1/mutes')).body, []);
      await call(ida, 'POST', `/api/v1/accounts/${jon.id}/mute`, { duration: 0 });
      assert.equal((await call(ida, 'GET', '/api/v1/mutes')).body[0].mute_expires_at, null, '0: until unmuted');
      for (const bad of [-1, 'soon', 10 * 365 * 86_400 + 1]) await call(ida, 'POST', `/api/v1/accounts/${jon.id}/mute`, { duration: bad }, 422);
      await call(ida, 'POST', `/api/v1/accounts/${jon.id}/unmute`);

      // Muting a thread: no more notifications from it; `muted` on its posts; unmuting undoes it.
      const thread = await c.post(ida, 'a thread that gets busy');
      const mutedStatus = (await call(ida, 'POST', `/api/v1/statuses/${thread.id}/mute`)).body;
      assert.equal(mutedStatus.muted, true);
      const reply = await c.post(jon, `@${ida.username} a reply`, { in_reply_to_id: thread.id });
      const deeper = await c.post(jon, `@${ida.username} deeper`, { in_reply_to_id: reply.id });
      await call(jon, 'POST', `/api/v1/statuses/${thread.id}/favourite`);
      const notifications = (await call(ida, 'GET', '/api/v1/notifications')).body as any[];
      assert.ok(!notifications.some((x) => [thread.id, reply.id, deeper.id].includes(x.status?.id)));
      assert.equal((await call(ida, 'GET', `/api/v1/statuses/${deeper.id}`)).body.muted, true, 'the whole thread is muted');
      assert.equal((await call(jon, 'GET', `/api/v1/statuses/${deeper.id}`)).body.muted, false, 'for ida only');
      await call(ida, 'POST', `/api/v1/statuses/${reply.id}/unmute`);
      await c.post(jon, `@${ida.username} after unmuting`, { in_reply_to_id: deeper.id });
      assert.ok((await call(ida, 'GET', '/api/v1/notifications')).body.some((x: any) => x.status?.in_reply_to_id === deeper.id));
      const secret = await c.post(jon, 'private', { visibility: 'private' });
      await call(await fresh('kim'), 'POST', `/api/v1/statuses/${secret.id}/mute`, undefined, 404);
    });

    it('a conversation can be marked unread again', async () => {
      const lea = await fresh('lea');
      const max = await fresh('max');
      await c.post(lea, `@${max.username} hi`, { visibility: 'direct' });
      const [conversation] = (await call(max, 'GET', '/api/v1/conversations')).body;
      assert.equal((await call(max, 'POST', `/api/v1/conversations/${conversation.id}/read`)).body.unread, false);
      for (let i = 0; i < 2; i++) assert.equal((await call(max, 'POST', `/api/v1/conversations/${conversation.id}/unread`)).body.unread, true);
      await call(lea, 'POST', `/api/v1/conversations/${conversation.id}/unread`, undefined, 404);
    });
  });
}
