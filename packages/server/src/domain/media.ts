// Media attachments: their rows, the processing queue, attaching them to statuses, avatars and
// headers. The bytes live in the media store (src/media/store.ts); every row written here points only
// at bytes already stored, and files no row uses any more are deleted once the write has committed.
import type { AppContext } from '../context.js';
import type { Db, Queryable, Tx } from '../db/index.js';
import { notFound, unprocessable } from '../errors.js';
import { publish } from './events.js';
import { idempotentWrite } from './idempotency.js';
import { MAX_MEDIA_ATTACHMENTS } from '../media/limits.js';

export type MediaState = 'processing' | 'ready' | 'failed';

export interface MediaRow {
  id: string; account_id: string; status_id: string | null; type: string; state: MediaState;
  upload_key: string | null; file_key: string | null; preview_key: string | null; thumbnail_key: string | null;
  meta: Record<string, unknown>; blurhash: string | null; description: string; focus_x: number; focus_y: number;
  error: string | null; created_at: Date;
}

export const MEDIA_COLUMNS = 'm.id, m.account_id, m.status_id, m.type, m.state, m.upload_key, m.file_key, m.preview_key, m.thumbnail_key, m.meta, m.blurhash, m.description, m.focus_x, m.focus_y, m.error, m.created_at';

/** How often a job is tried when processing fails for reasons other than its input. */
const MAX_ATTEMPTS = 3;
/**
 * A claimed job's lease, renewed every third of it while the job runs: a burned server's jobs are
 * taken over this soon (the fire drill's first run, with a minute, failed a post waiting on one).
 */
export const JOB_LEASE_SECONDS = 10;

const parseMeta = (row: MediaRow): MediaRow => ({ ...row, meta: typeof row.meta === 'string' ? JSON.parse(row.meta) : row.meta });

export interface Focus { x: number; y: number }

export interface NewMedia {
  id: string; type: string; uploadKey: string; description: string; focus: Focus; idempotencyKey: string | null;
  thumbnail: { key: string; blurhash: string } | null;
}

/**
 * A fresh id for an upload, so its bytes can be stored under it before its row exists. In a
 * transaction, so that it runs on the primary: the id sequence advances there only, and as a read it
 * went to a standby whenever reads were hedged (a slow or failing primary), failing there each time.
 */
export async function newMediaId(db: Db): Promise<string> {
  const [row] = await db.transaction((tx) => tx.query<{ id: string }>('select next_id() as id'));
  return row!.id;
}

export async function findByIdempotencyKey(db: Queryable, accountId: string, key: string): Promise<MediaRow | undefined> {
  const [row] = await db.query<MediaRow>(`select ${MEDIA_COLUMNS} from media_attachments m where m.account_id = $1 and m.idempotency_key = $2`, [accountId, key]);
  return row && parseMeta(row);
}

/**
 * The row and its processing job, in one transaction; the upload is already stored. With an
 * Idempotency-Key a concurrent duplicate finds the first row (`created: false`): the caller then
 * removes its own copy of the upload. A transaction retried after a commit whose answer was lost in
 * a failover finds its own row (same id): that is this upload, created, and its file must stay.
 */
export async function createMedia(ctx: AppContext, accountId: string, m: NewMedia): Promise<{ media: MediaRow; created: boolean }> {
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx.query<MediaRow>(
      `insert into media_attachments as m (id, account_id, type, upload_key, description, focus_x, focus_y, idempotency_key, thumbnail_key, blurhash)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) on conflict do nothing returning ${MEDIA_COLUMNS}`,
      [m.id, accountId, m.type, m.uploadKey, m.description, m.focus.x, m.focus.y, m.idempotencyKey, m.thumbnail?.key ?? null, m.thumbnail?.blurhash ?? null]);
    if (!row) {
      const [own] = await tx.query<MediaRow>(`select ${MEDIA_COLUMNS} from media_attachments m where m.id = $1`, [m.id]);
      if (own) return { media: parseMeta(own), created: true };
      return { media: (await findByIdempotencyKey(tx, accountId, m.idempotencyKey!))!, created: false };
    }
    await tx.query('insert into media_jobs (media_id) values ($1)', [m.id]);
    publish(ctx.events, tx, 'media.queued', { mediaId: m.id });
    return { media: parseMeta(row), created: true };
  });
}

export async function getMedia(db: Queryable, id: string): Promise<MediaRow | undefined> {
  const [row] = await db.query<MediaRow>(`select ${MEDIA_COLUMNS} from media_attachments m where m.id = $1`, [id]);
  return row && parseMeta(row);
}

