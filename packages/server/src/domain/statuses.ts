// Posting, deleting and interacting with statuses. Every write is one transaction that also keeps the
// denormalised counters and notifications right, and every write is safe to retry (DESIGN §2 rule 3).
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../context.js';
import type { Queryable } from '../db/index.js';
import { notFound, unprocessable } from '../errors.js';
import { ACCOUNT_COUNTS } from './account-fields.js';
import type { PublicAccountRow } from './accounts.js';
import { addToConversations, removeFromConversations } from './conversations.js';
import { publish, publishNotifications, type NotificationRef } from './events.js';
import { queueFanOutSql } from './feed-outbox.js';
import { idempotentWrite } from './idempotency.js';
import { notify, notifySubscribers } from './notifications.js';
import { pick } from './pick.js';
import { countCharacters, escapeHtml, parseText, renderStatusHtml, type ParsedText } from './text.js';
import { visibleTo } from './visibility.js';
import { keysetPage, type PageParams } from './pagination.js';
import { attach, attachable, deleteFiles, filesOfStatus, unusedFiles, updateAttributes, type Focus } from './media.js';

export const VISIBILITIES = ['public', 'unlisted', 'private', 'direct'] as const;
export const MAX_PINNED_STATUSES = 5;
export type Visibility = (typeof VISIBILITIES)[number];

export interface StatusRow {
  id: string; account_id: string; text: string; content_html: string; spoiler_text: string; sensitive: boolean;
  visibility: Visibility; language: string | null; in_reply_to_id: string | null; in_reply_to_account_id: string | null;
  reblog_of_id: string | null; quote_of_id: string | null; app_id: string | null; created_at: Date; edited_at: Date | null;
  replies_count: number; reblogs_count: number; favourites_count: number; quotes_count: number;
  /** The media attachments it shows, in order. */
  media_ids: string[];
}

export const STATUS_COLUMNS = 's.id, s.account_id, s.text, s.content_html, s.spoiler_text, s.sensitive, s.visibility, s.language, s.in_reply_to_id, s.in_reply_to_account_id, s.reblog_of_id, s.quote_of_id, s.app_id, s.created_at, s.edited_at, s.replies_count, s.reblogs_count, s.favourites_count, s.quotes_count, s.media_ids';

/** The same columns without the alias, for RETURNING and for picking them out of wider rows. */
export const STATUS_FIELDS = STATUS_COLUMNS.split(', ').map((c) => c.slice('s.'.length));

export interface NewStatus {
  text: string; spoilerText: string; sensitive: boolean; visibility: Visibility; language: string | null;
  inReplyToId: string | null; quotedStatusId: string | null; idempotencyKey: string | null; appId: string | null;
  /** Media attachments to show, in order (the author's own, processed, unattached; at most four). */
  mediaIds?: string[];
}

export interface CreatedStatus {
  statusId: string;
  /** false: the Idempotency-Key was already used, and this is the status it created. */
  created: boolean;
  /** The new status as its own statement returned it, when this call created it (and its author is not suspended). */
  fresh?: FreshStatus;
}

/**
 * What the statement that creates a status knows of it when it commits: with the author's content
 * (the entity cache's), all its entity is made of, so the answer to a post is built without reading
 * the post back (hydration.ts hydrateFresh).
 */
export interface FreshStatus {
  row: StatusRow;
  /** Its content's version (statusVersionSql), under which the entity cache may keep it. */
  version: string;
  /** Ordered by id, as hydration's statements order them. */
  mentions: Array<{ id: string; username: string }>;
  /** Ordered by the hashtags' ids, as hydration's statements order them. */
  tags: string[];
  /** The author muted the thread it was posted in. */
  muted: boolean;
  /** The author's counters after the post, and the version of the rest of their account. */
  author: { version: string } & Pick<PublicAccountRow, (typeof ACCOUNT_COUNTS)[number]>;
}

/**
 * Names one content of a status (of alias `s`): its text, columns, mentions and hashtags change only
 * by an edit, which sets edited_at (microseconds, so edits a millisecond apart differ), or by a change
 * that is not an edit, which counts up content_version (a mentioned account deleted: moderation.ts
 * rejectAccount). Hashtags are never renamed or deleted; usernames never change.
 */
export const statusVersionSql = (s: string) =>
  `(extract(epoch from coalesce(${s}.edited_at, ${s}.created_at)) * 1000000)::bigint::text || '/' || ${s}.content_version::text`;

