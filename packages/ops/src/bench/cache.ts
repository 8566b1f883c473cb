// Generated datasets are kept between runs, so a rerun of the same scale skips generation (medium takes
// minutes). A cached dataset is a cleanly stopped database directory (PostgreSQL's data directory or
// PGlite's) plus meta.json, keyed by backend, scale and a hash of the generator's source, so a changed
// generator never reuses an old dataset. meta.json lists the migrations the copy holds, by content:
// newer code copies it and applies only the missing migrations (which also exercises them on a database
// full of data), then stores that result for next time. A copy whose migrations are not a prefix of
// the current ones (a migration was edited) is never used.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrations } from '@firebreak/server/db/migrations/index.js';
import type { DatasetSummary, Scale } from '@firebreak/testkit/dataset.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);

export function defaultCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'firebreak-bench');
}

/** What identifies a dataset: backend, scale and the generator that made it. */
function datasetPrefix(backend: string, scale: Scale): string {
  const generator = readFileSync(fileURLToPath(import.meta.resolve('@firebreak/testkit/dataset.js')), 'utf8');
  return `${backend}-${scale.name}-${sha(generator + JSON.stringify(scale))}-`;
}

const migrationIds = () => migrations.map((m) => `${m.version}:${sha(m.sql)}`);

interface Meta { summary: DatasetSummary; migrations: string[] }

export interface CachedDataset { dataDir: string; summary: DatasetSummary }

/** The cached dataset with the most of the current migrations applied, if any. */
export function findCached(cacheDir: string, backend: string, scale: Scale): CachedDataset | undefined {
  if (!existsSync(cacheDir)) return undefined;
  const prefix = datasetPrefix(backend, scale);
  const current = migrationIds();
  let best: { dir: string; meta: Meta } | undefined;
  for (const name of readdirSync(cacheDir).filter((n) => n.startsWith(prefix))) {
    const metaFile = join(cacheDir, name, 'meta.json');
    if (!existsSync(metaFile)) continue;
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as Meta;
    const isPrefix = meta.migrations.length <= current.length && meta.migrations.every((m, i) => m === current[i]);
    if (isPrefix && (!best || meta.migrations.length > best.meta.migrations.length)) best = { dir: join(cacheDir, name), meta };
  }
  return best && { dataDir: join(best.dir, 'data'), summary: best.meta.summary };
}

/**
 * Stores a stopped database directory holding the dataset and every current migration, replacing the
 * copies it supersedes (same dataset, fewer migrations: they would only be copied forward again).
 */
export function saveCached(cacheDir: string, backend: string, scale: Scale, dataDir: string, summary: DatasetSummary): void {
  mkdirSync(cacheDir, { recursive: true });
  const prefix = datasetPrefix(backend, scale);
  const ids = migrationIds();
  const final = join(cacheDir, prefix + sha(ids.join(',')));
  const partial = `${final}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial);
  execFileSync('cp', ['-a', '--reflink=auto', dataDir, join(partial, 'data')]);
  writeFileSync(join(partial, 'meta.json'), JSON.stringify({ summary, migrations: ids } satisfies Meta, null, 2));
  for (const name of readdirSync(cacheDir).filter((n) => n.startsWith(prefix) && !n.includes('.partial-'))) {
    const metaFile = join(cacheDir, name, 'meta.json');
    const held = existsSync(metaFile) ? (JSON.parse(readFileSync(metaFile, 'utf8')) as Meta).migrations : [];
    if (held.every((m, i) => m === ids[i])) rmSync(join(cacheDir, name), { recursive: true, force: true });
  }
  renameSync(partial, final);
}
