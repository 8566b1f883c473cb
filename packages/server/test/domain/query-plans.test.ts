// Statements that must keep one generic plan whatever their parameters, because planning them anew on
// every call cost more than running them (BENCHMARKS.md, "Planned once"): hydration of a page of one
// status (the answer to a post, a favourite, a reblog, a status looked up: 2.3 ms of PostgreSQL CPU per
// post against 0.2 ms to run it), a hashtag timeline's page for any hashtag and viewer (2 to 4 ms
// against 0.1), a home timeline's page of any size (3 ms against 0.2) and a drain of the feed outbox
// of any size (0.5 ms, a sixth of the drain). PostgreSQL's own count of each prepared statement's
// custom and generic plans, on the connection that ran it (a pool of one), says which it used. The
// tests' small tables reproduce the first two (without their changes: 13 and 12 custom plans); the
// last two looked dearer as custom plans only with the bench's dataset, so here they check the pages
// and drains at every size, and that the plan stays generic. An account's statuses, for any account,
// viewer and size, are held to the same (12 custom plans without the opaque parameters). And the plan
// a home or public page keeps must check authors' suspensions through the index of limited accounts,
// never by reading every account (BENCHMARKS.md, "Suspensions checked from an index"). A page's
// statement must not ask per status for the bookmarks and muted threads of a viewer who has none, nor
// for pins of others' posts (BENCHMARKS.md, "Flags asked once"). On PGlite and on real PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Db } from '@firebreak/server/db/index.js';
import { drainFeedOutbox } from '@firebreak/server/domain/feed-outbox.js';
import { homeTimeline, publicTimeline } from '@firebreak/server/domain/timelines.js';
import { eventually } from '../eventually.js';
import { backends, Client, makeUser, homeFeedBuilt, startApp, type TestApp, type User } from '@firebreak/testkit/app.js';

