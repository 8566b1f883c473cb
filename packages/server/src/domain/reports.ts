// Reports: anyone may report an account (and posts of it they can see) to the moderators, who are
// told at once (admin.report) and work through the queue (assign, resolve, reopen). Filing is safe to
// retry: with an Idempotency-Key the same report comes back, never a second one.
import type { AppContext } from '../context.js';
import type { Queryable, Tx } from '../db/index.js';
import { notFound, unprocessable } from '../errors.js';
import { logAction } from './audit-log.js';
import { publishNotifications } from './events.js';
import { idempotentWrite } from './idempotency.js';
import { notifyStaff } from './notifications.js';
import { keysetPage, type PageParams } from './pagination.js';
import { roleIdsWith } from './roles.js';
import { visibleTo } from './visibility.js';

export const REPORT_CATEGORIES = ['spam', 'legal', 'violation', 'other'] as const;
export type ReportCategory = (typeof REPORT_CATEGORIES)[number];

/** Mastodon's default comment limit; statuses and rules a report may carry. */
export const REPORT_LIMITS = { comment: 1000, statuses: 100, rules: 50 };

export interface ReportRow {
  id: string; account_id: string; target_account_id: string; status_ids: string[]; rule_ids: string[];
  category: ReportCategory; comment: string; forwarded: boolean;
  assigned_account_id: string | null; action_taken_at: Date | null; action_taken_by_account_id: string | null;
  created_at: Date; updated_at: Date;
}

const REPORT_COLUMNS = `r.id, r.account_id, r.target_account_id, r.status_ids::text[] as status_ids, r.rule_ids::text[] as rule_ids, r.category, r.comment,
  r.forwarded, r.assigned_account_id, r.action_taken_at, r.action_taken_by_account_id, r.created_at, r.updated_at`;

export interface NewReport { targetId: string; statusIds: string[]; ruleIds: string[]; category: ReportCategory | undefined; comment: string }

/**
 * Mastodon's rules: rules cited make it a `violation` whatever category was given, and a
 * `violation` must cite rules that exist.
 */
async function validRules(db: Queryable, input: NewReport): Promise<{ category: ReportCategory; ruleIds: string[] }> {
  const category = input.ruleIds.length ? 'violation' : input.category ?? 'other';
  if (category !== 'violation') return { category, ruleIds: [] };
  const rules = await db.query<{ id: string }>('select id from server_rules where id = any($1::bigint[]) and deleted_at is null', [input.ruleIds]);
  if (input.ruleIds.length === 0 || rules.length !== new Set(input.ruleIds).size) {
    throw unprocessable('Validation failed: Rule ids does not reference valid rules', { rule_ids: [{ error: 'ERR_INVALID', description: 'does not reference valid rules' }] });
  }
  return { category, ruleIds: [...new Set(input.ruleIds)] };
}

/**
 * Files a report. The posts must be the reported account's and visible to the reporter (nobody reports
 * what they cannot see; a 404 does not tell them whether it exists). Staff who manage reports are told.
 */
export async function createReport(ctx: AppContext, reporterId: string, input: NewReport, key: string | null): Promise<string> {
  if (input.comment.length > REPORT_LIMITS.comment) throw unprocessable(`Validation failed: Comment is too long (maximum is ${REPORT_LIMITS.comment} characters)`);
  if (input.targetId === reporterId) throw unprocessable('Validation failed: You cannot report yourself');
  const { response } = await idempotentWrite(ctx, reporterId, key, 'POST /api/v1/reports', async (tx) => {
    const [target] = await tx.query<{ id: string; username: string }>('select id, username from accounts where id = $1', [input.targetId]);
    if (!target) throw notFound();
    const statusIds = [...new Set(input.statusIds)];
    if (statusIds.length) {
      const found = await tx.query<{ id: string }>(
        `select s.id from statuses s where s.id = any($1::bigint[]) and s.account_id = $2 and s.reblog_of_id is null and ${visibleTo('$3')}`,
        [statusIds, target.id, reporterId]);
      if (found.length !== statusIds.length) throw notFound();
    }
    const { category, ruleIds } = await validRules(tx, input);
    const [report] = await tx.query<{ id: string }>(
      `insert into reports (account_id, target_account_id, status_ids, rule_ids, category, comment)
       values ($1, $2, $3::bigint[], $4::bigint[], $5, $6) returning id`,
      [reporterId, target.id, statusIds, ruleIds, category, input.comment]);
    const notified = await notifyStaff(tx, roleIdsWith('manage_reports'), reporterId, 'admin.report', report!.id, [reporterId, target.id]);
    publishNotifications(ctx.events, tx, notified);
    return { id: report!.id };
  });
  return response.id;
}

export async function findReport(db: Queryable, id: string): Promise<ReportRow | undefined> {
  const [row] = await db.query<ReportRow>(`select ${REPORT_COLUMNS} from reports r where r.id = $1`, [id]);
  return row;
}

export async function getReport(db: Queryable, id: string): Promise<ReportRow> {
  const row = await findReport(db, id);
  if (!row) throw notFound();
  return row;
}