export async function findVisibleStatus(db: Queryable, viewerId: string | null, id: string): Promise<StatusRow | undefined> {
  const [row] = await db.query<StatusRow>(`select ${STATUS_COLUMNS} from statuses s where s.id = $1 and ${visibleTo('$2')}`, [id, viewerId]);
  return row;
}

export async function getVisibleStatus(db: Queryable, viewerId: string | null, id: string): Promise<StatusRow> {
  const row = await findVisibleStatus(db, viewerId, id);
  if (!row) throw notFound();
  return row;
}

/** The statuses among `ids` the viewer may see, by id. */
export async function findVisibleStatuses(db: Queryable, viewerId: string | null, ids: string[]): Promise<Map<string, StatusRow>> {
  if (ids.length === 0) return new Map();
  const rows = await db.query<StatusRow>(`select ${STATUS_COLUMNS} from statuses s where s.id = any($1::bigint[]) and ${visibleTo('$2')}`, [[...new Set(ids)], viewerId]);
  return new Map(rows.map((r) => [r.id, r]));
}

/** Statuses quoting `statusId` that the viewer may see, newest first. */
export async function quotesOf(db: Queryable, viewerId: string, statusId: string, page: PageParams): Promise<StatusRow[]> {
  const params: unknown[] = [statusId, viewerId];
  return keysetPage<StatusRow>(db, page, 's.id', params, (k) =>
    `select ${STATUS_COLUMNS} from statuses s where s.quote_of_id = $1 and ${visibleTo('$2')} and ${k.where} order by ${k.order} limit ${k.limit}`);
}

export async function getStatuses(db: Queryable, ids: string[]): Promise<Map<string, StatusRow>> {
  if (ids.length === 0) return new Map();
  const rows = await db.query<StatusRow>(`select ${STATUS_COLUMNS} from statuses s where s.id = any($1::bigint[])`, [[...new Set(ids)]]);
  return new Map(rows.map((r) => [r.id, r]));
}

/**
 * The most characters a status's text and content warning may hold before they are counted: URLs
 * count as 23 whatever their length, so a valid status can be longer than the limit, but not this much
 * longer. Text beyond it is refused before the (comparatively slow) entity parsing ever sees it.
 */
export const rawTextLimit = (maxStatusChars: number) => Math.max(5000, maxStatusChars * 10);

/** A status with media may have no text, as on Mastodon. */
export function validateText(ctx: AppContext, input: { text: string; spoilerText: string }, hasMedia = false): void {
  if (input.text.length + input.spoilerText.length > rawTextLimit(ctx.config.maxStatusChars)) {
    throw unprocessable(`Validation failed: Text character limit of ${ctx.config.maxStatusChars} exceeded`);
  }
  if (input.text.trim().length === 0 && !hasMedia) throw unprocessable("Validation failed: Text can't be blank");
  const length = countCharacters(input.text) + countCharacters(input.spoilerText);
  if (length > ctx.config.maxStatusChars) {
    throw unprocessable(`Validation failed: Text character limit of ${ctx.config.maxStatusChars} exceeded`);
  }
}

async function render(ctx: AppContext, tx: Queryable, text: string, mentions: string[], quotedStatusId: string | null) {
  const mentioned = mentions.length
    ? await tx.query<{ id: string; username: string }>('select id, username from accounts where lower(username) = any($1::text[])', [mentions])
    : [];
  const html = renderStatusHtml(text, { baseUrl: ctx.config.publicUrl, localDomain: ctx.config.domain, knownAccounts: new Set(mentioned.map((m) => m.username.toLowerCase())) });
  return { mentioned, html: (await quoteInline(ctx, tx, text, quotedStatusId)) + html };
}

/**
 * Clients that do not know quote posts still see what is quoted: like Mastodon 4.5, a quote whose
 * text does not link the quoted post starts with a `RE: <link>` paragraph of class quote-inline,
 * which quote-aware clients (our web UI included) hide.
 */
async function quoteInline(ctx: AppContext, tx: Queryable, text: string, quotedStatusId: string | null): Promise<string> {
  if (!quotedStatusId) return '';
  const [quoted] = await tx.query<{ username: string }>('select a.username from statuses s join accounts a on a.id = s.account_id where s.id = $1', [quotedStatusId]);
  if (!quoted) return '';
  const url = `${ctx.config.publicUrl}/@${quoted.username}/${quotedStatusId}`;
  if (text.includes(url)) return '';
  return `<p class="quote-inline">RE: <a href="${escapeHtml(url)}" target="_blank" rel="nofollow noopener noreferrer">${escapeHtml(url.replace(/^https?:\/\//, ''))}</a></p>`;
}

