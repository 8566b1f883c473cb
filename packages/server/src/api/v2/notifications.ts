// Grouped notifications (Mastodon 4.3, API version 2) and the notification policy. How groups form
// and how a page of them is chosen: domain/notification-groups.ts; the policy: notification-requests.ts.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { badRequest } from '../../errors.js';
import * as groups from '../../domain/notification-groups.js';
import * as requests from '../../domain/notification-requests.js';
import { rule, viewer } from '../auth.js';
import { paginated, parsePage } from '../pagination.js';
import { bodyOf, type Params } from '../params.js';
import { renderAccounts, renderNotificationGroups } from '../render.js';
import { notificationFilters } from '../v1/notifications.js';

type WithKey = { Params: { group_key: string } };

function expandAccounts(q: Params): 'full' | 'partial_avatars' {
  const value = q.expand_accounts;
  if (value === undefined || value === 'full') return 'full';
  if (value === 'partial_avatars') return 'partial_avatars';
  throw badRequest(`Invalid value for 'expand_accounts': '${String(value).slice(0, 40)}', allowed values are 'full' and 'partial_avatars'`);
}

export default async function groupedNotifications(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v2/notifications', { config: { ...rule('user', 'read:notifications'), priority: 'critical' } }, async (request, reply) => {
    const q = request.query as Params;
    const me = viewer(request);
    const filters = notificationFilters(q);
    const groupedTypes = groups.groupedTypesParam(q.grouped_types);
    const partialAvatars = expandAccounts(q) === 'partial_avatars';
    const page = parsePage(q, 40, 80);
    const rows = await paginated(ctx, request, reply, (p) => groups.listNotificationGroups(ctx.db, me, p, filters, groupedTypes), { limits: [40, 80] });
    if (rows.length === 0) return { accounts: [], statuses: [], notification_groups: [], ...(partialAvatars ? { partial_accounts: [] } : {}) };
    // What the groups' counts cover (Mastodon's pagination_range): from the page's oldest to its newest
    // notification, and to the end of the list when the page is not full (it is the last one).
    const range: groups.PageRange = { begin: rows[rows.length - 1]!.id, end: rows[0]!.id };
    if (rows.length < page.limit) {
      if (page.minId) range.end = page.maxId ? (BigInt(page.maxId) - 1n).toString() : null;
      else range.begin = page.sinceId ? (BigInt(page.sinceId) + 1n).toString() : null;
    }
    const data = await groups.aggregates(ctx.db, me, rows.map((r) => r.key), range);
    return renderNotificationGroups(ctx, me, rows, data, { paginated: true, partialAvatars });
  });

  app.get('/api/v2/notifications/unread_count', { config: rule('user', 'read:notifications') }, async (request) => {
    const q = request.query as Params;
    const { limit } = parsePage(q, 100, 1000);
    return { count: await groups.unreadGroupCount(ctx.db, viewer(request), limit, notificationFilters(q), groups.groupedTypesParam(q.grouped_types)) };
  });

  app.get('/api/v2/notifications/policy', { config: rule('user', 'read:notifications') }, async (request) => requests.getPolicy(ctx.db, viewer(request)));

  // PUT too: Rails routes both to update, and masto.js sends PUT. Fields not given keep their value;
  // fields that are not the policy's (a client sending back `summary`) are ignored, as Mastodon does.
  for (const method of ['patch', 'put'] as const) {
    app[method]('/api/v2/notifications/policy', { config: rule('user', 'write:notifications') }, async (request) => {
      const body = bodyOf(request.body);
      const me = viewer(request);
      await requests.updatePolicy(ctx.db, me, Object.fromEntries(requests.POLICY_FIELDS.map((f) => [f, requests.policyValue(f, body[f])])));
      return requests.getPolicy(ctx.db, me);
    });
  }

  app.get<WithKey>('/api/v2/notifications/:group_key', { config: rule('user', 'read:notifications') }, async (request) => {
    const me = viewer(request);
    const row = await groups.getNotificationGroup(ctx.db, me, request.params.group_key);
    const data = await groups.aggregates(ctx.db, me, [row.key]);
    return renderNotificationGroups(ctx, me, [row], data, { paginated: false, partialAvatars: false });
  });

  app.get<WithKey>('/api/v2/notifications/:group_key/accounts', { config: rule('user', 'read:notifications') }, async (request, reply) => {
    const me = viewer(request);
    const rows = await paginated(ctx, request, reply, (page) => groups.groupAccounts(ctx.db, me, request.params.group_key, page), { limits: [40, 80] });
    return renderAccounts(ctx, rows.map((r) => r.accountId));
  });

  // Dismissing a group that is gone changes nothing and succeeds, as on Mastodon: a retry is safe.
  app.post<WithKey>('/api/v2/notifications/:group_key/dismiss', { config: rule('user', 'write:notifications') }, async (request) => {
    await groups.dismissNotificationGroup(ctx, viewer(request), request.params.group_key);
    return {};
  });
}