/** One's own media not attached to any status yet (what GET and PUT /api/v1/media/:id see); 404 otherwise. */
export async function getOwnUnattachedMedia(db: Queryable, accountId: string, id: string): Promise<MediaRow> {
  const [row] = await db.query<MediaRow>(`select ${MEDIA_COLUMNS} from media_attachments m where m.id = $1 and m.account_id = $2 and m.status_id is null`, [id, accountId]);
  if (!row) throw notFound();
  return parseMeta(row);
}

/** Media rows by id, for hydration: one query for a whole page. */
export async function mediaByIds(db: Queryable, ids: string[]): Promise<Map<string, MediaRow>> {
  if (ids.length === 0) return new Map();
  const rows = await db.query<MediaRow>(`select ${MEDIA_COLUMNS} from media_attachments m where m.id = any($1::bigint[])`, [[...new Set(ids)]]);
  return new Map(rows.map((r) => [r.id, parseMeta(r)]));
}

export interface MediaUpdate { description?: string; focus?: Focus; thumbnail?: { key: string; blurhash: string } }

export async function updateMedia(ctx: AppContext, accountId: string, id: string, update: MediaUpdate): Promise<MediaRow> {
  const { row, released } = await ctx.db.transaction(async (tx) => {
    const [before] = await tx.query<MediaRow>(`select ${MEDIA_COLUMNS} from media_attachments m where m.id = $1 and m.account_id = $2 and m.status_id is null for update`, [id, accountId]);
    if (!before) throw notFound();
    const [row] = await tx.query<MediaRow>(
      `update media_attachments m set description = coalesce($2, m.description), focus_x = coalesce($3, m.focus_x), focus_y = coalesce($4, m.focus_y),
         thumbnail_key = coalesce($5, m.thumbnail_key), blurhash = coalesce($6, m.blurhash)
       where m.id = $1 returning ${MEDIA_COLUMNS}`,
      [id, update.description ?? null, update.focus?.x ?? null, update.focus?.y ?? null, update.thumbnail?.key ?? null, update.thumbnail?.blurhash ?? null]);
    const replaced = update.thumbnail && before.thumbnail_key && before.thumbnail_key !== update.thumbnail.key ? [before.thumbnail_key] : [];
    return { row: parseMeta(row!), released: await unusedFiles(tx, replaced) };
  });
  await deleteFiles(ctx, released);
  return row;
}

/**
 * Deletes one's own unattached media (Mastodon 4.4): 404 for anyone else's, 422 once a status uses it.
 * The answer is kept under the Idempotency-Key, so a retry after a lost answer is not a 404.
 */
export async function deleteMedia(ctx: AppContext, accountId: string, id: string, key: string | null): Promise<void> {
  await idempotentWrite(ctx, accountId, key, `DELETE /api/v1/media/${id}`, async (tx) => {
    const [row] = await tx.query<MediaRow>(`delete from media_attachments m where m.id = $1 and m.account_id = $2 and m.status_id is null returning ${MEDIA_COLUMNS}`, [id, accountId]);
    if (!row) {
      const [attached] = await tx.query('select 1 from media_attachments where id = $1 and account_id = $2', [id, accountId]);
      if (attached) throw unprocessable('Media attachment is currently used by a status');
      throw notFound();
    }
    const released = await unusedFiles(tx, filesOf([row]));
    tx.afterCommit(() => { void deleteFiles(ctx, released); });
    return {};
  });
}

export const filesOf = (rows: Array<Pick<MediaRow, 'upload_key' | 'file_key' | 'preview_key' | 'thumbnail_key'>>) =>
  rows.flatMap((r) => [r.upload_key, r.file_key, r.preview_key, r.thumbnail_key].filter((k): k is string => k !== null));

/**
 * Of `keys` (files whose row is gone or changed in `tx`), those nobody uses any more. Processed files
 * are content-addressed, so two uploads of the same picture share them; uploads are per row.
 */
export async function unusedFiles(tx: Queryable, keys: string[]): Promise<string[]> {
  if (keys.length === 0) return [];
  const rows = await tx.query<{ key: string }>(
    `select k.key from unnest($1::text[]) as k(key)
     where not exists (select 1 from media_attachments m where m.file_key = k.key or m.preview_key = k.key or m.thumbnail_key = k.key or m.upload_key = k.key)
       and not exists (select 1 from accounts a where a.avatar_key = k.key)
       and not exists (select 1 from accounts a where a.header_key = k.key)`, [[...new Set(keys)]]);
  return rows.map((r) => r.key);
}