async function linkMentionsAndTags(tx: Queryable, statusId: string, mentioned: Array<{ id: string }>, tags: string[]): Promise<void> {
  if (mentioned.length) {
    await tx.query('insert into mentions (status_id, account_id) select $1, unnest($2::bigint[]) on conflict do nothing', [statusId, mentioned.map((m) => m.id)]);
  }
  if (tags.length) {
    await tx.query('insert into tags (name) select unnest($1::text[]) on conflict do nothing', [tags]);
    await tx.query(
      `insert into status_tags (tag_id, status_id) select id, $2 from tags where lower(name) = any($1::text[]) on conflict do nothing`,
      [tags.map((t) => t.toLowerCase()), statusId]);
  }
}

/** Mentioned local accounts and already known hashtags: read before the write transaction starts. */
async function lookupEntities(db: Queryable, parsed: ParsedText): Promise<{ mentioned: Array<{ id: string; username: string }>; tagIds: Map<string, string> }> {
  // Only the parts the text needs: with no mention, PostgreSQL still walked an index of accounts for
  // the empty list (0.4 to 0.6 ms of a post's statements on the medium bench dataset).
  const parts: string[] = [];
  const params: unknown[] = [];
  if (parsed.mentions.length) {
    params.push(parsed.mentions);
    parts.push(`select 'account' as kind, id, username as name from accounts where lower(username) = any($${params.length}::text[])`);
  }
  if (parsed.tags.length) {
    params.push(parsed.tags.map((t) => t.toLowerCase()));
    parts.push(`select 'tag' as kind, id, lower(name) as name from tags where lower(name) = any($${params.length}::text[])`);
  }
  if (!parts.length) return { mentioned: [], tagIds: new Map() };
  const rows = await db.query<{ kind: 'account' | 'tag'; id: string; name: string }>(parts.join(' union all '), params);
  return {
    mentioned: rows.filter((r) => r.kind === 'account').map((r) => ({ id: r.id, username: r.name })),
    tagIds: new Map(rows.filter((r) => r.kind === 'tag').map((r) => [r.name, r.id])),
  };
}

/**
 * The status with its counters, mentions, hashtags and its place in the feed outbox, as one statement
 * (one round trip inside the transaction). It is driven by the idempotency claim: when the key is already taken
 * nothing else is written.
 */
const CREATE_STATUS_SQL = `
  with claim as (
    insert into idempotency_keys (account_id, key, status_id) values ($1, $2, next_id())
    on conflict do nothing returning status_id),
  created as (
    insert into statuses (id, account_id, text, content_html, spoiler_text, sensitive, visibility, language, in_reply_to_id, in_reply_to_account_id, quote_of_id, app_id, media_ids, thread_id)
    select status_id, $1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $15::bigint[], (select coalesce(p.thread_id, p.id) from statuses p where p.id = $9) from claim
    returning ${STATUS_FIELDS.join(', ')}, thread_id, content_version),
  attached as (update media_attachments m set status_id = c.id from created c where m.id = any($15::bigint[])),
  author as (
    update accounts set statuses_count = statuses_count + 1, last_status_at = now() where id = $1 and exists (select 1 from created)
    returning version::text as version, suspended_at is not null as suspended, ${ACCOUNT_COUNTS.join(', ')}),
  parents as (
    update statuses p set replies_count = replies_count + (p.id is not distinct from $9)::int, quotes_count = quotes_count + (p.id is not distinct from $11)::int
    where p.id in ($9, $11) and exists (select 1 from created)),
  mentioned as (insert into mentions (status_id, account_id) select c.id, unnest($13::bigint[]) from created c on conflict do nothing),
  tagged as (insert into status_tags (tag_id, status_id) select unnest($14::bigint[]), c.id from created c on conflict do nothing),
  queued as (${queueFanOutSql('created')})
  select ${STATUS_FIELDS.map((c) => `c.${c}`).join(', ')},
    ${statusVersionSql('c')} as version,
    array(select t.name from tags t where t.id = any($14::bigint[]) order by t.id) as tags,
    exists (select 1 from thread_mutes tm where tm.thread_id = coalesce(c.thread_id, c.id) and tm.account_id = $1) as muted,
    exists (select 1 from follows f where f.target_account_id = $1 and f.notify) as notify_followers,
    au.version as author_version, au.suspended as author_suspended, ${ACCOUNT_COUNTS.map((c) => `au.${c} as author_${c}`).join(', ')}
  from created c, author au`;

