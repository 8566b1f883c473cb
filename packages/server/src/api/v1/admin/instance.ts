// Firebreak additions to the admin API, for the web UI's moderation area (Mastodon does these in its
// server-rendered admin pages, with no client API): the audit log, and the registration mode.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.js';
import { unprocessable } from '../../../errors.js';
import { getAccounts } from '../../../domain/accounts.js';
import { listActionLogs } from '../../../domain/audit-log.js';
import { REGISTRATION_MODES, registrationSettings, setRegistrationSettings, type RegistrationMode } from '../../../domain/registrations.js';
import { rule, viewer } from '../../auth.js';
import { paginated } from '../../pagination.js';
import { bodyOf, flag, idParam, str, type Params } from '../../params.js';
import { serializeActionLog } from '../../serializers/admin.js';
import { onlyParams } from './params.js';

const serializeRegistrations = (s: Awaited<ReturnType<typeof registrationSettings>>) => ({ mode: s.mode, reason_required: s.reasonRequired, message: s.message });

export default async function adminInstance(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v1/admin/action_logs', { config: rule('user', 'admin:read', 'view_audit_log') }, async (request, reply) => {
    const q = request.query as Params;
    onlyParams(q, ['max_id', 'since_id', 'min_id', 'limit', 'account_id', 'target_account_id']);
    const filters = {
      accountId: q.account_id === undefined ? undefined : idParam(q.account_id),
      targetAccountId: q.target_account_id === undefined ? undefined : idParam(q.target_account_id),
    };
    const rows = await paginated(ctx, request, reply, (page) => listActionLogs(ctx.db, filters, page), { limits: [40, 200] });
    const actors = await getAccounts(ctx.db, rows.flatMap((r) => r.account_id ?? []));
    return rows.map((r) => serializeActionLog(ctx.config, r, r.account_id ? actors.get(r.account_id) : undefined));
  });

  app.get('/api/v1/admin/registrations', { config: rule('user', 'admin:read', 'manage_settings') }, async () =>
    serializeRegistrations(await registrationSettings(ctx.db)));

  // Idempotent by nature: the same settings again change nothing (and log the same).
  app.put('/api/v1/admin/registrations', { config: rule('user', 'admin:write', 'manage_settings') }, async (request) => {
    const body = bodyOf(request.body);
    const current = await registrationSettings(ctx.db);
    const mode = str(body, 'mode', 20) ?? current.mode;
    if (!(REGISTRATION_MODES as readonly string[]).includes(mode)) throw unprocessable(`Validation failed: mode must be one of ${REGISTRATION_MODES.join(', ')}`);
    const message = body.message === undefined ? current.message : (str(body, 'message', 1000)?.trim() || null);
    return serializeRegistrations(await setRegistrationSettings(ctx, viewer(request), {
      mode: mode as RegistrationMode, reasonRequired: flag(body, 'reason_required') ?? current.reasonRequired, message,
    }));
  });
}