export async function getReports(db: Queryable, ids: string[]): Promise<Map<string, ReportRow>> {
  if (ids.length === 0) return new Map();
  const rows = await db.query<ReportRow>(`select ${REPORT_COLUMNS} from reports r where r.id = any($1::bigint[])`, [[...new Set(ids)]]);
  return new Map(rows.map((r) => [r.id, r]));
}

export interface ReportFilters { resolved?: boolean; accountId?: string; targetAccountId?: string }

/** The queue: unresolved reports unless `resolved` says otherwise, as Mastodon lists them. */
export function listReports(db: Queryable, filters: ReportFilters, page: PageParams): Promise<ReportRow[]> {
  const params: unknown[] = [];
  const conditions = [filters.resolved ? 'r.action_taken_at is not null' : 'r.action_taken_at is null'];
  if (filters.accountId) { params.push(filters.accountId); conditions.push(`r.account_id = $${params.length}`); }
  if (filters.targetAccountId) { params.push(filters.targetAccountId); conditions.push(`r.target_account_id = $${params.length}`); }
  return keysetPage<ReportRow>(db, page, 'r.id', params, (k) =>
    `select ${REPORT_COLUMNS} from reports r where ${[...conditions, k.where].join(' and ')} order by ${k.order} limit ${k.limit}`);
}

/** A member of staff acting: their account and role (domain/roles.ts). */
export interface Moderator { id: string; roleId: number }

export type ReportChange = 'assign_to_self' | 'unassign' | 'resolve' | 'reopen';

/**
 * A change to a report by a moderator, logged. Each is idempotent by nature: assigning twice, resolving
 * a resolved report and so on leave it as it is and answer the same.
 */
export async function changeReport(ctx: AppContext, moderator: Moderator, id: string, change: ReportChange): Promise<ReportRow> {
  return ctx.db.transaction(async (tx) => {
    const report = await lockReport(tx, id);
    const set = {
      assign_to_self: 'assigned_account_id = $2',
      unassign: 'assigned_account_id = null',
      resolve: 'action_taken_at = coalesce(action_taken_at, now()), action_taken_by_account_id = coalesce(action_taken_by_account_id, $2)',
      reopen: 'action_taken_at = null, action_taken_by_account_id = null',
    }[change];
    const unchanged = { assign_to_self: report.assigned_account_id === moderator.id, unassign: report.assigned_account_id === null,
      resolve: report.action_taken_at !== null, reopen: report.action_taken_at === null }[change];
    if (unchanged) return report;
    await tx.query(`update reports set ${set}, updated_at = now() where id = $1`, change === 'unassign' || change === 'reopen' ? [id] : [id, moderator.id]);
    await logAction(tx, moderator.id, change, 'Report', id, `report #${id}`);
    return (await findReport(tx, id))!;
  });
}

/** A moderator reclassifies a report (PUT /api/v1/admin/reports/:id). */
export async function updateReport(ctx: AppContext, moderator: Moderator, id: string, input: { category?: ReportCategory; ruleIds?: string[] }): Promise<ReportRow> {
  return ctx.db.transaction(async (tx) => {
    const report = await lockReport(tx, id);
    const { category, ruleIds } = await validRules(tx, {
      targetId: report.target_account_id, statusIds: [], comment: '',
      ruleIds: input.ruleIds ?? (input.category && input.category !== 'violation' ? [] : report.rule_ids),
      category: input.category ?? report.category,
    });
    if (category === report.category && ruleIds.join() === report.rule_ids.join()) return report;
    await tx.query('update reports set category = $2, rule_ids = $3::bigint[], updated_at = now() where id = $1', [id, category, ruleIds]);
    await logAction(tx, moderator.id, 'update', 'Report', id, `report #${id}: ${category}`);
    return (await findReport(tx, id))!;
  });
}

async function lockReport(tx: Tx, id: string): Promise<ReportRow> {
  const [report] = await tx.query<ReportRow>(`select ${REPORT_COLUMNS} from reports r where r.id = $1 for update`, [id]);
  if (!report) throw notFound();
  return report;
}

/**
 * What a moderator's account action does to reports (Mastodon's rule): a warning alone resolves the
 * report it was given for; any other action resolves every open report about the account.
 */
export async function resolveReportsFor(tx: Tx, moderatorId: string, targetId: string, reportId: string | null, everyOpen: boolean): Promise<void> {
  const rows = await tx.query<{ id: string }>(
    `update reports set action_taken_at = now(), action_taken_by_account_id = $2, updated_at = now()
     where target_account_id = $1 and action_taken_at is null and (${everyOpen ? 'true' : 'id = $3'}) returning id`,
    everyOpen ? [targetId, moderatorId] : [targetId, moderatorId, reportId]);
  for (const r of rows) await logAction(tx, moderatorId, 'resolve', 'Report', r.id, `report #${r.id}`);
}

/** The report a moderator's action cites must be about the account acted on. */
export async function reportAbout(tx: Queryable, reportId: string, targetId: string): Promise<ReportRow> {
  const report = await findReport(tx, reportId);
  if (!report || report.target_account_id !== targetId) throw notFound();
  return report;
}