export async function createStatus(ctx: AppContext, authorId: string, input: NewStatus): Promise<CreatedStatus> {
  const mediaIds = input.mediaIds ?? [];
  validateText(ctx, input, mediaIds.length > 0);
  // Parsing, rendering and the look-ups of mentioned accounts and known hashtags happen before the
  // transaction: it then holds its locks (and, in a cluster, waits for the standby) for one statement.
  const parsed = parseText(input.text, ctx.config.domain);
  const { mentioned, tagIds } = await lookupEntities(ctx.db, parsed);
  const html = renderStatusHtml(input.text, { baseUrl: ctx.config.publicUrl, localDomain: ctx.config.domain, knownAccounts: new Set(mentioned.map((m) => m.username.toLowerCase())) });
  // A server-side key when the client sent none, so our own retries through a failover never duplicate.
  const key = input.idempotencyKey ?? `internal:${randomUUID()}`;
  // A retried request whose status exists returns it even if its parent is gone since.
  const orFail = (retried: CreatedStatus | undefined, message: string) => { if (retried) return retried; throw notFound(message); };
  const existingStatus = async (tx: Queryable): Promise<CreatedStatus | undefined> => {
    const [existing] = await tx.query<{ status_id: string }>('select status_id from idempotency_keys where account_id = $1 and key = $2', [authorId, key]);
    return existing && { statusId: existing.status_id, created: false };
  };
  return ctx.db.transaction(async (tx) => {
    try {
      await attachable(tx, authorId, mediaIds, null);
    } catch (err) {
      // A retry of a post that went through finds its media attached (to the post it made).
      const retried = await existingStatus(tx);
      if (retried) return retried;
      throw err;
    }
    let inReplyToAccountId: string | null = null;
    if (input.inReplyToId) {
      const parent = await findVisibleStatus(tx, authorId, input.inReplyToId);
      if (!parent || parent.reblog_of_id) return orFail(await existingStatus(tx), 'The status you are replying to does not exist');
      inReplyToAccountId = parent.account_id;
    }
    let visibility = input.visibility;
    let quotedAuthorId: string | null = null;
    let content = html;
    if (input.quotedStatusId) {
      // Mastodon 4.5's rules: public and unlisted posts are quotable by anyone who sees them, a
      // followers-only post only by its author (and the quote is then followers-only too), a private
      // mention by no one; a private mention that quotes must mention the quoted author.
      const quoted = await findVisibleStatus(tx, authorId, input.quotedStatusId);
      if (!quoted || quoted.reblog_of_id) return orFail(await existingStatus(tx), 'The status you are quoting does not exist');
      const own = quoted.account_id === authorId;
      if (quoted.visibility === 'direct' || (quoted.visibility === 'private' && !own)) throw unprocessable('Validation failed: This post cannot be quoted');
      if (quoted.visibility === 'private' && (visibility === 'public' || visibility === 'unlisted')) visibility = 'private';
      if (visibility === 'direct' && !own && !mentioned.some((m) => m.id === quoted.account_id)) {
        throw unprocessable('Validation failed: A private mention that quotes a post must mention its author');
      }
      quotedAuthorId = quoted.account_id;
      content = (await quoteInline(ctx, tx, input.text, input.quotedStatusId)) + html;
    }
    const ids = [...tagIds.values()];
    const newTags = parsed.tags.filter((t) => !tagIds.has(t.toLowerCase()));
    if (newTags.length) {
      // First use of a hashtag: create it; a separate statement, so it sees a concurrent creator's row.
      await tx.query('insert into tags (name) select unnest($1::text[]) on conflict do nothing', [newTags]);
      const rows = await tx.query<{ id: string }>('select id from tags where lower(name) = any($1::text[])', [newTags.map((t) => t.toLowerCase())]);
      ids.push(...rows.map((r) => r.id));
    }
    const [status] = await tx.query<Record<string, unknown> & { id: string; visibility: Visibility }>(CREATE_STATUS_SQL, [
      authorId, key, input.text, content, input.spoilerText, input.sensitive || input.spoilerText.length > 0, visibility, input.language,
      input.inReplyToId, inReplyToAccountId, input.quotedStatusId, input.appId, mentioned.map((m) => m.id), ids, mediaIds,
    ]);
    // The key was taken: a retry, or a concurrent request with the same key that has now committed
    // (a fresh statement sees it).
    if (!status) return (await existingStatus(tx))!;
    // A private mention is filed under its participants' conversations (a statement of its own, for
    // the same reason as the notifications below).
    if (status.visibility === 'direct') await addToConversations(tx, status.id, authorId, mentioned.map((m) => m.id));
    // Notifications come after, in statements of their own: each checks that its recipient may see
    // the status (and its mentions), which the statement that inserted them cannot see yet.
    const notificationIds: NotificationRef[] = [];
    // Mentioned accounts and the author replied to hear of it as a `mention` (see notifications.ts).
    const recipients = new Set(mentioned.map((m) => m.id));
    if (inReplyToAccountId) recipients.add(inReplyToAccountId);
    for (const recipient of recipients) {
      const notification = await notify(tx, recipient, authorId, 'mention', status.id);
      if (notification) notificationIds.push(notification);
    }
    if (quotedAuthorId && !recipients.has(quotedAuthorId)) {
      const notification = await notify(tx, quotedAuthorId, authorId, 'quote', status.id);
      if (notification) notificationIds.push(notification);
    }
    // Followers who asked to hear of the author's posts: most authors have none, and the statement
    // that made the post says whether any has (follows_notify_idx), so most posts skip this one. One
    // who asks while the post is being made may not hear of it, as before (the request crossed it).
    if ((!inReplyToAccountId || inReplyToAccountId === authorId) && status.notify_followers) {
      notificationIds.push(...await notifySubscribers(tx, authorId, status.id, notificationIds.map((n) => n.accountId)));
    }
    publish(ctx.events, tx, 'status.created', { statusId: status.id, accountId: authorId });
    publishNotifications(ctx.events, tx, notificationIds);
    // Suspended since its token was checked: the post is kept, but no one may see it, its author
    // included (visibleTo), so the answer goes the way of any read.
    return { statusId: status.id, created: true, fresh: status.author_suspended ? undefined : freshStatus(status, mentioned) };
  });
}

