// Direct-message conversations (GET/DELETE /api/v1/conversations, POST .../:id/read): who sees which
// conversation, unread state, deleting one side, status deletes, pagination; on PGlite and PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addToConversations } from '@firebreak/server/domain/conversations.js';
import { backends, Client, deadlocksRetried, startApp, type TestApp, type User } from '@firebreak/testkit/app.js';
import { statementsOf } from '@firebreak/testkit/statements.js';

for (const backend of backends()) {
  describe(`conversations on ${backend}`, () => {
    let t: TestApp;
    let c: Client;
    let n = 0;
    const fresh = (prefix: string) => c.register(`${prefix}${++n}`);
    const list = async (user: User, query = '') => {
      const res = await c.request('GET', `/api/v1/conversations${query}`, { token: user.token });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body as any[];
    };
    const dm = (from: User, to: User[], text: string, extra: Record<string, unknown> = {}) =>
      c.post(from, `${to.map((u) => `@${u.username}`).join(' ')} ${text}`, { visibility: 'direct', ...extra });
    const ids = (accounts: any[]) => accounts.map((a) => a.id).sort();

    before(async () => {
      t = await startApp(backend);
      c = new Client(t.app);
    });
    after(() => t.close());

    it('a direct message makes one conversation per participant: unread for the recipient, read for the author, never seen by others', async () => {
      const ann = await fresh('ann');
      const ben = await fresh('ben');
      const cat = await fresh('cat');
      assert.deepEqual(await list(ben), []);
      const first = await dm(ann, [ben], 'psst');

      const [benConv, ...more] = await list(ben);
      assert.equal(more.length, 0);
      assert.equal(benConv.unread, true);
      assert.deepEqual(ids(benConv.accounts), [ann.id]);
      assert.equal(benConv.accounts[0].username, ann.username);
      assert.equal(benConv.last_status.id, first.id);
      assert.equal(benConv.last_status.visibility, 'direct');
      assert.equal(benConv.last_status.account.id, ann.id);
      const [annConv] = await list(ann);
      assert.equal(annConv.unread, false, 'the author has read what she wrote');
      assert.deepEqual(ids(annConv.accounts), [ben.id]);
      assert.equal(annConv.last_status.id, first.id);
      assert.notEqual(annConv.id, benConv.id, 'each side has its own conversation');

      // A third user sees nothing and cannot touch either side's conversation.
      assert.deepEqual(await list(cat), []);
      for (const id of [benConv.id, annConv.id]) {
        for (const [method, url] of [['POST', `/api/v1/conversations/${id}/read`], ['DELETE', `/api/v1/conversations/${id}`]] as const) {
          const res = await c.request(method, url, { token: cat.token });
          assert.equal(res.status, 404, `${method} ${url}`);
          assert.equal(typeof res.body.error, 'string');
        }
      }
      assert.equal((await list(ben))[0].unread, true, 'unchanged by the third user');

      // A reply lands in the same conversation; now Ann has something unread and Ben (who wrote) has not.
      const reply = await dm(ben, [ann], 'hello back', { in_reply_to_id: first.id });
      const [benAfter] = await list(ben);
      assert.equal(benAfter.id, benConv.id);
      assert.equal(benAfter.unread, false);
      assert.equal(benAfter.last_status.id, reply.id);
      const [annAfter] = await list(ann);
      assert.equal(annAfter.id, annConv.id);
      assert.equal(annAfter.unread, true);
      assert.equal(annAfter.last_status.id, reply.id);

      // Marking read answers with the conversation, and is idempotent.
      for (let i = 0; i < 2; i++) {
        const read = await c.request('POST', `/api/v1/conversations/${annConv.id}/read`, { token: ann.token });
        assert.equal(read.status, 200);
        assert.equal(read.body.id, annConv.id);
        assert.equal(read.body.unread, false);
        assert.equal(read.body.last_status.id, reply.id);
        assert.deepEqual(ids(read.body.accounts), [ben.id]);
      }
      assert.equal((await list(ann))[0].unread, false);

      // Other visibilities never make conversations, even when they mention someone.
      for (const visibility of ['public', 'unlisted', 'private']) await c.post(ann, `@${cat.username} not a dm`, { visibility });
      assert.deepEqual(await list(cat), []);
    });

    it('groups by the set of participants; a note to oneself shows oneself', async () => {
      const ann = await fresh('ann');
      const ben = await fresh('ben');
      const cat = await fresh('cat');
      const pair = await dm(ann, [ben], 'just us');
      const group = await dm(ann, [ben, cat], 'all three');
      const [benGroup, benPair] = await list(ben);
      assert.equal(benGroup.last_status.id, group.id, 'newest activity first');
      assert.deepEqual(ids(benGroup.accounts), [ann.id, cat.id].sort());
      assert.equal(benPair.last_status.id, pair.id);
      assert.deepEqual(ids(benPair.accounts), [ann.id]);
      const [catGroup, ...catMore] = await list(cat);
      assert.equal(catMore.length, 0);
      assert.deepEqual(ids(catGroup.accounts), [ann.id, ben.id].sort());
      // Cat answers the group (mentioning both, in another order): same conversation for everyone.
      const answer = await dm(cat, [ben, ann], 'hi both');
      assert.equal((await list(ben))[0].id, benGroup.id);
      assert.equal((await list(ben))[0].last_status.id, answer.id);
      assert.equal((await list(ann)).length, 2);

      const note = await c.post(ann, 'remember the milk', { visibility: 'direct' });
      const [own] = await list(ann);
      assert.equal(own.last_status.id, note.id);
      assert.deepEqual(ids(own.accounts), [ann.id]);
      assert.equal(own.unread, false);
    });

    it('deleting a conversation hides it for one side only, and a new message brings it back', async () => {
      const ann = await fresh('ann');
      const ben = await fresh('ben');
      await dm(ann, [ben], 'one');
      const [benConv] = await list(ben);
      const deleted = await c.request('DELETE', `/api/v1/conversations/${benConv.id}`, { token: ben.token, headers: { 'idempotency-key': `del-${benConv.id}` } });
      assert.equal(deleted.status, 200);
      assert.deepEqual(deleted.body, {});
      const retried = await c.request('DELETE', `/api/v1/conversations/${benConv.id}`, { token: ben.token, headers: { 'idempotency-key': `del-${benConv.id}` } });
      assert.equal(retried.status, 200, 'a retried delete answers as the first did');
      assert.equal((await c.request('DELETE', `/api/v1/conversations/${benConv.id}`, { token: ben.token })).status, 404, 'gone');
      assert.equal((await c.request('POST', `/api/v1/conversations/${benConv.id}/read`, { token: ben.token })).status, 404);
      assert.deepEqual(await list(ben), []);
      assert.equal((await list(ann)).length, 1, 'Ann keeps hers');

      const two = await dm(ann, [ben], 'two');
      const [back] = await list(ben);
      assert.equal(back.unread, true);
      assert.equal(back.last_status.id, two.id);
      assert.deepEqual(ids(back.accounts), [ann.id]);
    });

    it('deleting a status moves last_status back to the previous one, or drops a conversation left empty', async () => {
      const ann = await fresh('ann');
      const ben = await fresh('ben');
      const first = await dm(ann, [ben], 'first');
      const [benConv] = await list(ben);
      await c.request('DELETE', `/api/v1/conversations/${benConv.id}`, { token: ben.token });
      const second = await dm(ann, [ben], 'second');
      const [annConv] = await list(ann);
      assert.equal(annConv.last_status.id, second.id);

      assert.equal((await c.request('DELETE', `/api/v1/statuses/${second.id}`, { token: ann.token })).status, 200);
      const [annAfter] = await list(ann);
      assert.equal(annAfter.id, annConv.id);
      assert.equal(annAfter.last_status.id, first.id, 'falls back to the previous status');
      assert.deepEqual(await list(ben), [], "Ben's conversation (recreated by the deleted status alone) is gone");

      assert.equal((await c.request('DELETE', `/api/v1/statuses/${first.id}`, { token: ann.token })).status, 200);
      assert.deepEqual(await list(ann), [], 'nothing left: no conversation pointing at a deleted status');
      assert.equal((await c.request('POST', `/api/v1/conversations/${annConv.id}/read`, { token: ann.token })).status, 404);
    });

    it('nothing reaches a recipient who blocks the sender', async () => {
      const ann = await fresh('ann');
      const ben = await fresh('ben');
      await c.request('POST', `/api/v1/accounts/${ann.id}/block`, { token: ben.token });
      await dm(ann, [ben], 'are you there?');
      assert.deepEqual(await list(ben), []);
      assert.equal((await list(ann)).length, 1, 'the sender still has her side');
    });

    it('paginates newest first with limit, max_id/min_id and the Link header, in a fixed number of queries', async () => {
      const dan = await fresh('dan');
      const friends: User[] = [];
      for (let i = 0; i < 5; i++) friends.push(await fresh('pal'));
      const sent = [];
      for (const friend of friends) sent.push(await dm(dan, [friend], 'hi'));
      const newestFirst = sent.map((s) => s.id).reverse();

      const res = await c.request('GET', '/api/v1/conversations?limit=2', { token: dan.token });
      assert.deepEqual(res.body.map((x: any) => x.last_status.id), newestFirst.slice(0, 2));
      const link = String(res.headers.link);
      assert.match(link, /rel="next"/);
      assert.match(link, /rel="prev"/);
      const seen: string[] = [];
      for (let url: string | undefined = '/api/v1/conversations?limit=2'; url;) {
        const page = await c.request('GET', url, { token: dan.token });
        assert.ok(page.body.length <= 2);
        seen.push(...page.body.map((x: any) => x.last_status.id));
        const next = /<([^>]+)>; rel="next"/.exec(String(page.headers.link ?? ''))?.[1];
        url = page.body.length ? next && new URL(next).pathname + new URL(next).search : undefined;
      }
      assert.deepEqual(seen, newestFirst);
      const newer = await c.request('GET', `/api/v1/conversations?min_id=${newestFirst[3]}&limit=2`, { token: dan.token });
      assert.deepEqual(newer.body.map((x: any) => x.last_status.id), newestFirst.slice(1, 3));
      assert.deepEqual((await list(dan, `?since_id=${newestFirst[1]}`)).map((x) => x.last_status.id), newestFirst.slice(0, 1));
      assert.equal((await list(dan, '?limit=1000')).length, 5, 'limit is capped, not refused');
      assert.equal((await c.request('GET', '/api/v1/conversations?limit=abc', { token: dan.token })).status, 400);

      // No query per conversation: a page of five costs what a page of one does.
      const queries = async (limit: number) => {
        const { result, statements } = await statementsOf(t.ctx.db, () => list(dan, `?limit=${limit}`));
        assert.equal(result.length, limit);
        return statements.length;
      };
      const one = await queries(1);
      assert.ok(one > 0, 'queries were counted');
      assert.equal(await queries(5), one);
    });

    // PGlite is one connection: nothing there is filed at the same moment.
    if (backend === 'postgres') it('direct messages between the same people, filed at the same moment, never deadlock', async () => {
      const people = [await fresh('dla'), await fresh('dlb'), await fresh('dlc'), await fresh('dld')];
      const posts: string[] = [];
      for (const author of people) posts.push((await dm(author, people.filter((p) => p !== author), 'all of us')).id as string);
      const before = await deadlocksRetried(t.ctx);
      // Each author's status filed again for everyone, all four at once: each statement locks the same four rows.
      for (let round = 0; round < 40; round++) {
        await Promise.all(people.map((author, i) => t.ctx.db.transaction((tx) => addToConversations(tx, posts[i]!, author.id, people.filter((p) => p !== author).map((p) => p.id)))));
      }
      assert.equal(await deadlocksRetried(t.ctx) - before, 0, 'transactions retried after a deadlock');
      assert.equal((await list(people[0]!)).length, 1);
    });

    // The status service posts and deletes a direct message as one account from every DC at once.
    if (backend === 'postgres') it('direct messages posted and deleted by one account at the same moment never deadlock', async () => {
      const [author, reader] = [await fresh('pda'), await fresh('pdb')];
      const before = await deadlocksRetried(t.ctx);
      await Promise.all([0, 1, 2, 3].map(async () => {
        for (let round = 0; round < 15; round++) {
          const posted = await dm(author, [reader], 'posted and deleted');
          assert.equal((await c.request('DELETE', `/api/v1/statuses/${posted.id}`, { token: author.token })).status, 200);
        }
      }));
      assert.equal(await deadlocksRetried(t.ctx) - before, 0, 'transactions retried after a deadlock');
      assert.deepEqual(await list(reader), []);
    });
  });
}
