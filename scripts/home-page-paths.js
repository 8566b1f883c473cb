#!/usr/bin/env node
// Side by side in one process, on one database connection, without HTTP: a home page found and
// hydrated by one statement (homeTimeline + renderPage, what the API does for a page the feed holds
// whole) against the same page read and then hydrated by two (homeTimelineRows + renderStatuses, what
// it does for any other page). Prints, per round and path: wall time, the app's CPU and PostgreSQL's
// CPU (every postgres process on the machine, from /proc) per page. Point it at a database with the
// bench's dataset and built feeds, e.g. a copy of ~/.cache/firebreak-bench/postgres-medium-*:
//   DATABASE_URL=postgres://postgres@127.0.0.1:5498/postgres node scripts/home-page-paths.js [rounds] [pages]
// (BENCHMARKS.md, "One statement per home page").
import { readdirSync, readFileSync } from 'node:fs';
import { loadConfig } from '@firebreak/server/config.js';
import { openDb } from '@firebreak/server/db/index.js';
import { renderPage, renderStatuses } from '@firebreak/server/api/render.js';
import { EntityCache } from '@firebreak/server/domain/entity-cache.js';
import { newFilterCache } from '@firebreak/server/domain/filters.js';
import { homeTimeline, homeTimelineRows } from '@firebreak/server/domain/timelines.js';

if (!process.env.DATABASE_URL) throw new Error('set DATABASE_URL to a database with the bench dataset');
const [rounds, pages] = [Number(process.argv[2] ?? 5), Number(process.argv[3] ?? 3000)];
const config = loadConfig({ DATABASE_URL: process.env.DATABASE_URL }, { dbPoolSize: 1 });
const db = await openDb(config);
const ctx = { config, db, homeFeedsBuilding: new Set(), entityCache: new EntityCache(config.entityCacheBytes), filterCache: newFilterCache() };
const viewers = (await db.query('select id::text as id from accounts where home_feed_floor is not null order by id limit 200')).map((r) => r.id);
if (viewers.length === 0) throw new Error('no account has a built home feed: run the bench on this database first');

/** CPU ticks (10 ms) of every postgres process. */
function postgresTicks() {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (!readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('postgres')) continue;
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch { /* gone meanwhile */ }
  }
  return ticks;
}

const paths = {
  'one statement': async (v) => renderPage(ctx, v, await homeTimeline(ctx, v, { limit: 20 }), 'home'),
  'two statements': async (v) => renderStatuses(ctx, v, await homeTimelineRows(ctx, v, { limit: 20 }), 'home'),
};
// Warm both: the caches, the prepared statements and their generic plans.
for (const v of viewers) for (const read of Object.values(paths)) await read(v);
for (let round = 1; round <= rounds; round++) {
  for (const [name, read] of Object.entries(paths)) {
    const [cpu, started, ticks] = [process.cpuUsage(), performance.now(), postgresTicks()];
    let statuses = 0;
    for (let i = 0; i < pages; i++) statuses += (await read(viewers[i % viewers.length])).length;
    const wall = (performance.now() - started) / pages;
    const used = process.cpuUsage(cpu);
    const app = (used.user + used.system) / 1000 / pages;
    const postgres = ((postgresTicks() - ticks) * 10) / pages;
    console.log(`round ${round} ${name.padEnd(14)} ${wall.toFixed(3)} ms wall, app CPU ${app.toFixed(3)} ms, PostgreSQL CPU ${postgres.toFixed(3)} ms per page (${(statuses / pages).toFixed(1)} statuses)`);
  }
}
await db.close();