/** The answer of CREATE_STATUS_SQL, taken apart. */
function freshStatus(returned: Record<string, unknown>, mentioned: Array<{ id: string; username: string }>): FreshStatus {
  return {
    row: pick(returned, STATUS_FIELDS) as unknown as StatusRow,
    version: returned.version as string,
    mentions: [...mentioned].sort((a, b) => compareIds(a.id, b.id)),
    tags: returned.tags as string[],
    muted: returned.muted as boolean,
    author: pick(returned, ['version', ...ACCOUNT_COUNTS], 'author_') as FreshStatus['author'],
  };
}

/** Orders ids (bigints as decimal strings) as numbers. */
const compareIds = (a: string, b: string) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);

export interface MediaAttributes { id: string; description?: string; focus?: Focus }

/** mediaIds undefined: the media stay as they are (Mastodon changes them only when media_ids is given). */
export interface StatusEdit { text: string; spoilerText: string; sensitive: boolean; language: string | null; mediaIds?: string[]; mediaAttributes?: MediaAttributes[] }

const sameIds = (a: readonly unknown[], b: readonly unknown[]) => a.length === b.length && a.every((x, i) => String(x) === String(b[i]));

/**
 * Edits one's own status: the previous version goes to status_edits, mentions and hashtags follow the
 * new text, everyone who reblogged it is told (`update`) and everyone who quoted it too
 * (`quoted_update`, attached to their quote). Editing to the same content is a no-op, so a retried
 * edit changes nothing twice.
 */
