import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { notFound, unprocessable } from '../../errors.js';
import { normalizeLanguage } from '../../domain/languages.js';
import * as statuses from '../../domain/statuses.js';
import { renderStatusHtml } from '../../domain/text.js';
import { interactingAccounts } from '../../domain/timelines.js';
import { optionalViewer, rule, viewer } from '../auth.js';
import { paginated } from '../pagination.js';
import { bodyOf, flag, idempotencyKey, idParam, isId, list, optionalIdParam, str, type Params } from '../params.js';
import { renderAccounts, renderFreshStatus, renderMedia, renderStatus, renderStatuses } from '../render.js';
import { descriptionParam, focusParam } from './media-attachments.js';

type WithId = { Params: { id: string } };

function visibilityParam(body: Params): statuses.Visibility {
  const visibility = str(body, 'visibility', 20) || 'public';
  if (!(statuses.VISIBILITIES as readonly string[]).includes(visibility)) throw unprocessable('Validation failed: Visibility is not included in the list');
  return visibility as statuses.Visibility;
}

/** An ISO 639 code, or a regional variant Mastodon knows (`zh-TW`, `pt-BR`), in Mastodon's spelling. */
function languageParam(body: Params): string | null {
  const language = str(body, 'language', 10) || null;
  if (!language) return null;
  const normalized = normalizeLanguage(language);
  if (!normalized) throw unprocessable('Validation failed: Language is not a valid ISO 639 code');
  return normalized;
}

/**
 * What a post may carry on Mastodon and not here: polls, quote policies other than public.
 * Refused rather than ignored: a post without the poll, or quotable by anyone when the author said
 * otherwise, would go against what the user asked for.
 */
function refuseUnsupportedStatus(body: Params): void {
  if (body.poll !== undefined && body.poll !== null) throw unprocessable('Validation failed: Polls are not supported');
  const quotePolicy = str(body, 'quote_approval_policy', 20);
  if (quotePolicy && quotePolicy !== 'public') throw unprocessable('Validation failed: Only the public quote approval policy is supported');
}

/** `media_ids` (or `media_ids[]`), in the order given; absent is undefined. */
function mediaIdsParam(body: Params): string[] | undefined {
  if (body.media_ids === undefined && body['media_ids[]'] === undefined) return undefined;
  return list(body, 'media_ids', 40).filter((id) => id !== '').map(idParam);
}

/** `media_attributes` on an edit: [{id, description, focus}] (JSON), as Mastodon takes them. */
function mediaAttributesParam(body: Params): statuses.MediaAttributes[] | undefined {
  const raw = body.media_attributes;
  if (raw === undefined || raw === null) return undefined;
  const items = Array.isArray(raw) ? raw : typeof raw === 'object' ? Object.values(raw) : undefined;
  if (!items || items.length > 40) throw unprocessable('Validation failed: media_attributes must be a list of {id, description, focus}');
  return items.map((item) => {
    if (typeof item !== 'object' || item === null) throw unprocessable('Validation failed: media_attributes must be a list of {id, description, focus}');
    const p = item as Params;
    return { id: idParam(p.id), description: descriptionParam(p), focus: focusParam(p) };
  });
}