/** Files no row uses, deleted after the commit that released them. A failure leaves an orphan, never a dangling row. */
export async function deleteFiles(ctx: AppContext, keys: string[]): Promise<void> {
  for (const key of keys) {
    await ctx.media.store.delete(key).catch((err) => ctx.logger.warn({ err, key }, 'could not delete a media file'));
  }
}

/** How long an upload no status uses is kept (Mastodon keeps them a day too). */
const UNATTACHED_KEEP = '1 day';

/**
 * Deletes uploads no status took within a day, and their files: what someone uploads and never
 * posts does not accumulate (uploads are limited per account and window, their sum by this). A batch
 * at a time; returns how many were deleted.
 */
export async function deleteStaleMedia(ctx: AppContext, batch = 100): Promise<number> {
  const released = await ctx.db.transaction(async (tx) => {
    const rows = await tx.query<MediaRow>(
      `delete from media_attachments m where m.id in (
         select id from media_attachments where status_id is null and created_at < now() - interval '${UNATTACHED_KEEP}'
         order by id limit $1 for update skip locked)
       returning ${MEDIA_COLUMNS}`, [batch]);
    return { count: rows.length, keys: await unusedFiles(tx, filesOf(rows)) };
  });
  await deleteFiles(ctx, released.keys);
  return released.count;
}

// --- Processing queue ------------------------------------------------------------------------------

export interface ClaimedJob { mediaId: string; attempts: number; uploadKey: string | null }

/** Takes the oldest due job no one holds, for JOB_LEASE_SECONDS. */
export async function claimJob(ctx: AppContext): Promise<ClaimedJob | undefined> {
  return ctx.db.transaction(async (tx) => {
    const [job] = await tx.query<{ media_id: string; attempts: number; upload_key: string | null }>(
      `update media_jobs j set locked_until = now() + interval '${JOB_LEASE_SECONDS} seconds', attempts = j.attempts + 1
       from media_attachments m
       where j.media_id = (select media_id from media_jobs where run_after <= now() and (locked_until is null or locked_until < now())
                           order by run_after limit 1 for update skip locked)
         and m.id = j.media_id
       returning j.media_id, j.attempts, m.upload_key`);
    return job && { mediaId: job.media_id, attempts: Number(job.attempts), uploadKey: job.upload_key };
  });
}

export async function renewLease(ctx: AppContext, mediaId: string): Promise<void> {
  await ctx.db.transaction((tx) => tx.query(`update media_jobs set locked_until = now() + interval '${JOB_LEASE_SECONDS} seconds' where media_id = $1`, [mediaId]));
}

export interface ProcessedFiles { type: string; fileKey: string; previewKey: string | null; meta: Record<string, unknown>; blurhash: string | null }

/** The job done: the row points at the processed files, the job is gone, the upload is released. */
export async function finishJob(ctx: AppContext, mediaId: string, p: ProcessedFiles): Promise<void> {
  const released = await ctx.db.transaction(async (tx) => {
    const [row] = await tx.query<{ upload_key: string | null }>(
      `with job as (delete from media_jobs where media_id = $1 returning media_id),
       before as (select upload_key from media_attachments where id = $1)
       update media_attachments m set state = 'ready', type = $2, file_key = $3, preview_key = $4, meta = $5::jsonb,
         blurhash = case when m.thumbnail_key is null then $6 else m.blurhash end, upload_key = null, processed_at = now()
       where m.id = $1 and exists (select 1 from job) returning (select upload_key from before)`,
      [mediaId, p.type, p.fileKey, p.previewKey, JSON.stringify(p.meta), p.blurhash]);
    // Someone else finished it (a lease that lapsed): this run's files may be unused.
    return unusedFiles(tx, row ? [row.upload_key].filter((k): k is string => !!k) : [p.fileKey, ...(p.previewKey ? [p.previewKey] : [])]);
  });
  await deleteFiles(ctx, released);
}

