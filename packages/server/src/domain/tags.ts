// Hashtag usage: the seven-day history a Tag entity shows, and the trending list.
import type { Queryable } from '../db/index.js';
import { firstIdAt } from './pagination.js';

const DAY_MS = 86_400_000;
/** Trending looks at the most recent uses only, so its cost stays flat however busy the server is. */
const TRENDING_SAMPLE = 20_000;

const startOfDay = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;

export interface TagHistory { day: string; uses: string; accounts: string }

export interface TagUsage { name: string; history: TagHistory[] }

/** Each hashtag's use in public posts, day by day over the last week (newest first), in the order given. */
export async function tagUsage(db: Queryable, names: string[]): Promise<TagUsage[]> {
  if (names.length === 0) return [];
  const since = startOfDay(Date.now()) - 6 * DAY_MS;
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
    return { name, history };
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
