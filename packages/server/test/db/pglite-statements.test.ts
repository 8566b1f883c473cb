// PGlite runs each SQL text as a named prepared statement (db/pglite-statements.ts): same answers and
// errors as PGlite's own query(), plans kept, a bounded number of statements, transactions respected.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PGlite, types } from '@electric-sql/pglite';
import { MAX_PREPARED, PgliteStatements } from '@firebreak/server/db/pglite-statements.js';

describe('PGlite named statements', () => {
  let pg: PGlite;
  let statements: PgliteStatements;
  const prepared = async () => Number((await pg.query<{ n: string }>('select count(*) as n from pg_prepared_statements')).rows[0]!.n);

  before(async () => {
    pg = await PGlite.create({ parsers: { [types.INT8]: (v: string) => v } });
    statements = new PgliteStatements(pg);
    await pg.exec(`create table things (id bigint primary key, name text not null, tags text[], doc jsonb, at timestamptz, ok boolean, raw bytea)`);
  });
  after(async () => { await pg.close(); });

  it('answers every type the way PGlite query() does, parameters and nulls included', async () => {
    const insert = 'insert into things (id, name, tags, doc, at, ok, raw) values ($1, $2, $3, $4, $5, $6, $7) returning *';
    const inserted = await statements.query(insert, ['9007199254740993', 'first', ['a', 'b,c'], { n: 1, s: 'x' }, new Date('2026-01-02T03:04:05.678Z'), true, Buffer.from([0, 1, 255])]);
    await statements.query(insert, ['2', 'second', null, null, null, null, null]);
    const select = 'select *, array_length(tags, 1) as n_tags, $1::int + 1 as plus from things where id = any($2::bigint[]) order by id';
    const params = [41, ['2', '9007199254740993']];
    const ours = await statements.query(select, params);
    const theirs = (await pg.query(select, params)).rows;
    assert.deepEqual(ours, theirs);
    assert.equal(inserted[0]!.id, '9007199254740993', 'int8 stays a string');
    assert.deepEqual(ours[1]!.tags, ['a', 'b,c']);
    assert.deepEqual(ours[1]!.doc, { n: 1, s: 'x' });
    assert.equal((ours[1]!.at as Date).toISOString(), '2026-01-02T03:04:05.678Z');
    assert.deepEqual([...(ours[1]!.raw as Uint8Array)], [0, 1, 255]);
    assert.equal(ours[0]!.plus, 42);
    assert.deepEqual(await statements.query('delete from things where id = $1', ['2']), [], 'a statement with no rows answers []');
  });

  it('keeps the plan: a statement run again is not planned again, and turns generic', async () => {
    const sql = 'select name from things where id = $1';
    for (let i = 0; i < 8; i++) assert.deepEqual(await statements.query(sql, ['9007199254740993']), [{ name: 'first' }]);
    const [row] = (await pg.query<{ generic_plans: string; custom_plans: string }>('select generic_plans, custom_plans from pg_prepared_statements where statement = $1', [sql])).rows;
    assert.ok(row, 'the statement is prepared once, by name');
    assert.ok(Number(row.generic_plans) >= 3, `PostgreSQL reuses a generic plan: ${JSON.stringify(row)}`);
  });

  it('refuses bad SQL and broken constraints with PostgreSQL errors, and goes on working', async () => {
    await assert.rejects(statements.query('selec 1'), (e: any) => e.code === '42601');
    await assert.rejects(statements.query('insert into things (id, name) values ($1, $2)', ['9007199254740993', 'dup']), (e: any) => e.code === '23505');
    await assert.rejects(statements.query('select $1::int', ['not a number']), (e: any) => e.code === '22P02');
    assert.deepEqual(await statements.query('select count(*)::int as n from things'), [{ n: 1 }]);
  });

  it('prepares a statement again when its table changed shape under it', async () => {
    await pg.exec('create table shapes (id int primary key)');
    await statements.query('insert into shapes values (1)');
    assert.deepEqual(await statements.query('select * from shapes'), [{ id: 1 }]);
    await pg.exec(`alter table shapes add column label text not null default 'x'`);
    await assert.rejects(statements.query('select * from shapes'), (e: any) => e.code === '0A000', 'PostgreSQL refuses the old plan');
    assert.deepEqual(await statements.query('select * from shapes'), [{ id: 1, label: 'x' }]);
  });

  it('keeps at most MAX_PREPARED statements, and runs an evicted one again', async () => {
    for (let i = 0; i < MAX_PREPARED + 20; i++) assert.deepEqual(await statements.query(`select ${i}::int as i`), [{ i }]);
    assert.equal(statements.size, MAX_PREPARED);
    assert.equal(await prepared(), MAX_PREPARED, 'evicted statements are closed in PGlite too');
    assert.deepEqual(await statements.query('select 0::int as i'), [{ i: 0 }]);
  });

  it('runs inside a transaction, and a statement outside it waits for its end', async () => {
    const order: string[] = [];
    let outside: Promise<unknown> | undefined;
    await pg.transaction(async () => {
      await statements.inTransaction('insert into things (id, name) values ($1, $2)', ['3', 'third']);
      outside = statements.query('select count(*)::int as n from things').then((rows) => { order.push('outside'); return rows; });
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(await statements.inTransaction('select name from things where id = $1', ['3']), [{ name: 'third' }]);
      order.push('transaction');
    });
    assert.deepEqual(await outside, [{ n: 2 }], 'the outside statement saw the committed row, not a half-done transaction');
    assert.deepEqual(order, ['transaction', 'outside']);
    await assert.rejects(pg.transaction(async () => {
      await statements.inTransaction('insert into things (id, name) values ($1, $2)', ['4', 'fourth']);
      await statements.inTransaction('insert into things (id, name) values ($1, $2)', ['4', 'again']);
    }), (e: any) => e.code === '23505');
    assert.deepEqual(await statements.query('select count(*)::int as n from things where id = $1', ['4']), [{ n: 0 }], 'rolled back');
  });
});