for (const backend of backends()) {
  describe(`query plans (${backend})`, () => {
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
      await assertGeneric(t, 'with page as (select s.id, s.reblog_of_id, s.quote_of_id, s.account_id', reads);
    });

    it('pages every hashtag timeline from one generic plan after the first five', async () => {
      const client = new Client(t.app);
      const author = await makeUser(t.ctx);
      const tags = Array.from({ length: 12 }, (_, i) => `plannedtag${i}`);
      for (const tag of tags) await client.expect(author, 'POST', '/api/v1/statuses', { status: `about #${tag}` });
      for (const tag of tags) {
        const res = await client.expect(null, 'GET', `/api/v1/timelines/tag/${tag}`);
        assert.deepEqual(res.body.map((s: { content: string }) => s.content), [`<p>about <a href="https://firebreak.test/tags/${tag}" class="mention hashtag" rel="tag">#<span>${tag}</span></a></p>`]);
      }
      await assertGeneric(t, 'from statuses s join status_tags st on st.status_id = s.id', tags.length);
    });

    it('pages home timelines of any size from one generic plan, however the first five pages were sized', async () => {
      const client = new Client(t.app);
      const [reader, author] = [await makeUser(t.ctx), await makeUser(t.ctx)];
      await client.expect(reader, 'POST', `/api/v1/accounts/${author.id}/follow`);
      const posts: string[] = [];
      for (let i = 0; i < 5; i++) posts.unshift((await client.expect(author, 'POST', '/api/v1/statuses', { status: `paged ${i}` })).body.id);
      // The first read builds the feed (in the background); pages come from it once it is there.
      await readHomeUntilBuilt(t, client, reader);
      const limits = [1, 1, 1, 1, 1, 1, 20, 20, 3, 40, 20, 2];
      for (const limit of limits) {
        const res = await client.expect(reader, 'GET', `/api/v1/timelines/home?limit=${limit}`);
        assert.deepEqual(res.body.map((s: { id: string }) => s.id), posts.slice(0, limit));
      }
      await assertGeneric(t, 'feed_page as (select a.home_feed_floor as floor', limits.length);
    });

    it('pages every account\'s statuses from one generic plan, for anonymous and signed-in viewers and any size', async () => {
      const client = new Client(t.app);
      const reader = await makeUser(t.ctx);
      const authors = [await makeUser(t.ctx), await makeUser(t.ctx), await makeUser(t.ctx)];
      for (const author of authors) for (let i = 0; i < 3; i++) await client.expect(author, 'POST', '/api/v1/statuses', { status: `by ${author.username} ${i}` });
      const reads = 12;
      for (let i = 0; i < reads; i++) {
        const author = authors[i % authors.length]!;
        const limit = [1, 20, 2, 40][i % 4]!;
        const res = await client.expect(i % 2 ? reader : null, 'GET', `/api/v1/accounts/${author.id}/statuses?limit=${limit}`);
        assert.deepEqual(res.body.map((s: { content: string }) => s.content), [2, 1, 0].slice(0, limit).map((n) => `<p>by ${author.username} ${n}</p>`));
      }
      await assertGeneric(t, 's.account_id = (select $2::bigint)::bigint', reads);
    });

    it('drains the feed outbox from one generic plan whatever the batch size', async () => {
      const client = new Client(t.app);
      const author = await makeUser(t.ctx);
      const drains = 12;
      for (let i = 0; i < drains; i++) {
        await client.expect(author, 'POST', '/api/v1/statuses', { status: `queued ${i}` });
        // The app's own worker may drain it first; this drain then finds nothing, and still runs.
        assert.notEqual(await drainFeedOutbox(t.ctx.db, 1 + i), null);
      }
      await assertGeneric(t, 'delete from feed_outbox o using', drains);
    });

    it('asks whether authors are suspended without reading every account', async () => {
      // Enough accounts that reading them all costs far more than the index of the few that moderation limited.
      await t.ctx.db.query(`insert into accounts (username, email, password_hash, note)
        select 'plannedfiller' || i, 'plannedfiller' || i || '@example.invalid', '-', repeat('x', 200) from generate_series(1, 3000) i`);
      await t.ctx.db.query('analyze accounts');
      const client = new Client(t.app);
      const [reader, author] = [await makeUser(t.ctx), await makeUser(t.ctx)];
      await client.expect(reader, 'POST', `/api/v1/accounts/${author.id}/follow`);
      await client.expect(author, 'POST', '/api/v1/statuses', { status: 'read by index' });
      await readHomeUntilBuilt(t, client, reader);
      const { db, recorded } = recording(t.ctx.db);
      const home = await homeTimeline({ ...t.ctx, db }, reader.id, { limit: 20 });
      assert.equal(home.rows.length, 1);
      await publicTimeline(db, reader.id, { limit: 20 });
      const statements = recorded.filter((r) => r.sql.includes('suspended_at'));
      assert.equal(statements.length, 2, 'the home page statement (hydrated in it) and the public timeline page');
      for (const { sql, params } of statements) {
        const plan = await genericPlan(t.ctx.db, sql, params);
        assert.ok(plan.includes('accounts_limited_idx'), plan);
        assert.ok(!/Seq Scan on accounts/.test(plan), plan);
      }
    });

    it('asks for bookmarks and muted threads once a page when the viewer has none, and for pins only of their own posts', async () => {
      const client = new Client(t.app);
      const [reader, author] = [await makeUser(t.ctx), await makeUser(t.ctx)];
      await client.expect(reader, 'POST', `/api/v1/accounts/${author.id}/follow`);
      const theirs: string[] = [];
      for (let i = 0; i < 4; i++) theirs.push((await client.expect(author, 'POST', '/api/v1/statuses', { status: `flagged ${i}` })).body.id);
      const mine = (await client.expect(reader, 'POST', '/api/v1/statuses', { status: 'my own' })).body.id;
      await client.expect(reader, 'POST', `/api/v1/statuses/${mine}/pin`);
      await readHomeUntilBuilt(t, client, reader);
      /** How many times the page's statement probed each table for one status (null: never), and the flags the page showed. */
      const probes = async () => {
        const { db, recorded } = recording(t.ctx.db);
        const home = await homeTimeline({ ...t.ctx, db }, reader.id, { limit: 20 });
        assert.equal(home.rows.length, 5);
        const page = recorded.find((r) => r.sql.includes('as bookmarked'))!;
        const plan = await analyzedPlan(t.ctx.db, page.sql, page.params);
        const loops = (table: string, alias: string) => {
          const found = new RegExp(`on ${table} ${alias}(?:_\\d+)? \\((never executed|actual rows=[\\d.]+ loops=(\\d+))\\)`).exec(plan);
          assert.ok(found, `${table} ${alias} in\n${plan}`);
          return found[1] === 'never executed' ? null : Number(found[2]);
        };
        const flags = (name: 'bookmarked' | 'muted' | 'pinned') => home.rows.filter((r) => home.batch?.[name].has(r.id)).map((r) => r.id);
        return { bookmarks: loops('bookmarks', 'b'), mutes: loops('thread_mutes', 'tm'), pins: loops('status_pins', 'p'), bookmarked: flags('bookmarked'), muted: flags('muted'), pinned: flags('pinned') };
      };
      const none = await probes();
      assert.deepEqual(none, { bookmarks: null, mutes: null, pins: 1, bookmarked: [], muted: [], pinned: [mine] });
      await client.expect(reader, 'POST', `/api/v1/statuses/${theirs[1]}/bookmark`);
      await client.expect(reader, 'POST', `/api/v1/statuses/${theirs[2]}/mute`);
      const some = await probes();
      assert.deepEqual(some, { bookmarks: 5, mutes: 5, pins: 1, bookmarked: [theirs[1]], muted: [theirs[2]], pinned: [mine] });
    });
  });
}