export default async function statusRoutes(app: FastifyInstance, ctx: AppContext) {
  app.post('/api/v1/statuses', { config: { ...rule('user', 'write:statuses'), rateLimitClass: 'post', priority: 'critical' } }, async (request) => {
    const body = bodyOf(request.body);
    const me = viewer(request);
    refuseUnsupportedStatus(body);
    // Refused rather than ignored: posting at once what was meant for later would go against what the user asked for.
    if (body.scheduled_at !== undefined && body.scheduled_at !== null && body.scheduled_at !== '') throw unprocessable('Validation failed: Scheduled posts are not supported');
    const created = await statuses.createStatus(ctx, me, {
      text: str(body, 'status', 20_000) ?? '', spoilerText: str(body, 'spoiler_text', 2000) ?? '', sensitive: flag(body, 'sensitive') ?? false,
      visibility: visibilityParam(body), language: languageParam(body),
      inReplyToId: optionalIdParam(body, 'in_reply_to_id'), quotedStatusId: optionalIdParam(body, 'quoted_status_id') ?? optionalIdParam(body, 'quote_id'),
      idempotencyKey: idempotencyKey(request), appId: request.auth!.appId, mediaIds: mediaIdsParam(body) ?? [],
    });
    return created.fresh ? renderFreshStatus(ctx, created.fresh) : renderStatus(ctx, me, await statuses.getVisibleStatus(ctx.db, me, created.statusId));
  });

  app.get<WithId>('/api/v1/statuses/:id', { config: rule('optional', 'read:statuses') }, async (request) =>
    renderStatus(ctx, optionalViewer(request), await statuses.getVisibleStatus(ctx.db, optionalViewer(request), idParam(request.params.id))));

  // Answers with the deleted status and its source text (for delete-and-redraft), as Mastodon does.
  app.delete<WithId>('/api/v1/statuses/:id', { config: rule('user', 'write:statuses') }, async (request) => {
    const me = viewer(request);
    return statuses.deleteStatus(ctx, me, idParam(request.params.id), idempotencyKey(request), async (tx, row) =>
      ({ ...await renderStatus(ctx, me, row, tx), text: row.text, spoiler_text: row.spoiler_text }));
  });

  // Several statuses at once (Mastodon 4.3); those missing or not visible are left out.
  app.get('/api/v1/statuses', { config: rule('optional', 'read:statuses') }, async (request) => {
    const ids = list(request.query as Params, 'id', 40).filter(isId);
    const found = await statuses.findVisibleStatuses(ctx.db, optionalViewer(request), ids);
    return renderStatuses(ctx, optionalViewer(request), ids.flatMap((id) => found.get(id) ?? []));
  });

  app.get<WithId>('/api/v1/statuses/:id/context', { config: { ...rule('optional', 'read:statuses'), expensive: true } }, async (request) => {
    const me = optionalViewer(request);
    const status = await statuses.getVisibleStatus(ctx.db, me, idParam(request.params.id));
    const { ancestors, descendants } = await statuses.statusContext(ctx.db, me, status);
    // A thread's filters may hide some of it: split by what each status was, not by position.
    const all = await renderStatuses(ctx, me, [...ancestors, ...descendants], 'thread');
    const above = new Set(ancestors.map((s) => s.id));
    return { ancestors: all.filter((e) => above.has(e.id as string)), descendants: all.filter((e) => !above.has(e.id as string)) };
  });

  app.put<WithId>('/api/v1/statuses/:id', { config: rule('user', 'write:statuses') }, async (request) => {
    const body = bodyOf(request.body);
    const me = viewer(request);
    refuseUnsupportedStatus(body);
    const status = await statuses.editStatus(ctx, me, idParam(request.params.id), {
      text: str(body, 'status', 20_000) ?? '', spoilerText: str(body, 'spoiler_text', 2000) ?? '', sensitive: flag(body, 'sensitive') ?? false, language: languageParam(body),
      mediaIds: mediaIdsParam(body), mediaAttributes: mediaAttributesParam(body),
    });
    return renderStatus(ctx, me, status);
  });

  app.get<WithId>('/api/v1/statuses/:id/history', { config: rule('optional', 'read:statuses') }, async (request) => {
    const me = optionalViewer(request);
    const status = await statuses.getVisibleStatus(ctx.db, me, idParam(request.params.id));
    const entity = await renderStatus(ctx, me, status);
    const known = new Set((entity.mentions as Array<{ username: string }>).map((m) => m.username.toLowerCase()));
    const versions = await statuses.statusHistory(ctx.db, status);
    const media = await renderMedia(ctx, versions.flatMap((v) => v.media_ids.map(String)));
    return versions.map((version) => ({
      content: renderStatusHtml(version.text, { baseUrl: ctx.config.publicUrl, localDomain: ctx.config.domain, knownAccounts: known }),
      spoiler_text: version.spoiler_text, sensitive: version.sensitive, created_at: version.created_at.toISOString(),
      account: entity.account, poll: null, media_attachments: version.media_ids.flatMap((id) => media.get(String(id)) ?? []), emojis: [],
    }));
  });

  app.get<WithId>('/api/v1/statuses/:id/source', { config: rule('user', 'read:statuses') }, async (request) => {
    const status = await statuses.getVisibleStatus(ctx.db, viewer(request), idParam(request.params.id));
    return { id: status.id, text: status.text, spoiler_text: status.spoiler_text };
  });

  /** A write on a status that answers with the status as the viewer now sees it. */
  const interaction = (path: string, scope: string, act: (me: string, id: string, body: Params) => Promise<statuses.StatusRow>) =>
    app.post<WithId>(`/api/v1/statuses/:id/${path}`, { config: rule('user', scope) }, async (request) => {
      const me = viewer(request);
      return renderStatus(ctx, me, await act(me, idParam(request.params.id), bodyOf(request.body)));
    });

  interaction('favourite', 'write:favourites', (me, id) => statuses.favourite(ctx, me, id));
  interaction('unfavourite', 'write:favourites', (me, id) => statuses.unfavourite(ctx, me, id));
  interaction('bookmark', 'write:bookmarks', (me, id) => statuses.setMembership(ctx, 'bookmarks', me, id, true));
  interaction('unbookmark', 'write:bookmarks', (me, id) => statuses.setMembership(ctx, 'bookmarks', me, id, false));
  interaction('pin', 'write:accounts', (me, id) => statuses.setMembership(ctx, 'status_pins', me, id, true));
  interaction('unpin', 'write:accounts', (me, id) => statuses.setMembership(ctx, 'status_pins', me, id, false));
  interaction('unreblog', 'write:statuses', (me, id) => statuses.unreblog(ctx, me, id));
  interaction('mute', 'write:mutes', (me, id) => statuses.setThreadMute(ctx, me, id, true));
  interaction('unmute', 'write:mutes', (me, id) => statuses.setThreadMute(ctx, me, id, false));
  // Reblog answers with the new reblog status wrapping the original, as Mastodon does.
  interaction('reblog', 'write:statuses', async (me, id, body) =>
    statuses.getVisibleStatus(ctx.db, me, await statuses.reblog(ctx, me, id, visibilityParam(body))));

  // Quotes of one's own status (Mastodon 4.5), newest first, paginated by the quote's id.
  app.get<WithId>('/api/v1/statuses/:id/quotes', { config: rule('user', 'read:statuses') }, async (request, reply) => {
    const me = viewer(request);
    const status = await statuses.getVisibleStatus(ctx.db, me, idParam(request.params.id));
    if (status.account_id !== me) throw notFound();
    return renderStatuses(ctx, me, await paginated(ctx, request, reply, (page) => statuses.quotesOf(ctx.db, me, status.id, page)));
  });

  for (const kind of ['favourited_by', 'reblogged_by'] as const) {
    app.get<WithId>(`/api/v1/statuses/:id/${kind}`, { config: { ...rule('optional', 'read:statuses'), expensive: true } }, async (request, reply) => {
      const status = await statuses.getVisibleStatus(ctx.db, optionalViewer(request), idParam(request.params.id));
      const rows = await paginated(ctx, request, reply, (page) => interactingAccounts(ctx.db, kind, status.id, page), { limits: [40, 80] });
      return renderAccounts(ctx, rows.map((r) => r.accountId));
    });
  }
}
