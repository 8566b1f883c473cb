// The home timeline query (fan-in per followed account) must return exactly what the plain definition
// returns: every status by a followed account or oneself, newest first, minus direct messages one is
// not part of, reblogs from follows with reblogs hidden, and muted or blocked accounts. The reference
// below is that definition written as one straightforward query; both run over a generated dataset
// for every account and several pages, on PGlite and on PostgreSQL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config.js';
import { openDb, type Db } from '../../src/db/index.js';
import { migrate } from '../../src/db/migrate.js';
import { freshPostgresUrl } from '../support/app.js';
import { generateDataset, type Scale } from '../../src/bench/dataset.js';
import { keyset, type PageParams } from '../../src/domain/pagination.js';
import { homeTimeline } from '../../src/domain/timelines.js';

const tiny: Scale = { name: 'tiny', accounts: 60, statuses: 4000, meanFollows: 12, tags: 10, favouritesPerStatus: 0.2 };

async function referenceHome(db: Db, viewerId: string, p: PageParams): Promise<string[]> {
  const params: unknown[] = [viewerId];
  const k = keyset(p, 's.id', params);
  const rows = await db.query<{ id: string }>(
    `select s.id from statuses s
     where s.account_id in (select target_account_id from follows where account_id = $1 union all select $1::bigint)
       and (s.visibility <> 'direct' or s.account_id = $1 or exists (select 1 from mentions m where m.status_id = s.id and m.account_id = $1))
       and (s.reblog_of_id is null or not exists (select 1 from follows fr where fr.account_id = $1 and fr.target_account_id = s.account_id and not fr.show_reblogs))
       and not exists (select 1 from mutes mu where mu.account_id = $1 and mu.target_account_id = s.account_id)
       and not exists (select 1 from blocks b where b.account_id = $1 and b.target_account_id = s.account_id)
       and ${k.where} order by ${k.order} limit ${k.limit}`, params);
  const ids = rows.map((r) => r.id);
  return k.ascending ? ids.reverse() : ids;
}

async function checkAgainstReference(db: Db): Promise<void> {
  await migrate(db);
  await generateDataset(db, tiny, 'http://localhost', () => {});
  // Make the cases the filters exist for common: hidden reblogs, mutes of followed accounts, blocks.
  await db.exec(`
    update follows set show_reblogs = false where hashint8(id) % 4 = 0;
    insert into mutes (account_id, target_account_id) select account_id, target_account_id from follows where hashint8(id) % 9 = 0 on conflict do nothing;
    insert into blocks (account_id, target_account_id) select account_id, target_account_id from follows where hashint8(id) % 11 = 1 on conflict do nothing;`);
  const viewers = await db.query<{ id: string }>('select id from accounts order by id');
  let compared = 0;
  for (const { id: viewer } of viewers) {
    const first = await referenceHome(db, viewer, { limit: 20 });
    assert.deepEqual((await homeTimeline(db, viewer, { limit: 20 })).map((s) => s.id), first, `first page of ${viewer}`);
    const pivot = first[Math.floor(first.length / 2)];
    if (!pivot) continue;
    for (const page of [{ limit: 7, maxId: pivot }, { limit: 7, sinceId: pivot }, { limit: 7, minId: pivot }, { limit: 40, maxId: pivot, sinceId: first[first.length - 1] }]) {
      assert.deepEqual((await homeTimeline(db, viewer, page)).map((s) => s.id), await referenceHome(db, viewer, page), `${JSON.stringify(page)} for ${viewer}`);
    }
    compared++;
  }
  assert.ok(compared > 40, `only ${compared} accounts had a home timeline to compare`);
}

test('home timeline equals the reference definition on PGlite', async () => {
  const db = await openDb(loadConfig({}), undefined, true);
  try { await checkAgainstReference(db); } finally { await db.close(); }
});

test('home timeline equals the reference definition on PostgreSQL', { skip: !process.env.FIREBREAK_TEST_DATABASE_URL && process.env.CI !== 'true' && 'no PostgreSQL' }, async () => {
  const db = await openDb(loadConfig({ DATABASE_URL: await freshPostgresUrl() }));
  try { await checkAgainstReference(db); } finally { await db.close(); }
});
