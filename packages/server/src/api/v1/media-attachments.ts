// Uploading media (Mastodon 4.5): POST /api/v2/media answers 202 at once and processing goes on in
// the background (media/jobs.ts); GET /api/v1/media/:id is 206 until it is done, 200 after, 422 if
// the file could not be processed. POST /api/v1/media (deprecated) waits for processing. PUT sets the
// description, focal point and thumbnail; DELETE removes media no status uses yet.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { unprocessable } from '../../errors.js';
import * as media from '../../domain/media.js';
import { DESCRIPTION_LIMIT } from '../../media/limits.js';
import { uploadKey } from '../../media/keys.js';
import { checkUpload, storeThumbnail } from '../../media/uploads.js';
import { rule, viewer } from '../auth.js';
import { bodyOf, idempotencyKey, idParam, str, type Params } from '../params.js';
import { serializeMedia } from '../serializers.js';

type WithId = { Params: { id: string } };

/** v1 waits at most this long for processing (and within the request budget) before it answers 202 like v2. */
const V1_WAIT_MS = 30_000;

/** "x,y", each from -1 to 1 (Mastodon's focal point). */
export function focusParam(body: Params): media.Focus | undefined {
  const raw = str(body, 'focus', 50);
  if (raw === undefined || raw === '') return undefined;
  const parts = raw.split(',').map((p) => Number(p.trim()));
  if (parts.length !== 2 || parts.some((n) => !Number.isFinite(n) || n < -1 || n > 1)) throw unprocessable('Validation failed: focus must be two numbers from -1.0 to 1.0, as "x,y"');
  return { x: parts[0]!, y: parts[1]! };
}

export function descriptionParam(body: Params): string | undefined {
  const description = body.description;
  if (typeof description === 'string' && [...description].length > DESCRIPTION_LIMIT) throw unprocessable(`Validation failed: Description is too long (maximum is ${DESCRIPTION_LIMIT} characters)`);
  return str(body, 'description', DESCRIPTION_LIMIT * 4);
}

export default async function mediaAttachments(app: FastifyInstance, ctx: AppContext) {
  const { imageSizeLimit, videoSizeLimit } = ctx.config.media;
  /** Uploads only: files allowed (a file and a thumbnail) up to the largest upload; the global limits stay for every other route. */
  const uploadConfig = {
    ...rule('user', 'write:media'), rateLimitClass: 'media' as const,
    multipartOptions: { limits: { files: 2, fileSize: Math.max(imageSizeLimit, videoSizeLimit) + 1, fields: 20, parts: 30 } },
  };
  const entity = (m: media.MediaRow) => serializeMedia(ctx.config, m);

  const answer = (reply: FastifyReply, m: media.MediaRow) => {
    if (m.state === 'failed') throw unprocessable(`Validation failed: ${m.error ?? 'File could not be processed'}`);
    return reply.code(m.state === 'processing' ? 202 : 200).send(entity(m));
  };

  const upload = async (request: FastifyRequest): Promise<media.MediaRow> => {
    const me = viewer(request);
    const body = bodyOf(request.body);
    const key = idempotencyKey(request);
    // A retry of an upload that was stored: the same attachment, never a second one.
    const earlier = key ? await media.findByIdempotencyKey(ctx.db, me, key) : undefined;
    if (earlier) return earlier;
    const description = descriptionParam(body) ?? '';
    const focus = focusParam(body) ?? { x: 0, y: 0 };
    const file = await checkUpload(ctx, body.file);
    const thumbnail = body.thumbnail !== undefined ? await storeThumbnail(ctx, body.thumbnail) : null;
    const id = await media.newMediaId(ctx.db);
    const stored = uploadKey(id);
    // Durable before its row exists (in the cluster: in two DCs), so no row ever points at nothing.
    await ctx.media.store.put(stored, file.bytes, file.sniffed.mime);
    const type = file.animated ? 'gifv' : file.sniffed.kind;
    const { media: row, created } = await media.createMedia(ctx, me, { id, type, uploadKey: stored, description, focus, idempotencyKey: key, thumbnail });
    if (!created) await ctx.media.store.delete(stored);
    return row;
  };

  app.post('/api/v2/media', { config: uploadConfig }, async (request, reply) => answer(reply, await upload(request)));

  app.post('/api/v1/media', { config: uploadConfig }, async (request, reply) => {
    let row = await upload(request);
    // Waiting is not work: the admission slot goes back (as a stream's does), and the wait ends before
    // the request budget does, since past it no database work starts (overload/deadline.ts).
    request.overloadSlot?.release(false);
    request.overloadSlot = null;
    const budgetLeft = request.receivedAt + ctx.config.requestBudgetMs - performance.now() - 1000;
    for (const until = Date.now() + Math.min(V1_WAIT_MS, budgetLeft); row.state === 'processing' && Date.now() < until;) {
      await new Promise((r) => setTimeout(r, 100));
      row = (await media.getMedia(ctx.db, row.id)) ?? row;
    }
    return answer(reply, row);
  });

  app.get<WithId>('/api/v1/media/:id', { config: rule('user', 'write:media') }, async (request, reply) => {
    const row = await media.getOwnUnattachedMedia(ctx.db, viewer(request), idParam(request.params.id));
    if (row.state === 'failed') throw unprocessable(`Validation failed: ${row.error ?? 'File could not be processed'}`);
    return reply.code(row.state === 'processing' ? 206 : 200).send(entity(row));
  });

  app.put<WithId>('/api/v1/media/:id', { config: uploadConfig }, async (request) => {
    const me = viewer(request);
    const id = idParam(request.params.id);
    const body = bodyOf(request.body);
    // Whose it is first: nobody's thumbnail is processed for someone else's media.
    await media.getOwnUnattachedMedia(ctx.db, me, id);
    const update: media.MediaUpdate = { description: descriptionParam(body), focus: focusParam(body) };
    if (body.thumbnail !== undefined) update.thumbnail = await storeThumbnail(ctx, body.thumbnail);
    return entity(await media.updateMedia(ctx, me, id, update));
  });

  app.delete<WithId>('/api/v1/media/:id', { config: rule('user', 'write:media') }, async (request) => {
    await media.deleteMedia(ctx, viewer(request), idParam(request.params.id), idempotencyKey(request));
    return {};
  });
}