export async function editStatus(ctx: AppContext, accountId: string, id: string, edit: StatusEdit): Promise<StatusRow> {
  return ctx.db.transaction(async (tx) => {
    // Whose status it is, first: nobody gets the text of an edit to someone else's status parsed.
    const [current] = await tx.query<StatusRow>(`select ${STATUS_COLUMNS} from statuses s where s.id = $1 and s.account_id = $2 and s.reblog_of_id is null for update`, [id, accountId]);
    if (!current) throw notFound();
    const mediaIds = edit.mediaIds ?? current.media_ids.map(String);
    validateText(ctx, edit, mediaIds.length > 0);
    await attachable(tx, accountId, mediaIds, id);
    const parsed = parseText(edit.text, ctx.config.domain);
    const sensitive = edit.sensitive || edit.spoilerText.length > 0;
    const attributesChanged = edit.mediaAttributes ? await updateAttributes(tx, mediaIds, edit.mediaAttributes) : false;
    if (current.text === edit.text && current.spoiler_text === edit.spoilerText && current.sensitive === sensitive && current.language === edit.language
      && sameIds(mediaIds, current.media_ids) && !attributesChanged) {
      return current;
    }
    await tx.query('insert into status_edits (status_id, text, spoiler_text, sensitive, created_at, media_ids) values ($1, $2, $3, $4, $5, $6::bigint[])',
      [id, current.text, current.spoiler_text, current.sensitive, current.edited_at ?? current.created_at, current.media_ids]);
    await attach(tx, id, mediaIds);
    const { mentioned, html } = await render(ctx, tx, edit.text, parsed.mentions, current.quote_of_id);
    const [updated] = await tx.query<StatusRow>(
      `update statuses s set text = $2, content_html = $3, spoiler_text = $4, sensitive = $5, language = $6, media_ids = $7::bigint[], edited_at = now()
       where s.id = $1 returning ${STATUS_COLUMNS}`, [id, edit.text, html, edit.spoilerText, sensitive, edit.language, mediaIds]);
    await tx.query('delete from mentions where status_id = $1', [id]);
    await tx.query('delete from status_tags where status_id = $1', [id]);
    await linkMentionsAndTags(tx, id, mentioned, parsed.tags);
    const rebloggers = await tx.query<{ account_id: string }>('select account_id from statuses where reblog_of_id = $1', [id]);
    const notified: NotificationRef[] = [];
    for (const r of rebloggers) {
      const notification = await notify(tx, r.account_id, accountId, 'update', id);
      if (notification) notified.push(notification);
    }
    const quotes = await tx.query<{ id: string; account_id: string }>('select id, account_id from statuses where quote_of_id = $1', [id]);
    for (const q of quotes) {
      const notification = await notify(tx, q.account_id, accountId, 'quoted_update', q.id);
      if (notification) notified.push(notification);
    }
    publish(ctx.events, tx, 'status.updated', { statusId: id, accountId });
    publishNotifications(ctx.events, tx, notified);
    return updated!;
  });
}

export interface StatusVersion { text: string; spoiler_text: string; sensitive: boolean; created_at: Date; media_ids: string[] }

/** Earlier versions oldest first, then the current one, as Mastodon's /history lists them. */
export async function statusHistory(db: Queryable, status: StatusRow): Promise<StatusVersion[]> {
  const edits = await db.query<StatusVersion>(
    'select text, spoiler_text, sensitive, created_at, media_ids from status_edits where status_id = $1 order by id', [status.id]);
  return [...edits, { text: status.text, spoiler_text: status.spoiler_text, sensitive: status.sensitive, created_at: status.edited_at ?? status.created_at, media_ids: status.media_ids }];
}

/**
 * Deletes one of the account's own statuses (404 for anyone else's) and answers with what `present`
 * makes of it while it still exists (the API's entity, with its source for delete-and-redraft). The
 * answer is stored under the Idempotency-Key, so a retry after a lost answer gets it again, not a 404.
 */
export async function deleteStatus<T>(ctx: AppContext, accountId: string, id: string, key: string | null, present: (tx: Queryable, row: StatusRow) => Promise<T>): Promise<T> {
  const { response } = await idempotentWrite(ctx, accountId, key, `DELETE /api/v1/statuses/${id}`, async (tx) => {
    // The author's account before the status, the order posting locks them (its counter, then the
    // parent's): an author replying to a post while deleting it deadlocked 45 times in 60 pairs.
    await tx.query('select 1 from accounts where id = $1 for no key update', [accountId]);
    const [row] = await tx.query<StatusRow>(`select ${STATUS_COLUMNS} from statuses s where s.id = $1 and s.account_id = $2 and s.reblog_of_id is null for update`, [id, accountId]);
    if (!row) throw notFound();
    const answer = await present(tx, row);
    const files = await filesOfStatus(tx, row.id);
    await deleteRow(tx, row);
    // Its media go with it (cascade); their files once nothing else uses them.
    const released = await unusedFiles(tx, files);
    tx.afterCommit(() => { void deleteFiles(ctx, released); });
    publish(ctx.events, tx, 'status.deleted', { statusId: id, accountId });
    return answer;
  });
  return response;
}

