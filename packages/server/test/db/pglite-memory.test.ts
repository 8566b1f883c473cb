// PGlite's PostgreSQL runs on V8's baseline WASM code only (db/pglite.ts, keepPostgresOnBaselineCode):
// optimizing one of its functions took a 604 MB compiler zone. V8 says what it compiles when asked to
// trace, so a child opens PGlite through the driver, works it hard enough that V8 would tier it up
// (without the flags it optimized 359 functions in this work), and reports.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';

const driver = new URL('../../src/db/pglite.js', import.meta.url).href;

const work = `
  const { openPglite } = await import(${JSON.stringify(driver)});
  const db = await openPglite(undefined);
  await db.exec("create table t (id int primary key, v text); insert into t select g, md5(g::text) from generate_series(1, 20000) g");
  for (let i = 0; i < 3000; i++) await db.query('select v from t where id = $1 or v like $2 order by id limit 20', [i, 'ab%']);
  await db.close();`;

describe('PGlite in the app server', () => {
  it('runs PostgreSQL on baseline code: V8 compiles none of it with its optimizing compiler', () => {
    const trace = execFileSync(process.execPath, ['--trace-wasm-compilation-times', '--input-type=module', '-e', work], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const compiled = (tier: string) => trace.split('\n').filter((line) => line.includes(`using ${tier}`)).length;
    assert.ok(compiled('Liftoff') > 100, `the trace shows the baseline compiler at work (${compiled('Liftoff')} functions)`);
    assert.equal(compiled('TurboFan'), 0);
  });
});
