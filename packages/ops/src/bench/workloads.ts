// What the load generator asks for: each endpoint as a stream of requests over random users and
// objects sampled from the generated dataset (deterministically shuffled, so runs are comparable).
import type { Db } from '@firebreak/server/db/index.js';
import { benchToken } from '@firebreak/testkit/dataset.js';
import { postText } from './db-ceiling.js';
import type { RequestSpec, Workload } from './load.js';

export interface BenchUser { accountId: string; token: string }

export interface Samples {
  /** Active accounts: they follow at least ten others, so their home timelines have content. */
  users: BenchUser[];
  accountIds: string[];
  threadStatusIds: string[];
  tags: string[];
  searchTerms: string[];
  /** Each sampled user's list of everyone they follow (list-timeline.ts), by account id. */
  lists: Map<string, string>;
}

export async function loadSamples(db: Db, size = 1000): Promise<Omit<Samples, 'lists'>> {
  // md5(id) orders pseudo-randomly but the same way every run.
  const users = await db.query<{ id: string; username: string }>(
    `select id, username from accounts where following_count >= 10 order by md5(id::text) limit $1`, [size]);
  const accounts = await db.query<{ id: string }>(`select id from accounts where statuses_count > 0 order by md5(id::text) limit $1`, [size]);
  const threads = await db.query<{ id: string }>(
    `select id from statuses where in_reply_to_id is not null and visibility = 'public' order by md5(id::text) limit $1`, [size]);
  // Sampling status_tags rows weights tags by how often they are used, as real traffic would.
  const tags = await db.query<{ name: string }>(
    `select t.name from (select tag_id from status_tags order by md5(status_id::text) limit $1) st join tags t on t.id = st.tag_id`, [size]);
  const words = await db.query<{ text: string }>(
    `select text from statuses where reblog_of_id is null and visibility = 'public' order by md5(id::text) limit $1`, [size]);
  return {
    users: users.map((u) => ({ accountId: u.id, token: benchToken(Number(u.username.slice('user'.length))) })),
    accountIds: accounts.map((a) => a.id),
    threadStatusIds: threads.map((t) => t.id),
    tags: tags.map((t) => t.name),
    // Two plain words from a real status: a selective full-text query, like a person's search.
    searchTerms: words.map((w) => w.text.split(' ').filter((x) => /^[a-z]+$/.test(x)).slice(1, 3).join(' ')).filter((q) => q.includes(' ')),
  };
}

function cycle<T>(items: T[]): () => T {
  if (items.length === 0) throw new Error('the dataset has nothing to sample for this workload');
  let i = 0;
  return () => items[i++ % items.length]!;
}

const auth = (user: BenchUser) => ({ authorization: `Bearer ${user.token}` });

export function workloads(samples: Samples): Workload[] {
  const user = cycle(samples.users);
  const account = cycle(samples.accountIds);
  const thread = cycle(samples.threadStatusIds);
  const tag = cycle(samples.tags);
  const term = cycle(samples.searchTerms);
  let posted = 0;
  const get = (path: string): RequestSpec => ({ method: 'GET', path, headers: auth(user()) });
  return [
    { name: 'home timeline', next: () => get('/api/v1/timelines/home?limit=20') },
    {
      name: 'list timeline',
      next: () => {
        const u = user();
        return { method: 'GET', path: `/api/v1/timelines/list/${samples.lists.get(u.accountId)}?limit=20`, headers: auth(u) };
      },
    },
    { name: 'account statuses', next: () => get(`/api/v1/accounts/${account()}/statuses?limit=20`) },
    { name: 'thread (context)', next: () => get(`/api/v1/statuses/${thread()}/context`) },
    { name: 'hashtag timeline', next: () => get(`/api/v1/timelines/tag/${tag()}?limit=20`) },
    {
      name: 'status creation',
      next: () => ({
        method: 'POST', path: '/api/v1/statuses',
        headers: { ...auth(user()), 'content-type': 'application/json' },
        body: JSON.stringify({ status: postText(posted++), visibility: 'public' }),
      }),
    },
    // Last: saturated, search is shed as an expensive route and the adaptive concurrency limit shrinks,
    // which would otherwise carry over into the next endpoint's measurement.
    { name: 'search statuses', next: () => get(`/api/v2/search?type=statuses&limit=20&q=${encodeURIComponent(term())}`) },
  ];
}
