// /api/v1/admin/accounts (and the v2 list): what staff see of accounts and do to them
// (methods/admin/accounts.md). Each route needs an admin scope and the role's permission; the domain
// (moderation.ts) also checks that the target ranks below the moderator. Firebreak additions: changing
// a role (POST :id/role) and an account's warnings (GET :id/warnings), for the web UI's moderation area.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.js';
import { notFound, unprocessable } from '../../../errors.js';
import { ACCOUNT_STATUSES, getAdminAccounts, listAdminAccounts, type AccountStatus, type AdminAccountFilters } from '../../../domain/admin-accounts.js';
import * as moderation from '../../../domain/moderation.js';
import { ROLES } from '../../../domain/roles.js';
import { getAccounts } from '../../../domain/accounts.js';
import { rule, viewer, viewerRole } from '../../auth.js';
import { paginated } from '../../pagination.js';
import { bodyOf, flag, idempotencyKey, idParam, list, str, type Params } from '../../params.js';
import { serializeAdminAccount, serializeWarning } from '../../serializers/admin.js';
import { onlyParams } from './params.js';

type WithId = { Params: { id: string } };

const PAGE = ['max_id', 'since_id', 'min_id', 'limit'];

/** v1's boolean filters: `pending=true` and so on. */
function v1Filters(q: Params): AdminAccountFilters {
  onlyParams(q, [...PAGE, 'local', 'remote', ...ACCOUNT_STATUSES, 'username', 'display_name', 'by_domain', 'email', 'ip', 'staff']);
  const local = flag(q, 'local');
  const remote = flag(q, 'remote');
  return {
    origin: remote ? 'remote' : local ? 'local' : undefined,
    statuses: ACCOUNT_STATUSES.filter((s) => flag(q, s)),
    staff: flag(q, 'staff'),
    ...textFilters(q),
  };
}

/** v2's named filters: `status=pending`, `origin=local`, `permissions=staff`, `role_ids[]`, `invited_by`. */
function v2Filters(q: Params): AdminAccountFilters {
  onlyParams(q, [...PAGE, 'origin', 'status', 'permissions', 'role_ids', 'invited_by', 'username', 'display_name', 'by_domain', 'email', 'ip']);
  const origin = str(q, 'origin', 10);
  if (origin && origin !== 'local' && origin !== 'remote') throw unprocessable('origin must be local or remote');
  const status = str(q, 'status', 20);
  if (status && !(['active', 'pending', 'disabled', 'silenced', 'suspended'] as const as readonly string[]).includes(status)) throw unprocessable('status must be active, pending, disabled, silenced or suspended');
  const permissions = str(q, 'permissions', 20);
  if (permissions && permissions !== 'staff') throw unprocessable('permissions must be staff');
  const roleIds = list(q, 'role_ids', 10).map(Number);
  if (roleIds.some((id) => !Object.values(ROLES).some((r) => r.id === id))) throw unprocessable('role_ids must be ids of roles');
  return {
    origin: (origin || undefined) as 'local' | 'remote' | undefined,
    statuses: status ? [status as AccountStatus] : [],
    staff: permissions === 'staff',
    roleIds,
    invitedBy: q.invited_by === undefined ? undefined : idParam(q.invited_by),
    ...textFilters(q),
  };
}

function textFilters(q: Params) {
  return {
    username: str(q, 'username', 100) || undefined, displayName: str(q, 'display_name', 100) || undefined,
    byDomain: str(q, 'by_domain', 253) || undefined, email: str(q, 'email', 320) || undefined, ip: str(q, 'ip', 64) || undefined,
  };
}

export default async function adminAccounts(app: FastifyInstance, ctx: AppContext) {
  const render = async (id: string) => {
    const [account] = (await getAdminAccounts(ctx.db, [id])).values();
    if (!account) throw notFound();
    return serializeAdminAccount(ctx.config, account);
  };
  const moderator = (request: Parameters<typeof viewer>[0]) => ({ id: viewer(request), roleId: viewerRole(request) });
  const read = rule('user', 'admin:read:accounts', 'manage_users');
  const write = rule('user', 'admin:write:accounts', 'manage_users');

  for (const [url, filters] of [['/api/v1/admin/accounts', v1Filters], ['/api/v2/admin/accounts', v2Filters]] as const) {
    app.get(url, { config: read }, async (request, reply) => {
      const f = filters(request.query as Params);
      const rows = await paginated(ctx, request, reply, (page) => listAdminAccounts(ctx.db, ctx.config.domain, f, page), { limits: [100, 200] });
      return rows.map((a) => serializeAdminAccount(ctx.config, a));
    });
  }

  app.get<WithId>('/api/v1/admin/accounts/:id', { config: read }, async (request) => render(idParam(request.params.id)));

  app.post<WithId>('/api/v1/admin/accounts/:id/action', { config: rule('user', 'admin:write:accounts', ['manage_users', 'manage_reports']) }, async (request) => {
    const id = idParam(request.params.id);
    const body = bodyOf(request.body);
    // No warning presets here: refused rather than ignored.
    if (body.warning_preset_id !== undefined && body.warning_preset_id !== null && body.warning_preset_id !== '') throw unprocessable('Validation failed: There are no warning presets');
    await moderation.accountAction(ctx, moderator(request), id, {
      type: str(body, 'type', 20) ?? '',
      reportId: body.report_id === undefined || body.report_id === null || body.report_id === '' ? null : idParam(body.report_id),
      text: str(body, 'text', 20_000) ?? '',
      // Firebreak sends no e-mail: this says whether the account is shown the warning (as Mastodon's e-mail and notification).
      notifyUser: flag(body, 'send_email_notification') ?? true,
    }, idempotencyKey(request));
    return {};
  });

  for (const undo of ['enable', 'unsilence', 'unsuspend', 'unsensitive'] as const) {
    app.post<WithId>(`/api/v1/admin/accounts/:id/${undo}`, { config: write }, async (request) => {
      const id = idParam(request.params.id);
      await moderation.undoAction(ctx, moderator(request), id, undo);
      return render(id);
    });
  }

  app.post<WithId>('/api/v1/admin/accounts/:id/approve', { config: write }, async (request) => {
    const id = idParam(request.params.id);
    await moderation.approveAccount(ctx, moderator(request), id);
    return render(id);
  });

  app.post<WithId>('/api/v1/admin/accounts/:id/reject', { config: write }, async (request) => {
    const id = idParam(request.params.id);
    return moderation.rejectAccount(ctx, moderator(request), id, async (tx) => serializeAdminAccount(ctx.config, (await getAdminAccounts(tx, [id])).get(id)!));
  });

  app.delete<WithId>('/api/v1/admin/accounts/:id', { config: rule('user', 'admin:write:accounts', 'delete_user_data') }, async (request) => {
    const id = idParam(request.params.id);
    await moderation.deleteAccountData(ctx, moderator(request), id);
    return render(id);
  });

  app.post<WithId>('/api/v1/admin/accounts/:id/role', { config: rule('user', 'admin:write:accounts', 'manage_roles') }, async (request) => {
    const id = idParam(request.params.id);
    await moderation.setRole(ctx, moderator(request), id, str(bodyOf(request.body), 'role', 20) ?? '');
    return render(id);
  });

  app.get<WithId>('/api/v1/admin/accounts/:id/warnings', { config: read }, async (request) => {
    const id = idParam(request.params.id);
    const account = (await getAccounts(ctx.db, [id])).get(id);
    if (!account) throw notFound();
    return (await moderation.listWarnings(ctx.db, id)).map((w) => serializeWarning(ctx.config, w, account));
  });
}
