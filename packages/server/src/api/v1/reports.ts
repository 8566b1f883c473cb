// POST /api/v1/reports: anyone signed in reports an account (and posts of it they can see) to the
// moderators. There are no remote accounts, so nothing is ever forwarded: `forward` is accepted (and
// answered as `forwarded: false`), a list of domains to forward to is refused.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { unprocessable } from '../../errors.js';
import { getAccount } from '../../domain/accounts.js';
import { createReport, getReport, REPORT_CATEGORIES, REPORT_LIMITS, type ReportCategory } from '../../domain/reports.js';
import { rule, viewer } from '../auth.js';
import { bodyOf, flag, idempotencyKey, idParam, list, str } from '../params.js';
import { serializeReport } from '../serializers/admin.js';

export default async function reports(app: FastifyInstance, ctx: AppContext) {
  app.post('/api/v1/reports', { config: { ...rule('user', 'write:reports'), rateLimitClass: 'post' } }, async (request) => {
    const body = bodyOf(request.body);
    const me = viewer(request);
    const category = str(body, 'category', 20) || undefined;
    if (category && !(REPORT_CATEGORIES as readonly string[]).includes(category)) throw unprocessable(`Validation failed: Category must be one of ${REPORT_CATEGORIES.join(', ')}`);
    flag(body, 'forward'); // a boolean if given; there is no remote server to forward to
    if (list(body, 'forward_to_domains', 10).length) throw unprocessable('Validation failed: There are no other servers to forward a report to');
    const id = await createReport(ctx, me, {
      targetId: idParam(body.account_id),
      statusIds: list(body, 'status_ids', REPORT_LIMITS.statuses).map(idParam),
      ruleIds: list(body, 'rule_ids', REPORT_LIMITS.rules).map(idParam),
      category: category as ReportCategory | undefined,
      comment: str(body, 'comment', 10_000) ?? '',
    }, idempotencyKey(request));
    const report = await getReport(ctx.db, id);
    return serializeReport(ctx.config, report, await getAccount(ctx.db, report.target_account_id));
  });
}
