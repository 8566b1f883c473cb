// The answer to a post is built from what the statement that created it returned (domain/hydration.ts
// hydrateFresh), without reading the post back. It must be exactly the entity a read of the post gives
// its author, whatever the post holds: mentions, hashtags new and known (in another case), media, a
// thread the author muted, a filter it matches, a private mention, a quote (which is hydrated as a page
// is). And it must not read the post back: every statement run outside the post's transaction is
// recorded, and none may touch `statuses`. An author suspended in the meantime gets no answer built
// from it. On PGlite and on real PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createStatus } from '@firebreak/server/domain/statuses.js';
import { pngWithAlpha } from '@firebreak/testkit/media-fixtures.js';
import { backends, Client, startApp, type TestApp, type User } from '@firebreak/testkit/app.js';
import { statementsOf } from '@firebreak/testkit/statements.js';

for (const backend of backends()) {
  describe(`the answer to a post on ${backend}`, () => {
    let t: TestApp;
    let c: Client;
    let ann: User;
    let bob: User;
    before(async () => {
      t = await startApp(backend);
      c = new Client(t.app);
      ann = await c.register('ann');
      bob = await c.register('Bob');
      await c.register('cyd');
    });
    after(() => t.close());

    /** Posts as ann; the answer, the statements run outside the post's transaction, and ann's read of the post right after. */
    async function post(body: Record<string, unknown>) {
      const { result: answer, statements } = await statementsOf(t.ctx.db, () => c.request('POST', '/api/v1/statuses', { token: ann.token, body }));
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      const read = await c.request('GET', `/api/v1/statuses/${answer.body.id}`, { token: ann.token });
      assert.equal(read.status, 200);
      return { answer: answer.body, read: read.body, statements };
    }

    const readsStatuses = (statements: string[]) => statements.filter((sql) => /\b(from|join)\s+statuses\b/.test(sql));

    it('is the entity a read gives, and reads no status back', async () => {
      const { answer, read, statements } = await post({ status: 'hello @bob and @cyd, about #Drills and #firebreaknew' });
      assert.deepEqual(answer, read);
      assert.deepEqual(answer.mentions.map((m: { acct: string }) => m.acct).sort(), ['Bob', 'cyd']);
      assert.deepEqual(answer.tags.map((tag: { name: string }) => tag.name).sort(), ['drills', 'firebreaknew']);
      assert.equal(answer.account.statuses_count, 1);
      assert.deepEqual(readsStatuses(statements), []);
    });

    it('shows known hashtags written in another case, and the author counters after the post', async () => {
      await post({ status: 'first #CamelCase' });
      const { answer, read, statements } = await post({ status: 'again #camelcase and #drills' });
      assert.deepEqual(answer, read);
      assert.deepEqual(answer.tags.map((tag: { name: string }) => tag.name).sort(), ['camelcase', 'drills']);
      assert.equal(answer.account.statuses_count, read.account.statuses_count);
      assert.deepEqual(readsStatuses(statements), []);
    });

    it('says muted for a reply in a thread the author muted', async () => {
      const root = await post({ status: 'a thread I will mute' });
      assert.equal((await c.request('POST', `/api/v1/statuses/${root.answer.id}/mute`, { token: ann.token })).status, 200);
      const { answer, read, statements } = await post({ status: 'a reply in it', in_reply_to_id: root.answer.id });
      assert.equal(answer.muted, true);
      assert.equal(answer.in_reply_to_id, root.answer.id);
      assert.deepEqual(answer, read);
      // The reply checks its parent inside the transaction; outside it, nothing reads a status.
      assert.deepEqual(readsStatuses(statements), []);
    });

    it('carries the filters it matches and its media', async () => {
      const filter = await c.request('POST', '/api/v2/filters', { token: ann.token, body: { title: 'spoilers', context: ['home'], filter_action: 'warn', keywords_attributes: [{ keyword: 'finale' }] } });
      assert.equal(filter.status, 200, JSON.stringify(filter.body));
      const upload = await c.request('POST', '/api/v2/media', { token: ann.token, multipart: { description: 'a square', file: { bytes: await pngWithAlpha(), filename: 'a.png', type: 'image/png' } } });
      assert.equal(upload.status, 202, JSON.stringify(upload.body));
      for (const until = Date.now() + 60_000; (await c.request('GET', `/api/v1/media/${upload.body.id}`, { token: ann.token })).status === 206;) {
        assert.ok(Date.now() < until, 'media still processing');
        await new Promise((r) => setTimeout(r, 50));
      }
      const { answer, read, statements } = await post({ status: 'the finale, pictured', media_ids: [upload.body.id] });
      assert.deepEqual(answer, read);
      assert.equal(answer.filtered[0].filter.title, 'spoilers');
      assert.equal(answer.media_attachments[0].description, 'a square');
      assert.deepEqual(readsStatuses(statements), []);
    });

    it('is the same for a private mention and for a quote', async () => {
      const direct = await post({ status: '@bob just us', visibility: 'direct' });
      assert.deepEqual(direct.answer, direct.read);
      assert.equal(direct.answer.visibility, 'direct');
      const quoted = (await c.request('POST', '/api/v1/statuses', { token: bob.token, body: { status: 'quote me' } })).body;
      const quote = await post({ status: 'quoting Bob', quoted_status_id: quoted.id });
      assert.equal(quote.answer.quote.quoted_status.id, quoted.id);
      assert.deepEqual(quote.answer, quote.read);
    });

    it('has nothing to show an author suspended after their token was checked', async () => {
      const zed = await c.register('zed');
      await t.ctx.db.query('update accounts set suspended_at = now() where id = $1', [zed.id]);
      // The route checked the token before this; the suspension came in between.
      const created = await createStatus(t.ctx, zed.id, {
        text: 'just in time', spoilerText: '', sensitive: false, visibility: 'public', language: 'en', inReplyToId: null, quotedStatusId: null, idempotencyKey: null, appId: null,
      });
      assert.equal(created.created, true);
      assert.equal(created.fresh, undefined, 'the route then reads it, and visibleTo hides it from everyone');
    });

    it('answers a retry with the status the first try made', async () => {
      const headers = { 'idempotency-key': `retry-${backend}` };
      const first = await c.request('POST', '/api/v1/statuses', { token: ann.token, body: { status: 'once #only' }, headers });
      const again = await c.request('POST', '/api/v1/statuses', { token: ann.token, body: { status: 'once #only' }, headers });
      assert.equal(again.status, 200);
      assert.equal(again.body.id, first.body.id);
      assert.deepEqual({ ...again.body, account: undefined }, { ...first.body, account: undefined });
    });
  });
}