/** Reads the reader's home timeline once, which builds their feed in the background, and waits (up to 5 s) for it to be built. */
async function readHomeUntilBuilt(t: TestApp, client: Client, reader: User): Promise<void> {
  await client.expect(reader, 'GET', '/api/v1/timelines/home');
  await eventually(() => homeFeedBuilt(t.ctx, reader.id), true, 'the home feed is built', 5000);
}

/** `db`, recording every statement run through it with its parameters. */
function recording(db: Db): { db: Db; recorded: Array<{ sql: string; params: unknown[] }> } {
  const recorded: Array<{ sql: string; params: unknown[] }> = [];
  const recorder: Db = Object.create(db);
  recorder.query = (sql, params = []) => { recorded.push({ sql, params }); return db.query(sql, params); };
  return { db: recorder, recorded };
}

/** The one prepared statement whose text contains `fragment` ran `calls` times, all but PostgreSQL's five trial runs on its generic plan. */
async function assertGeneric(t: TestApp, fragment: string, calls: number): Promise<void> {
  // (This statement's own text contains the fragment too.)
  const plans = await t.ctx.db.query<{ generic_plans: string; custom_plans: string }>(
    `select generic_plans, custom_plans from pg_prepared_statements where strpos(statement, $1) > 0 and statement not like '%pg_prepared_statements%'`, [fragment]);
  assert.equal(plans.length, 1, `one prepared statement with "${fragment}" on the only connection`);
  const { generic_plans: generic, custom_plans: custom } = plans[0]!;
  // PostgreSQL tries five custom plans before it weighs a generic one.
  assert.ok(Number(custom) + Number(generic) >= calls, `runs: ${custom} + ${generic}`);
  assert.ok(Number(custom) <= 5, `custom plans: ${custom}`);
  assert.ok(Number(generic) >= calls - 5, `generic plans: ${generic}`);
}

/** What running `sql` with its generic plan did: each node's rows and loops (or that it never ran). */
async function analyzedPlan(db: Db, sql: string, params: unknown[]): Promise<string> {
  return explainGeneric(db, sql, params, 'analyze, costs off, timing off, summary off');
}

/** The plan PostgreSQL keeps for `sql` once it plans it generically, as the app's prepared statements run after their first five calls. */
async function genericPlan(db: Db, sql: string, params: unknown[]): Promise<string> {
  return explainGeneric(db, sql, params, 'costs off');
}

async function explainGeneric(db: Db, sql: string, params: unknown[], options: string): Promise<string> {
  const literal = (v: unknown) => (v === null || v === undefined ? 'null' : typeof v === 'number' ? String(v) : `'${String(v).replace(/'/g, "''")}'`);
  return db.transaction(async (tx) => {
    await tx.query('set local plan_cache_mode = force_generic_plan');
    await tx.query(`prepare planned_generic as ${sql}`);
    try {
      const rows = await tx.query<{ 'QUERY PLAN': string }>(`explain (${options}) execute planned_generic(${params.map(literal).join(', ')})`);
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    } finally {
      await tx.query('deallocate planned_generic');
    }
  });
}