/**
 * Deletes a status locked with its author's account, keeping the counters right. Rows are locked in
 * the order posting locks them: the author's account and the counters first, conversations after. In
 * the other order, one account posting and deleting direct messages at once (the status service's
 * probes, from every DC) deadlocked: 49 times in 60 pairs.
 */
async function deleteRow(tx: Queryable, row: StatusRow): Promise<void> {
  await tx.query('update accounts set statuses_count = greatest(statuses_count - 1, 0) where id = $1', [row.account_id]);
  if (row.in_reply_to_id) await tx.query('update statuses set replies_count = greatest(replies_count - 1, 0) where id = $1', [row.in_reply_to_id]);
  if (row.quote_of_id) await tx.query('update statuses set quotes_count = greatest(quotes_count - 1, 0) where id = $1', [row.quote_of_id]);
  // Conversations showing it fall back to their previous status (visibility never changes after posting).
  if (row.visibility === 'direct') await removeFromConversations(tx, row.id);
  // Reblogs of it go with it (foreign key cascade); the reblogs' authors keep their counts.
  await tx.query('delete from statuses where id = $1', [row.id]);
}

export async function statusContext(db: Queryable, viewerId: string | null, status: StatusRow): Promise<{ ancestors: StatusRow[]; descendants: StatusRow[] }> {
  const ancestors = await db.query<StatusRow>(
    `with recursive up(id, parent, depth) as (
       select id, in_reply_to_id, 0 from statuses where id = $1
       union all
       select p.id, p.in_reply_to_id, up.depth + 1 from statuses p join up on p.id = up.parent where up.depth < 40)
     select ${STATUS_COLUMNS} from statuses s join up on up.id = s.id where s.id <> $1 and ${visibleTo('$2')} order by s.id asc`,
    [status.id, viewerId]);
  const descendants = await db.query<StatusRow>(
    `with recursive down(id, depth) as (
       select id, 0 from statuses where id = $1
       union all
       select c.id, down.depth + 1 from statuses c join down on c.in_reply_to_id = down.id where down.depth < 40)
     select ${STATUS_COLUMNS} from statuses s join down on down.id = s.id where s.id <> $1 and ${visibleTo('$2')} order by s.id asc limit 1000`,
    [status.id, viewerId]);
  return { ancestors, descendants };
}

/** Interactions target the original of a reblog, as Mastodon does. */
async function originalOf(tx: Queryable, viewerId: string, id: string): Promise<StatusRow> {
  const status = await getVisibleStatus(tx, viewerId, id);
  return status.reblog_of_id ? getVisibleStatus(tx, viewerId, status.reblog_of_id) : status;
}

export async function favourite(ctx: AppContext, accountId: string, id: string): Promise<StatusRow> {
  return ctx.db.transaction(async (tx) => {
    const status = await originalOf(tx, accountId, id);
    const inserted = await tx.query('insert into favourites (account_id, status_id) values ($1, $2) on conflict do nothing returning id', [accountId, status.id]);
    if (inserted.length === 0) return status;
    await tx.query('update statuses set favourites_count = favourites_count + 1 where id = $1', [status.id]);
    publishNotifications(ctx.events, tx, [await notify(tx, status.account_id, accountId, 'favourite', status.id)]);
    return { ...status, favourites_count: status.favourites_count + 1 };
  });
}

export async function unfavourite(ctx: AppContext, accountId: string, id: string): Promise<StatusRow> {
  return ctx.db.transaction(async (tx) => {
    const status = await originalOf(tx, accountId, id);
    const removed = await tx.query('delete from favourites where account_id = $1 and status_id = $2 returning id', [accountId, status.id]);
    if (removed.length === 0) return status;
    await tx.query('update statuses set favourites_count = greatest(favourites_count - 1, 0) where id = $1', [status.id]);
    await tx.query(`delete from notifications where type = 'favourite' and from_account_id = $1 and status_id = $2`, [accountId, status.id]);
    return { ...status, favourites_count: Math.max(status.favourites_count - 1, 0) };
  });
}

