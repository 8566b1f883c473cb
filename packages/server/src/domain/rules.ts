// The server's rules: what the instance shows at /api/v1/instance/rules and what a report may cite
// (category `violation`). Set by the owner's command line (`firebreak admin rule add|remove`).
import type { Db, Queryable } from '../db/index.js';

export interface RuleRow { id: string; text: string; hint: string }

export const RULE_LIMITS = { text: 300, hint: 1000, count: 100 };

export function listRules(db: Queryable): Promise<RuleRow[]> {
  return db.query<RuleRow>('select id, text, hint from server_rules where deleted_at is null order by id');
}

/** The rules among `ids` that exist (deleted ones included: an old report still cites them). */
export async function rulesById(db: Queryable, ids: string[]): Promise<Map<string, RuleRow>> {
  if (ids.length === 0) return new Map();
  const rows = await db.query<RuleRow>('select id, text, hint from server_rules where id = any($1::bigint[])', [[...new Set(ids)]]);
  return new Map(rows.map((r) => [r.id, r]));
}

export async function addRule(db: Db, text: string, hint: string): Promise<RuleRow> {
  const [row] = await db.transaction((tx) => tx.query<RuleRow>('insert into server_rules (text, hint) values ($1, $2) returning id, text, hint', [text, hint]));
  return row!;
}

/** Rules are never deleted, only retired, so that the reports that cite them still read right. */
export async function removeRule(db: Db, id: string): Promise<boolean> {
  const rows = await db.transaction((tx) => tx.query('update server_rules set deleted_at = now() where id = $1 and deleted_at is null returning id', [id]));
  return rows.length > 0;
}
