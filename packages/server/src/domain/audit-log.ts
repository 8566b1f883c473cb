// The moderation audit log: every action a moderator takes, written in the transaction that takes
// it, so the log never misses an action nor holds one that did not happen. Mastodon keeps the same
// log (admin_action_logs) and shows it in its admin pages; it has no client API for it, so ours is a
// Firebreak addition (GET /api/v1/admin/action_logs) that the web UI's moderation area reads.
import type { Queryable } from '../db/index.js';
import { keysetPage, type PageParams } from './pagination.js';

export type AuditTarget = 'Account' | 'Report' | 'Invite' | 'IpBlock' | 'EmailDomainBlock' | 'CanonicalEmailBlock' | 'Settings' | 'Rule' | 'AccountWarning';

export interface ActionLogRow {
  id: string; account_id: string | null; action: string; target_type: AuditTarget; target_id: string | null; summary: string; created_at: Date;
}

/** Records `action` by `actorId` (null: the command line) on a target; `summary` names it for people (a username, an address). */
export async function logAction(tx: Queryable, actorId: string | null, action: string, targetType: AuditTarget, targetId: string | null, summary: string): Promise<void> {
  await tx.query('insert into admin_action_logs (account_id, action, target_type, target_id, summary) values ($1, $2, $3, $4, $5)',
    [actorId, action, targetType, targetId, summary.slice(0, 500)]);
}

export interface ActionLogFilters { accountId?: string; targetAccountId?: string }

/** Newest first. `targetAccountId`: what was done to one account (its history in the moderation area). */
export function listActionLogs(db: Queryable, filters: ActionLogFilters, page: PageParams): Promise<ActionLogRow[]> {
  const params: unknown[] = [];
  const conditions: string[] = [];
  if (filters.accountId) { params.push(filters.accountId); conditions.push(`l.account_id = $${params.length}`); }
  if (filters.targetAccountId) { params.push(filters.targetAccountId); conditions.push(`l.target_type = 'Account' and l.target_id = $${params.length}`); }
  return keysetPage<ActionLogRow>(db, page, 'l.id', params, (k) =>
    `select l.id, l.account_id, l.action, l.target_type, l.target_id, l.summary, l.created_at from admin_action_logs l
     where ${[...conditions, k.where].join(' and ')} order by ${k.order} limit ${k.limit}`);
}
