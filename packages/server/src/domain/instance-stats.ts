// The instance's counts, as discovery endpoints show them.
import type { Queryable } from '../db/index.js';

export interface Usage { users: number; statuses: number }

/** How long counts are reused. Every client asks for them first, and anonymously. */
const USAGE_TTL_MS = 60_000;

/**
 * The counts, counted at most once a minute and by one query at a time: two count(*) scans per call
 * made the cheapest-looking anonymous route a database flood (issue 5's drill).
 */
export function usageCounter(db: Queryable): () => Promise<Usage> {
  let cached: { at: number; value: Promise<Usage> } | null = null;
  const count = async (): Promise<Usage> => {
    const [row] = await db.query<{ users: string; statuses: string }>(
      `select (select count(*) from accounts) as users, (select count(*) from statuses where reblog_of_id is null) as statuses`);
    return { users: Number(row?.users ?? 0), statuses: Number(row?.statuses ?? 0) };
  };
  return () => {
    if (!cached || Date.now() - cached.at > USAGE_TTL_MS) {
      const value = count();
      cached = { at: Date.now(), value };
      value.catch(() => { if (cached?.value === value) cached = null; }); // a failed count is not kept
    }
    return cached.value;
  };
}
