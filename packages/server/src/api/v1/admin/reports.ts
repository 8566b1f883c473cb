// /api/v1/admin/reports: the moderators' queue (methods/admin/reports.md). The statuses a report
// cites are shown to the moderator as they are, whoever else may see them (hydration.ts).
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.js';
import { unprocessable } from '../../../errors.js';
import { getAdminAccounts } from '../../../domain/admin-accounts.js';
import { changeReport, getReport, listReports, REPORT_CATEGORIES, REPORT_LIMITS, updateReport, type ReportCategory, type ReportRow } from '../../../domain/reports.js';
import { rulesById } from '../../../domain/rules.js';
import { getStatuses } from '../../../domain/statuses.js';
import { rule, viewer, viewerRole } from '../../auth.js';
import { paginated } from '../../pagination.js';
import { bodyOf, flag, idParam, list, str, type Params } from '../../params.js';
import { renderReportedStatuses } from '../../render.js';
import { serializeAdminReport } from '../../serializers/admin.js';
import { onlyParams } from './params.js';

type WithId = { Params: { id: string } };

export default async function adminReports(app: FastifyInstance, ctx: AppContext) {
  /** Admin::Report entities for `rows`: a fixed number of queries for the page. */
  const render = async (moderatorId: string, rows: ReportRow[]) => {
    const accountIds = rows.flatMap((r) => [r.account_id, r.target_account_id, r.assigned_account_id, r.action_taken_by_account_id].filter((x): x is string => x !== null));
    const statusRows = [...(await getStatuses(ctx.db, rows.flatMap((r) => r.status_ids))).values()];
    const [accounts, statuses, rules] = await Promise.all([
      getAdminAccounts(ctx.db, accountIds),
      renderReportedStatuses(ctx, moderatorId, statusRows),
      rulesById(ctx.db, rows.flatMap((r) => r.rule_ids)),
    ]);
    const parts = { accounts, statuses: new Map(statuses.map((s) => [s.id as string, s])), rules };
    return rows.map((r) => serializeAdminReport(ctx.config, r, parts));
  };
  const read = rule('user', 'admin:read:reports', 'manage_reports');
  const write = rule('user', 'admin:write:reports', 'manage_reports');

  app.get('/api/v1/admin/reports', { config: read }, async (request, reply) => {
    const q = request.query as Params;
    onlyParams(q, ['max_id', 'since_id', 'min_id', 'limit', 'resolved', 'account_id', 'target_account_id']);
    const filters = {
      resolved: flag(q, 'resolved'),
      accountId: q.account_id === undefined ? undefined : idParam(q.account_id),
      targetAccountId: q.target_account_id === undefined ? undefined : idParam(q.target_account_id),
    };
    return render(viewer(request), await paginated(ctx, request, reply, (page) => listReports(ctx.db, filters, page), { limits: [100, 200] }));
  });

  app.get<WithId>('/api/v1/admin/reports/:id', { config: read }, async (request) =>
    (await render(viewer(request), [await getReport(ctx.db, idParam(request.params.id))]))[0]);

  app.put<WithId>('/api/v1/admin/reports/:id', { config: write }, async (request) => {
    const body = bodyOf(request.body);
    const category = str(body, 'category', 20) || undefined;
    if (category && !(REPORT_CATEGORIES as readonly string[]).includes(category)) throw unprocessable(`Validation failed: Category must be one of ${REPORT_CATEGORIES.join(', ')}`);
    const given = body.rule_ids !== undefined || body['rule_ids[]'] !== undefined;
    const report = await updateReport(ctx, { id: viewer(request), roleId: viewerRole(request) }, idParam(request.params.id), {
      category: category as ReportCategory | undefined,
      ruleIds: given ? list(body, 'rule_ids', REPORT_LIMITS.rules).map(idParam) : undefined,
    });
    return (await render(viewer(request), [report]))[0];
  });

  for (const change of ['assign_to_self', 'unassign', 'resolve', 'reopen'] as const) {
    app.post<WithId>(`/api/v1/admin/reports/:id/${change}`, { config: write }, async (request) => {
      const report = await changeReport(ctx, { id: viewer(request), roleId: viewerRole(request) }, idParam(request.params.id), change);
      return (await render(viewer(request), [report]))[0];
    });
  }
}
