// Featured hashtags: the hashtags an account shows on its profile (Mastodon's FeaturedTag), each with
// how many of the account's public and unlisted posts use it and when the latest was posted.
import type { AppContext } from '../context.js';
import type { Queryable } from '../db/index.js';
import { notFound, unprocessable } from '../errors.js';
import { idempotentWrite } from './idempotency.js';
import { ensureTag } from './tags.js';

/** At most this many per account (Mastodon's FeaturedTag::LIMIT); the instance advertises it. */
export const MAX_FEATURED_TAGS = 10;

export interface FeaturedTagRow { id: string; name: string; statuses_count: string; last_status_at: Date | null }

const FEATURED_SELECT = `select ft.id, lower(t.name) as name,
    (select count(*) from statuses s join status_tags st on st.status_id = s.id
     where s.account_id = ft.account_id and st.tag_id = ft.tag_id and s.visibility in ('public', 'unlisted') and s.reblog_of_id is null) as statuses_count,
    (select max(s.created_at) from statuses s join status_tags st on st.status_id = s.id
     where s.account_id = ft.account_id and st.tag_id = ft.tag_id and s.visibility in ('public', 'unlisted') and s.reblog_of_id is null) as last_status_at
  from featured_tags ft join tags t on t.id = ft.tag_id`;

export function featuredTags(db: Queryable, accountId: string): Promise<FeaturedTagRow[]> {
  return db.query<FeaturedTagRow>(`${FEATURED_SELECT} where ft.account_id = $1 order by ft.id`, [accountId]);
}

/** Features a hashtag; twice is 422 (as on Mastodon) unless it is a retry with the same Idempotency-Key. */
export async function featureTag(ctx: AppContext, accountId: string, name: string, key: string | null): Promise<FeaturedTagRow> {
  const { response } = await idempotentWrite(ctx, accountId, key, `POST /api/v1/featured_tags ${name.toLowerCase()}`, async (tx) => {
    await tx.query('select 1 from accounts where id = $1 for update', [accountId]);
    const tagId = await ensureTag(tx, name);
    const [state] = await tx.query<{ n: string; already: boolean }>(
      'select count(*) as n, coalesce(bool_or(tag_id = $2), false) as already from featured_tags where account_id = $1', [accountId, tagId]);
    if (state?.already) throw unprocessable('Validation failed: Tag has already been taken');
    if (Number(state?.n ?? 0) >= MAX_FEATURED_TAGS) throw unprocessable(`Validation failed: You cannot feature more than ${MAX_FEATURED_TAGS} hashtags`);
    const [row] = await tx.query<{ id: string }>('insert into featured_tags (account_id, tag_id) values ($1, $2) returning id', [accountId, tagId]);
    const [featured] = await tx.query<FeaturedTagRow>(`${FEATURED_SELECT} where ft.id = $1`, [row!.id]);
    return featured!;
  });
  return { ...response, last_status_at: response.last_status_at ? new Date(response.last_status_at) : null };
}

/** Stops featuring; a retry with the same Idempotency-Key succeeds again instead of 404. */
export async function unfeatureTag(ctx: AppContext, accountId: string, id: string, key: string | null): Promise<void> {
  await idempotentWrite(ctx, accountId, key, `DELETE /api/v1/featured_tags/${id}`, async (tx) => {
    const deleted = await tx.query('delete from featured_tags where id = $1 and account_id = $2 returning id', [id, accountId]);
    if (deleted.length === 0) throw notFound();
    return {};
  });
}

/** Hashtags the account used most in its recent posts and does not feature yet (Mastodon's suggestions). */
export async function suggestedTags(db: Queryable, accountId: string): Promise<string[]> {
  const rows = await db.query<{ name: string }>(
    `select lower(min(t.name)) as name from (
       select st.tag_id from statuses s join status_tags st on st.status_id = s.id
       where s.account_id = $1 order by s.id desc limit 1000) recent
     join tags t on t.id = recent.tag_id
     where not exists (select 1 from featured_tags ft where ft.account_id = $1 and ft.tag_id = recent.tag_id)
     group by recent.tag_id order by count(*) desc, 1 limit $2`, [accountId, MAX_FEATURED_TAGS]);
  return rows.map((r) => r.name);
}