/** A failed attempt: bad input (or the last attempt) fails the media for good; otherwise it is retried later. */
export async function failJob(ctx: AppContext, job: ClaimedJob, error: string, permanent: boolean): Promise<void> {
  if (!permanent && job.attempts < MAX_ATTEMPTS) {
    await ctx.db.transaction((tx) => tx.query(
      `update media_jobs set locked_until = null, run_after = now() + ($2::int * interval '10 seconds'), last_error = $3 where media_id = $1`,
      [job.mediaId, job.attempts, error.slice(0, 500)]));
    return;
  }
  const released = await ctx.db.transaction(async (tx) => {
    await tx.query('delete from media_jobs where media_id = $1', [job.mediaId]);
    const [before] = await tx.query<{ upload_key: string | null }>('select upload_key from media_attachments where id = $1', [job.mediaId]);
    await tx.query(`update media_attachments set state = 'failed', error = $2, upload_key = null where id = $1`, [job.mediaId, error.slice(0, 500)]);
    return unusedFiles(tx, before?.upload_key ? [before.upload_key] : []);
  });
  await deleteFiles(ctx, released);
}

// --- Attaching to statuses ----------------------------------------------------------------------------

/**
 * The media a status is to show, locked, in the order given: at most four, the author's own, done
 * processing, and not attached to another status (those already on `statusId`, for an edit, are fine).
 */
export async function attachable(tx: Tx, accountId: string, ids: string[], statusId: string | null): Promise<MediaRow[]> {
  if (ids.length > MAX_MEDIA_ATTACHMENTS) throw unprocessable(`Validation failed: You can attach at most ${MAX_MEDIA_ATTACHMENTS} media attachments`);
  if (new Set(ids).size !== ids.length) throw unprocessable('Validation failed: The same media attachment is given twice');
  if (ids.length === 0) return [];
  const rows = await tx.query<MediaRow>(`select ${MEDIA_COLUMNS} from media_attachments m where m.id = any($1::bigint[]) and m.account_id = $2 for update`, [ids, accountId]);
  const byId = new Map(rows.map((r) => [r.id, parseMeta(r)]));
  return ids.map((id) => {
    const m = byId.get(id);
    if (!m || (m.status_id !== null && m.status_id !== statusId)) throw unprocessable(`Validation failed: Media attachment ${id} does not exist or is already used`);
    if (m.state === 'processing') throw unprocessable('Cannot attach files that have not finished processing. Try again in a moment!');
    if (m.state === 'failed') throw unprocessable(`Validation failed: Media attachment ${id} could not be processed`);
    return m;
  });
}

/** Marks media as the status's, for good. */
export async function attach(tx: Queryable, statusId: string, ids: string[]): Promise<void> {
  if (ids.length) await tx.query('update media_attachments set status_id = $1 where id = any($2::bigint[])', [statusId, ids]);
}

/** Descriptions and focal points given with an edit (`media_attributes`), for media the status shows. */
export async function updateAttributes(tx: Queryable, ids: string[], attributes: Array<{ id: string; description?: string; focus?: Focus }>): Promise<boolean> {
  let changed = false;
  for (const a of attributes) {
    if (!ids.includes(a.id)) throw unprocessable(`Validation failed: media_attributes names media attachment ${a.id}, which the status does not show`);
    const rows = await tx.query(
      `update media_attachments set description = coalesce($2, description), focus_x = coalesce($3, focus_x), focus_y = coalesce($4, focus_y)
       where id = $1 and (description is distinct from coalesce($2, description) or focus_x is distinct from coalesce($3, focus_x)::real or focus_y is distinct from coalesce($4, focus_y)::real)
       returning id`, [a.id, a.description ?? null, a.focus?.x ?? null, a.focus?.y ?? null]);
    changed ||= rows.length > 0;
  }
  return changed;
}

/** The media files of statuses about to be deleted (their rows go with them, by cascade). */
export async function filesOfStatus(tx: Queryable, statusId: string): Promise<string[]> {
  return filesOf(await tx.query<MediaRow>('select upload_key, file_key, preview_key, thumbnail_key from media_attachments where status_id = $1', [statusId]));
}

// --- Avatars and headers ---------------------------------------------------------------------------------

/** Sets (a key) or removes (null) the avatar or header; the replaced file is deleted once unused. */
export async function setProfileImage(ctx: AppContext, accountId: string, which: 'avatar' | 'header', key: string | null): Promise<void> {
  const column = which === 'avatar' ? 'avatar_key' : 'header_key';
  const released = await ctx.db.transaction(async (tx) => {
    const [before] = await tx.query<{ key: string | null }>(`select ${column} as key from accounts where id = $1 for update`, [accountId]);
    if (!before) throw notFound();
    await tx.query(`update accounts set ${column} = $2 where id = $1`, [accountId, key]);
    return before.key && before.key !== key ? unusedFiles(tx, [before.key]) : [];
  });
  await deleteFiles(ctx, released);
}
