import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { notFound, unprocessable } from '../../errors.js';
import { idempotentWrite } from '../../domain/idempotency.js';
import { linkHeader, parsePage } from '../../domain/pagination.js';
import * as statuses from '../../domain/statuses.js';
import { renderStatusHtml } from '../../domain/text.js';
import { interactingAccounts } from '../../domain/timelines.js';
import { optionalViewer, rule, viewer } from '../auth.js';
import { bodyOf, flag, idempotencyKey, idParam, list, str, type Params } from '../params.js';
import { serializeAccountsById, serializeStatuses } from '../serializers.js';

type WithId = { Params: { id: string } };

function optionalId(p: Params, name: string): string | null {
  const v = p[name];
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string' && typeof v !== 'number') throw unprocessable(`${name} must be an id`);
  if (!/^\d{1,19}$/.test(String(v))) throw unprocessable(`${name} must be an id`);
  return String(v);
}

export default async function statusRoutes(app: FastifyInstance, ctx: AppContext) {
  const one = async (request: FastifyRequest, row: statuses.StatusRow) =>
    (await serializeStatuses(ctx, ctx.db, optionalViewer(request), [row]))[0];

  app.post('/api/v1/statuses', { config: { ...rule('user', 'write:statuses'), rateLimitClass: 'post' } }, async (request) => {
    const body = bodyOf(request.body);
    const me = viewer(request);
    const visibility = str(body, 'visibility', 20) || 'public';
    if (!(statuses.VISIBILITIES as readonly string[]).includes(visibility)) throw unprocessable('Validation failed: Visibility is not included in the list');
    const language = str(body, 'language', 10) || null;
    if (language && !/^[a-z]{2,3}$/i.test(language)) throw unprocessable('Validation failed: Language is not a valid ISO 639 code');
    if (body.media_ids !== undefined && (!Array.isArray(body.media_ids) || body.media_ids.length > 0)) throw unprocessable('Validation failed: Media attachments are not supported');
    if (body.poll !== undefined && body.poll !== null) throw unprocessable('Validation failed: Polls are not supported');
    // Refused rather than ignored: posting at once what was meant for later, or quotable by anyone
    // when the author said otherwise, would go against what the user asked for.
    if (body.scheduled_at !== undefined && body.scheduled_at !== null && body.scheduled_at !== '') throw unprocessable('Validation failed: Scheduled posts are not supported');
    const quotePolicy = str(body, 'quote_approval_policy', 20);
    if (quotePolicy && quotePolicy !== 'public') throw unprocessable('Validation failed: Only the public quote approval policy is supported');
    const created = await statuses.createStatus(ctx, me, {
      text: str(body, 'status', 20_000) ?? '', spoilerText: str(body, 'spoiler_text', 2000) ?? '', sensitive: flag(body, 'sensitive') ?? false,
      visibility: visibility as statuses.Visibility, language: language?.toLowerCase() ?? null,
      inReplyToId: optionalId(body, 'in_reply_to_id'), quotedStatusId: optionalId(body, 'quoted_status_id') ?? optionalId(body, 'quote_id'),
      idempotencyKey: idempotencyKey(request), appId: request.auth!.appId,
    });
    if (created.created) {
      ctx.events.emit('status.created', { statusId: created.statusId, accountId: me });
      for (const n of created.notificationIds) ctx.events.emit('notification.created', { notificationId: n.id, accountId: n.accountId });
    }
    return one(request, created.status ?? await statuses.getVisibleStatus(ctx.db, me, created.statusId));
  });

  app.get<WithId>('/api/v1/statuses/:id', { config: rule('optional', 'read:statuses') }, async (request) =>
    one(request, await statuses.getVisibleStatus(ctx.db, optionalViewer(request), idParam(request.params.id))));

  // Answers with the deleted status and its source text (for delete-and-redraft). The answer is
  // stored under the Idempotency-Key, so a retry after a lost answer gets it again instead of a 404.
  app.delete<WithId>('/api/v1/statuses/:id', { config: rule('user', 'write:statuses') }, async (request) => {
    const me = viewer(request);
    const id = idParam(request.params.id);
    const { response, replayed } = await idempotentWrite(ctx, me, idempotencyKey(request), `DELETE /api/v1/statuses/${id}`, async (tx) => {
      const row = await statuses.lockOwnStatus(tx, me, id);
      const [entity] = await serializeStatuses(ctx, tx, me, [row]);
      await statuses.deleteLockedStatus(tx, row);
      return { ...entity, text: row.text, spoiler_text: row.spoiler_text };
    });
    if (!replayed) ctx.events.emit('status.deleted', { statusId: id, accountId: me });
    return response;
  });

  // Several statuses at once (Mastodon 4.3); those missing or not visible are left out.
  app.get('/api/v1/statuses', { config: rule('optional', 'read:statuses') }, async (request) => {
    const ids = list(request.query as Params, 'id', 40).filter((id) => /^\d{1,19}$/.test(id));
    const found = await statuses.findVisibleStatuses(ctx.db, optionalViewer(request), ids);
    return serializeStatuses(ctx, ctx.db, optionalViewer(request), ids.flatMap((id) => found.get(id) ?? []));
  });

  app.get<WithId>('/api/v1/statuses/:id/context', { config: rule('optional', 'read:statuses') }, async (request) => {
    const me = optionalViewer(request);
    const status = await statuses.getVisibleStatus(ctx.db, me, idParam(request.params.id));
    const { ancestors, descendants } = await statuses.statusContext(ctx.db, me, status);
    const all = await serializeStatuses(ctx, ctx.db, me, [...ancestors, ...descendants]);
    return { ancestors: all.slice(0, ancestors.length), descendants: all.slice(ancestors.length) };
  });

  app.put<WithId>('/api/v1/statuses/:id', { config: rule('user', 'write:statuses') }, async (request) => {
    const body = bodyOf(request.body);
    const me = viewer(request);
    const language = str(body, 'language', 10) || null;
    if (language && !/^[a-z]{2,3}$/i.test(language)) throw unprocessable('Validation failed: Language is not a valid ISO 639 code');
    const { status, notified } = await statuses.editStatus(ctx, me, idParam(request.params.id), {
      text: str(body, 'status', 20_000) ?? '', spoilerText: str(body, 'spoiler_text', 2000) ?? '', sensitive: flag(body, 'sensitive') ?? false, language: language?.toLowerCase() ?? null,
    });
    ctx.events.emit('status.updated', { statusId: status.id, accountId: me });
    for (const n of notified) ctx.events.emit('notification.created', { notificationId: n.id, accountId: n.accountId });
    return one(request, status);
  });

  app.get<WithId>('/api/v1/statuses/:id/history', { config: rule('optional', 'read:statuses') }, async (request) => {
    const status = await statuses.getVisibleStatus(ctx.db, optionalViewer(request), idParam(request.params.id));
    const [entity] = await serializeStatuses(ctx, ctx.db, optionalViewer(request), [status]);
    const known = new Set((entity!.mentions as Array<{ username: string }>).map((m) => m.username.toLowerCase()));
    return (await statuses.statusHistory(ctx.db, status)).map((version) => ({
      content: renderStatusHtml(version.text, { baseUrl: ctx.config.publicUrl, localDomain: ctx.config.domain, knownAccounts: known }),
      spoiler_text: version.spoiler_text, sensitive: version.sensitive, created_at: version.created_at.toISOString(),
      account: entity!.account, poll: null, media_attachments: [], emojis: [],
    }));
  });

  app.get<WithId>('/api/v1/statuses/:id/source', { config: rule('user', 'read:statuses') }, async (request) => {
    const status = await statuses.getVisibleStatus(ctx.db, viewer(request), idParam(request.params.id));
    return { id: status.id, text: status.text, spoiler_text: status.spoiler_text };
  });

  const interaction = (path: string, scope: string, act: (me: string, id: string, body: Params) => Promise<statuses.StatusRow>) =>
    app.post<WithId>(`/api/v1/statuses/:id/${path}`, { config: rule('user', scope) }, async (request) => {
      const row = await act(viewer(request), idParam(request.params.id), bodyOf(request.body));
      return one(request, row);
    });

  interaction('favourite', 'write:favourites', async (me, id) => {
    const { status, notification } = await statuses.favourite(ctx, me, id);
    if (notification) ctx.events.emit('notification.created', { notificationId: notification.id, accountId: notification.accountId });
    return status;
  });
  interaction('unfavourite', 'write:favourites', (me, id) => statuses.unfavourite(ctx, me, id));
  interaction('bookmark', 'write:bookmarks', (me, id) => statuses.setMembership(ctx, 'bookmarks', me, id, true));
  interaction('unbookmark', 'write:bookmarks', (me, id) => statuses.setMembership(ctx, 'bookmarks', me, id, false));
  interaction('pin', 'write:accounts', (me, id) => statuses.setMembership(ctx, 'status_pins', me, id, true));
  interaction('unpin', 'write:accounts', (me, id) => statuses.setMembership(ctx, 'status_pins', me, id, false));
  interaction('unreblog', 'write:statuses', async (me, id) => {
    const { status, removedId } = await statuses.unreblog(ctx, me, id);
    if (removedId) ctx.events.emit('status.deleted', { statusId: removedId, accountId: me });
    return status;
  });
  // Reblog answers with the new reblog status wrapping the original, as Mastodon does.
  interaction('reblog', 'write:statuses', async (me, id, body) => {
    const visibility = str(body, 'visibility', 20) || 'public';
    if (!(statuses.VISIBILITIES as readonly string[]).includes(visibility)) throw unprocessable('Validation failed: Visibility is not included in the list');
    const { reblogId, notification } = await statuses.reblog(ctx, me, id, visibility as statuses.Visibility);
    ctx.events.emit('status.created', { statusId: reblogId, accountId: me });
    if (notification) ctx.events.emit('notification.created', { notificationId: notification.id, accountId: notification.accountId });
    return statuses.getVisibleStatus(ctx.db, me, reblogId);
  });

  // Quotes of one's own status (Mastodon 4.5), newest first, paginated by the quote's id.
  app.get<WithId>('/api/v1/statuses/:id/quotes', { config: rule('user', 'read:statuses') }, async (request, reply) => {
    const me = viewer(request);
    const q = request.query as Params;
    const status = await statuses.getVisibleStatus(ctx.db, me, idParam(request.params.id));
    if (status.account_id !== me) throw notFound();
    const rows = await statuses.quotesOf(ctx.db, me, status.id, parsePage(q));
    const link = linkHeader(`${ctx.config.publicUrl}${request.url}`, rows.map((r) => ({ cursor: r.id })), q);
    if (link) reply.header('link', link);
    return serializeStatuses(ctx, ctx.db, me, rows);
  });

  for (const kind of ['favourited_by', 'reblogged_by'] as const) {
    app.get<WithId>(`/api/v1/statuses/:id/${kind}`, { config: rule('optional', 'read:statuses') }, async (request, reply) => {
      const q = request.query as Params;
      const status = await statuses.getVisibleStatus(ctx.db, optionalViewer(request), idParam(request.params.id));
      const rows = await interactingAccounts(ctx.db, kind, status.id, parsePage(q, 40, 80));
      const link = linkHeader(`${ctx.config.publicUrl}${request.url}`, rows, q);
      if (link) reply.header('link', link);
      return serializeAccountsById(ctx, ctx.db, rows.map((r) => r.accountId));
    });
  }
}
