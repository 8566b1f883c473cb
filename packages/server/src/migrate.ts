// `firebreak migrate`: apply pending migrations and exit (serve also does this at start-up).
import { loadConfig } from './config.js';
import { openDb } from './db/index.js';
import { migrate } from './db/migrate.js';

export async function main(_args: string[]): Promise<number> {
  const db = await openDb(loadConfig());
  try {
    const applied = await migrate(db);
    process.stdout.write(applied.length ? `applied migrations: ${applied.join(', ')}\n` : 'database is up to date\n');
    return 0;
  } finally {
    await db.close();
  }
}
