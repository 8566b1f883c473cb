// Search over accounts (username / display name prefix; suspended ones are not found), hashtags
// (prefix) and statuses (PostgreSQL full-text search, 'simple' configuration, word prefixes, public
// statuses and the viewer's own).
import type { Queryable } from '../db/index.js';
import { ACCOUNT_COLUMNS, type AccountRow } from './accounts.js';
import { STATUS_COLUMNS, type StatusRow } from './statuses.js';
import { visibleTo } from './visibility.js';

const likePattern = (q: string) => `${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export function searchAccounts(db: Queryable, q: string, limit: number, offset: number): Promise<AccountRow[]> {
  const term = q.replace(/^@/, '').split('@')[0]!;
  return db.query<AccountRow>(
    `select ${ACCOUNT_COLUMNS} from accounts
     where (lower(username) like $1 or lower(display_name) like $1 or lower(display_name) like '% ' || $1) and suspended_at is null
     order by (lower(username) = lower($2)) desc, followers_count desc, id limit $3 offset $4`,
    [likePattern(term), term, limit, offset]);
}

export function searchTags(db: Queryable, q: string, limit: number, offset: number): Promise<Array<{ id: string; name: string }>> {
  return db.query(`select id, name from tags where lower(name) like $1 order by length(name), name limit $2 offset $3`, [likePattern(q.replace(/^#/, '')), limit, offset]);
}

/**
 * Every word of the query must start a word of the post: "fire" finds "firedrill", as people expect
 * of a search box. Words are reduced to letters and digits, so the query syntax cannot be injected.
 */
export function prefixQuery(q: string): string {
  const words = q.toLowerCase().split(/\s+/).map((w) => w.replace(/[^\p{L}\p{N}_]/gu, '')).filter(Boolean).slice(0, 10);
  return words.map((w) => `${w}:*`).join(' & ');
}

export async function searchStatuses(db: Queryable, viewerId: string | null, q: string, limit: number, offset: number): Promise<StatusRow[]> {
  const query = prefixQuery(q);
  if (!query) return [];
  return db.query<StatusRow>(
    `select ${STATUS_COLUMNS} from statuses s
     where s.search @@ to_tsquery('simple', $2) and s.reblog_of_id is null
       and (s.visibility = 'public' or s.account_id = $1) and ${visibleTo('$1')}
     order by s.id desc limit $3 offset $4`, [viewerId, query, limit, offset]);
}