/** Returns the id of the reblog (the new one, or the one that already existed). */
export async function reblog(ctx: AppContext, accountId: string, id: string, visibility: Visibility = 'public'): Promise<string> {
  return ctx.db.transaction(async (tx) => {
    const original = await originalOf(tx, accountId, id);
    if (original.visibility === 'direct' || (original.visibility === 'private' && original.account_id !== accountId)) {
      throw unprocessable('Validation failed: Reblog of status is not allowed');
    }
    const [created] = await tx.query<{ id: string }>(
      `with created as (
         insert into statuses (account_id, reblog_of_id, visibility) values ($1, $2, $3)
         on conflict (account_id, reblog_of_id) where reblog_of_id is not null do nothing returning id, account_id),
       queued as (${queueFanOutSql('created')})
       select id from created`,
      // A reblog of a followers-only post (only its author may make one) stays followers-only, as on Mastodon.
      [accountId, original.id, original.visibility === 'private' ? 'private' : visibility === 'direct' ? 'public' : visibility]);
    if (!created) {
      const [existing] = await tx.query<{ id: string }>('select id from statuses where account_id = $1 and reblog_of_id = $2', [accountId, original.id]);
      return existing!.id;
    }
    await tx.query('update statuses set reblogs_count = reblogs_count + 1 where id = $1', [original.id]);
    const notification = await notify(tx, original.account_id, accountId, 'reblog', original.id);
    publish(ctx.events, tx, 'status.created', { statusId: created.id, accountId });
    publishNotifications(ctx.events, tx, [notification]);
    return created.id;
  });
}

export async function unreblog(ctx: AppContext, accountId: string, id: string): Promise<StatusRow> {
  return ctx.db.transaction(async (tx) => {
    const original = await originalOf(tx, accountId, id);
    const [removed] = await tx.query<{ id: string }>('delete from statuses where account_id = $1 and reblog_of_id = $2 returning id', [accountId, original.id]);
    if (!removed) return original;
    await tx.query('update statuses set reblogs_count = greatest(reblogs_count - 1, 0) where id = $1', [original.id]);
    await tx.query(`delete from notifications where type = 'reblog' and from_account_id = $1 and status_id = $2`, [accountId, original.id]);
    publish(ctx.events, tx, 'status.deleted', { statusId: removed.id, accountId });
    return { ...original, reblogs_count: Math.max(original.reblogs_count - 1, 0) };
  });
}

/** Bookmarks and pins are plain membership rows: add or remove idempotently. */
export async function setMembership(ctx: AppContext, table: 'bookmarks' | 'status_pins', accountId: string, id: string, on: boolean): Promise<StatusRow> {
  return ctx.db.transaction(async (tx) => {
    const status = table === 'bookmarks' ? await originalOf(tx, accountId, id) : await getVisibleStatus(tx, accountId, id);
    if (table === 'status_pins' && on) {
      if (status.account_id !== accountId || status.reblog_of_id) throw unprocessable('Validation failed: You can only pin your own posts');
      if (status.visibility === 'direct') throw unprocessable('Validation failed: Private mentions cannot be pinned');
      // The limit the instance advertises (configuration.accounts.max_pinned_statuses); a repeated pin is not a new one.
      const [pins] = await tx.query<{ n: string }>('select count(*) as n from status_pins where account_id = $1 and status_id <> $2', [accountId, status.id]);
      if (Number(pins?.n ?? 0) >= MAX_PINNED_STATUSES) throw unprocessable(`Validation failed: You can pin at most ${MAX_PINNED_STATUSES} posts`);
    }
    if (on) await tx.query(`insert into ${table} (account_id, status_id) values ($1, $2) on conflict do nothing`, [accountId, status.id]);
    else await tx.query(`delete from ${table} where account_id = $1 and status_id = $2`, [accountId, status.id]);
    return status;
  });
}

/**
 * Mutes (or unmutes) the thread a status is in, for the viewer: no more notifications about posts in
 * it, and `muted` on them. Idempotent by nature.
 */
export async function setThreadMute(ctx: AppContext, accountId: string, id: string, on: boolean): Promise<StatusRow> {
  return ctx.db.transaction(async (tx) => {
    const status = await originalOf(tx, accountId, id);
    const [thread] = await tx.query<{ id: string }>('select coalesce(thread_id, id) as id from statuses where id = $1', [status.id]);
    if (on) await tx.query('insert into thread_mutes (account_id, thread_id) values ($1, $2) on conflict do nothing', [accountId, thread!.id]);
    else await tx.query('delete from thread_mutes where account_id = $1 and thread_id = $2', [accountId, thread!.id]);
    return status;
  });
}
