// The per-page hydration statement (domain/hydration.ts) must keep one generic plan for a page of one
// status (what answers a post, a favourite, a reblog, a status looked up): planned anew on every call
// it cost 2.3 ms of PostgreSQL CPU per post, against 0.2 ms to run it. PostgreSQL's own count of
// each prepared statement's custom and generic plans, on the connection that ran it (a pool of one),
// says which it used. On PGlite and on real PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backends, Client, makeUser, startApp, type TestApp } from '@firebreak/testkit/app.js';

for (const backend of backends()) {
  describe(`hydration plans (${backend})`, () => {
    let t: TestApp;
    before(async () => { t = await startApp(backend, { dbPoolSize: 1 }); });
    after(async () => { await t?.close(); });

    it('answers single statuses from a generic plan after the first five', async () => {
      const client = new Client(t.app);
      const author = await makeUser(t.ctx);
      const post = await client.expect(author, 'POST', '/api/v1/statuses', { status: 'planned once' });
      const reads = 12;
      for (let i = 0; i < reads; i++) {
        const res = await client.expect(author, 'GET', `/api/v1/statuses/${post.body.id}`);
        assert.equal(res.body.content, '<p>planned once</p>');
      }
      // (This statement's own text matches the pattern too.)
      const plans = await t.ctx.db.query<{ generic_plans: string; custom_plans: string }>(
        `select generic_plans, custom_plans from pg_prepared_statements
         where statement like '%with page as (select s.id, s.reblog_of_id, s.quote_of_id from statuses s%' and statement not like '%pg_prepared_statements%'`);
      assert.equal(plans.length, 1, 'the hydration statement is prepared on the only connection');
      const { generic_plans: generic, custom_plans: custom } = plans[0]!;
      // PostgreSQL tries five custom plans before it weighs a generic one.
      assert.ok(Number(custom) <= 5, `custom plans: ${custom}`);
      assert.ok(Number(generic) >= reads - 5, `generic plans: ${generic}`);
    });
  });
}
