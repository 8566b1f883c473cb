// Hashtags: the seven-day history a Tag entity shows, the trending list, and following hashtags
// (Mastodon 4.0): public posts with a followed hashtag join the follower's home timeline (home-feed.ts
// fans them out, timelines.ts reads them in below the feed's floor).
import type { AppContext } from '../context.js';
import type { Db, Queryable } from '../db/index.js';
import { unprocessable } from '../errors.js';
import { copyTagIntoHomeFeed } from './home-feed.js';
import { firstIdAt, keysetPage, type PageParams } from './pagination.js';

const DAY_MS = 86_400_000;
/** Trending looks at the most recent uses only, so its cost stays flat however busy the server is. */
const TRENDING_SAMPLE = 20_000;

const startOfDay = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;

export interface TagHistory { day: string; uses: string; accounts: string }

/** A hashtag's id (null for one no post has used and no one follows) and its week of use. */
export interface TagUsage { id: string | null; name: string; history: TagHistory[] }

/** Each hashtag's use in public posts, day by day over the last week (newest first), in the order given. */
export async function tagUsage(db: Queryable, names: string[]): Promise<TagUsage[]> {
  if (names.length === 0) return [];
  const since = startOfDay(Date.now()) - 6 * DAY_MS;
  const lower = names.map((n) => n.toLowerCase());
  const known = new Map((await db.query<{ id: string; name: string }>('select id, lower(name) as name from tags where lower(name) = any($1::text[])', [lower])).map((t) => [t.name, t.id]));
  const rows = await db.query<{ name: string; day: Date; uses: string; accounts: string }>(
    `select lower(t.name) as name, date_trunc('day', s.created_at, 'UTC') as day, count(*) as uses, count(distinct s.account_id) as accounts
     from tags t join status_tags st on st.tag_id = t.id join statuses s on s.id = st.status_id
     where lower(t.name) = any($1::text[]) and st.status_id >= $2 and s.visibility = 'public'
     group by 1, 2`, [names.map((n) => n.toLowerCase()), firstIdAt(since)]);
  return names.map((raw) => {
    const name = raw.toLowerCase();
    const history: TagHistory[] = [];
    for (let day = startOfDay(Date.now()); day >= since; day -= DAY_MS) {
      const r = rows.find((x) => x.name === name && new Date(x.day).getTime() === day);
      history.push({ day: String(day / 1000), uses: String(r?.uses ?? 0), accounts: String(r?.accounts ?? 0) });
    }
    return { id: known.get(name) ?? null, name, history };
  });
}

/** Hashtags of public posts in the last week, by how many people used them, then how often. */
export async function trendingTags(db: Queryable, limit: number, offset: number): Promise<string[]> {
  const rows = await db.query<{ name: string }>(
    `select lower(min(t.name)) as name from (
       select st.tag_id, s.account_id from status_tags st join statuses s on s.id = st.status_id
       where st.status_id >= $1 and s.visibility = 'public'
       order by st.status_id desc limit $2) recent
     join tags t on t.id = recent.tag_id
     group by recent.tag_id
     order by count(distinct recent.account_id) desc, count(*) desc, lower(min(t.name))
     limit $3 offset $4`, [firstIdAt(Date.now() - 7 * DAY_MS), TRENDING_SAMPLE, limit, offset]);
  return rows.map((r) => r.name);
}

/** At most this many followed hashtags per account: each is a lookup in every read of its home timeline below the feed. */
export const MAX_FOLLOWED_TAGS = 1000;

/** The tag's id, creating the tag if no post has used it yet (as Mastodon does on a follow). */
export async function ensureTag(tx: Queryable, name: string): Promise<string> {
  await tx.query('insert into tags (name) values ($1) on conflict do nothing', [name]);
  const [row] = await tx.query<{ id: string }>('select id from tags where lower(name) = lower($1)', [name]);
  return row!.id;
}

/** Follows a hashtag; following it again changes nothing. */
export async function followTag(ctx: AppContext, accountId: string, name: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const tagId = await ensureTag(tx, name);
    const [count] = await tx.query<{ n: string; already: boolean }>(
      'select count(*) as n, bool_or(tag_id = $2) as already from tag_follows where account_id = $1', [accountId, tagId]);
    if (count?.already) return;
    if (Number(count?.n ?? 0) >= MAX_FOLLOWED_TAGS) throw unprocessable(`Validation failed: You can follow at most ${MAX_FOLLOWED_TAGS} hashtags`);
    const inserted = await tx.query('insert into tag_follows (account_id, tag_id) values ($1, $2) on conflict do nothing returning id', [accountId, tagId]);
    if (inserted.length) await copyTagIntoHomeFeed(tx, accountId, tagId);
  });
}

/** Unfollows a hashtag; its posts already in the home feed are filtered out when it is read. */
export async function unfollowTag(db: Db, accountId: string, name: string): Promise<void> {
  await db.transaction((tx) => tx.query('delete from tag_follows tf using tags t where t.id = tf.tag_id and tf.account_id = $1 and lower(t.name) = lower($2)', [accountId, name]));
}

/** The hashtags the viewer follows among `names` (lower case). */
export async function followedAmong(db: Queryable, viewerId: string | null, names: string[]): Promise<Set<string>> {
  if (!viewerId || names.length === 0) return new Set();
  const rows = await db.query<{ name: string }>(
    'select lower(t.name) as name from tag_follows tf join tags t on t.id = tf.tag_id where tf.account_id = $1 and lower(t.name) = any($2::text[])',
    [viewerId, names.map((n) => n.toLowerCase())]);
  return new Set(rows.map((r) => r.name));
}

/** GET /api/v1/followed_tags: newest follow first, paginated by the follow's id. */
export async function followedTags(db: Queryable, accountId: string, page: PageParams): Promise<Array<{ cursor: string; name: string }>> {
  return keysetPage<{ cursor: string; name: string }>(db, page, 'tf.id', [accountId], (k) =>
    `select tf.id as cursor, lower(t.name) as name from tag_follows tf join tags t on t.id = tf.tag_id
     where tf.account_id = $1 and ${k.where} order by ${k.order} limit ${k.limit}`);
}
