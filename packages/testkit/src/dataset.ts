// The benchmark dataset, generated in bulk SQL (generate_series, one statement per table and chunk) so
// a million statuses take minutes on PostgreSQL, not hours of row-by-row inserts.
//
// Everything is derived from a deterministic hash of the row number (fb_r below), so the same scale
// always yields the same dataset, and ids are computed, not looked up: account i and status n have
// time-sortable ids in the past (ms << 16 | sequence, like next_id()), so new posts made during the
// run sort after all of them. Shapes are long-tailed like a real network: a few accounts attract most
// follows, some people post far more than others, replies and reblogs point mostly at recent posts.
import type { Db } from '@firebreak/server/db/index.js';

export interface Scale {
  name: string;
  accounts: number;
  statuses: number;
  /** Target mean of follows per account (exponentially distributed, targets power-law popular). */
  meanFollows: number;
  tags: number;
  /** Favourites per status on average. */
  favouritesPerStatus: number;
}

export const SCALES: Record<string, Scale> = {
  small: { name: 'small', accounts: 1_000, statuses: 50_000, meanFollows: 40, tags: 200, favouritesPerStatus: 0.5 },
  medium: { name: 'medium', accounts: 10_000, statuses: 1_000_000, meanFollows: 150, tags: 1_000, favouritesPerStatus: 0.5 },
};

/** The bearer token of generated account i (1-based); only its SHA-256 is stored, like real tokens. */
export const benchToken = (i: number) => `bench-token-${i}`;

export interface DatasetSummary {
  scale: string;
  accounts: number;
  statuses: number;
  reblogs: number;
  replies: number;
  follows: number;
  meanFollows: number;
  maxFollowers: number;
  mentions: number;
  statusTags: number;
  favourites: number;
  seconds: number;
  /** Set when this run started from a cached copy (seconds is then the original generation time). */
  cached?: boolean;
}

const WORDS = (
  'fire flood river bridge signal network server quorum replica primary standby commit latency budget ' +
  'morning evening coffee garden window mountain valley forest ocean harbour city street market music ' +
  'letter story paper pencil camera photo winter summer autumn spring rain snow storm cloud sunrise ' +
  'sunset train station airport ticket journey planet rocket engine circuit battery kernel compiler ' +
  'database index query table column record backup restore migrate deploy release version feature ' +
  'friend family neighbour teacher student doctor artist writer reader player runner climber baker ' +
  'bread cheese apple orange lemon tomato potato onion pepper garlic salt sugar honey butter olive ' +
  'quiet loud bright dark warm cold fast slow early late happy tired curious careful brave gentle'
).split(' ');

/** How many words a status body may have beyond the first four. */
const EXTRA_WORDS = 8;

function textExpressions(baseUrl: string): { text: string; html: string } {
  const words = `(array[${WORDS.map((w) => `'${w}'`).join(',')}])`;
  const word = (k: number) => `${words}[1 + floor(fb_r(g.n, ${100 + k}) * ${WORDS.length})::int]`;
  const parts: string[] = [];
  for (let k = 0; k < 4 + EXTRA_WORDS; k++) parts.push(k < 4 ? word(k) : `case when g.words > ${k} then ${word(k)} end`);
  const body = parts.join(', ');
  const mentionText = `case when g.mention is not null then '@user' || g.mention end`;
  const tagText = `case when g.tag is not null then '#tag' || g.tag end`;
  // Exactly what renderStatusHtml produces for these entities.
  const mentionHtml = `case when g.mention is not null then '<span class="h-card" translate="no"><a href="${baseUrl}/@user' || g.mention || '" class="u-url mention">@<span>user' || g.mention || '</span></a></span>' end`;
  const tagHtml = `case when g.tag is not null then '<a href="${baseUrl}/tags/tag' || g.tag || '" class="mention hashtag" rel="tag">#<span>tag' || g.tag || '</span></a>' end`;
  return {
    text: `concat_ws(' ', ${mentionText}, ${body}, ${tagText})`,
    html: `'<p>' || concat_ws(' ', ${mentionHtml}, ${body}, ${tagHtml}) || '</p>'`,
  };
}

/** Accounts of a dataset generated before (named user1, user2, ...). */
export async function generatedAccountCount(db: Db): Promise<number> {
  const [row] = await db.query<{ n: number }>(`select count(*)::int as n from accounts where username ~ '^user[0-9]+$'`);
  return row?.n ?? 0;
}

/** Generates the dataset into a freshly migrated database (one without an earlier dataset). */
export async function generateDataset(db: Db, scale: Scale, baseUrl: string, log: (line: string) => void): Promise<DatasetSummary> {
  const started = Date.now();
  // A cluster already holds its status probe's account (and drills' accounts): those are fine; a
  // dataset generated before is not, since ids and names would collide.
  if (await generatedAccountCount(db) > 0) throw new Error('generateDataset needs a database without a generated dataset (found bench accounts)');

  const N = scale.accounts;
  const S = scale.statuses;
  const now = Date.now();
  const accountEpoch = now - 400 * 86_400_000; // accounts were created over the last ~400 days
  const statusSpanMs = 30 * 86_400_000; // statuses span the last 30 days
  const statusEpoch = now - statusSpanMs - 60_000;
  const statusStep = Math.max(1, Math.floor(statusSpanMs / S));
  const step = async (label: string, sql: string) => {
    const t = Date.now();
    await db.exec(sql);
    log(`  ${label} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  };

  // Helper functions; dropped at the end. fb_r(n, salt) is a uniform number in [0, 1) from a hash.
  await db.exec(`
    create or replace function fb_r(n bigint, salt int) returns float8 language sql immutable parallel safe as
      $$ select (hashint8(n * 1000003 + salt) & 2147483647)::float8 / 2147483648.0 $$;
    create or replace function fb_account_id(i bigint) returns bigint language sql immutable parallel safe as
      $$ select ((${accountEpoch}::bigint + i * 1000) << 16) | (i % 65536) $$;
    create or replace function fb_tag_id(i bigint) returns bigint language sql immutable parallel safe as
      $$ select ((${accountEpoch - 86_400_000}::bigint + i) << 16) | (i % 65536) $$;
    create or replace function fb_status_id(n bigint) returns bigint language sql immutable parallel safe as
      $$ select ((${statusEpoch}::bigint + n * ${statusStep}) << 16) | (n % 65536) $$;
    create or replace function fb_status_ms(n bigint) returns bigint language sql immutable parallel safe as
      $$ select ${statusEpoch}::bigint + n * ${statusStep} $$;
    create or replace function fb_author(n bigint) returns bigint language sql immutable parallel safe as
      $$ select least(${N}, 1 + floor(${N} * power(fb_r(n, 1), 2))::bigint) $$;
    create or replace function fb_raw_kind(n bigint) returns text language sql immutable parallel safe as
      $$ select case when n <= 1 then 'post' when fb_r(n, 2) < 0.10 then 'reblog' when fb_r(n, 2) < 0.30 then 'reply' else 'post' end $$;
    create or replace function fb_visibility(n bigint) returns text language sql immutable parallel safe as
      $$ select case when fb_r(n, 4) < 0.88 then 'public' when fb_r(n, 4) < 0.94 then 'unlisted' when fb_r(n, 4) < 0.99 then 'private' else 'direct' end $$;
    create or replace function fb_parent(n bigint) returns bigint language sql immutable parallel safe as
      $$ select n - 1 - floor(least(n - 1, 3000) * power(fb_r(n, 3), 2))::bigint $$;
  `);

  log(`generating ${scale.name}: ${N} accounts, ${S} statuses, ~${scale.meanFollows} follows per account`);
  await step('accounts', `
    insert into accounts (id, username, email, password_hash, display_name, created_at)
    select fb_account_id(i), 'user' || i, 'user' || i || '@bench.invalid', 'bench: no password login', 'User ' || i,
           to_timestamp((${accountEpoch}::bigint + i * 1000) / 1000.0)
    from generate_series(1, ${N}) i`);

  // One app and one token per account; the load generator sends bench-token-<i>.
  await step('tokens', `
    with app as (
      insert into apps (name, redirect_uris, scopes, client_id, client_secret_hash)
      values ('firebreak bench', array['urn:ietf:wg:oauth:2.0:oob'], array['read', 'write', 'follow'], 'bench-client', 'no client secret: nobody authenticates as this app') returning id)
    insert into tokens (id, app_id, account_id, access_hash, scopes, family_id)
    select t.id, app.id, fb_account_id(t.i), rtrim(translate(encode(sha256(convert_to('bench-token-' || t.i, 'UTF8')), 'base64'), '+/', '-_'), '='),
           array['read', 'write', 'follow'], t.id
    from app, (select next_id() as id, i from generate_series(1, ${N}) i) t`);

  // Follow counts are exponential around the mean (oversampled because duplicate picks collapse);
  // targets follow a power law (a cube of a uniform draw), so low-numbered accounts are celebrities.
  await step('follows', `
    insert into follows (account_id, target_account_id)
    select distinct fb_account_id(a), fb_account_id(t)
    from generate_series(1, ${N}) a
    cross join lateral generate_series(1, least(${N - 1}, ceil(-ln(1 - fb_r(a, 11)) * ${scale.meanFollows * 1.25})::int)) j
    cross join lateral (select 1 + floor(${N} * power(fb_r(a * 100003 + j, 12), 3))::bigint as t) x
    where t <> a
    on conflict do nothing`);

  // A few blocks (which sever follows both ways, as block() does) and mutes.
  await step('blocks and mutes', `
    insert into blocks (account_id, target_account_id)
    select distinct fb_account_id(1 + floor(${N} * fb_r(k, 13))::bigint), fb_account_id(1 + floor(${N} * fb_r(k, 14))::bigint)
    from generate_series(1, ${Math.ceil(N / 50)}) k where floor(${N} * fb_r(k, 13)) <> floor(${N} * fb_r(k, 14)) on conflict do nothing;
    delete from follows f using blocks b
    where (f.account_id = b.account_id and f.target_account_id = b.target_account_id)
       or (f.account_id = b.target_account_id and f.target_account_id = b.account_id);
    insert into mutes (account_id, target_account_id)
    select distinct fb_account_id(1 + floor(${N} * fb_r(k, 15))::bigint), fb_account_id(1 + floor(${N} * fb_r(k, 16))::bigint)
    from generate_series(1, ${Math.ceil(N / 20)}) k where floor(${N} * fb_r(k, 15)) <> floor(${N} * fb_r(k, 16)) on conflict do nothing`);

  await step('tags', `insert into tags (id, name) select fb_tag_id(i), 'tag' || i from generate_series(1, ${scale.tags}) i`);

  // The plan for every status, computed once. A reblog or reply only points at a parent that is not
  // itself a reblog (and a reblog only at a public or unlisted one); otherwise the row is a plain post.
  // One mention at most: the parent's author for replies, else 10% of posts (and every direct one).
  await step('status plan', `
    create unlogged table fb_plan as
    select n, author, kind, case when kind <> 'post' then p end as parent,
           case when kind = 'reblog' then 'public' else fb_visibility(n) end as visibility,
           case when kind = 'reblog' then null
                when kind = 'reply' and fb_author(p) <> author then fb_author(p)
                when fb_r(n, 8) < 0.10 or fb_visibility(n) = 'direct' then 1 + floor(${N} * power(fb_r(n, 9), 3))::bigint end as mention,
           case when kind <> 'reblog' and fb_r(n, 5) < 0.25 then 1 + floor(${scale.tags} * power(fb_r(n, 10), 2))::bigint end as tag,
           4 + floor(fb_r(n, 19) * ${EXTRA_WORDS + 1})::int as words
    from (select n, fb_author(n) as author, fb_parent(n) as p from generate_series(1, ${S}) n) g
    cross join lateral (select case
        when fb_raw_kind(n) = 'reblog' and fb_raw_kind(p) <> 'reblog' and fb_visibility(p) in ('public', 'unlisted') then 'reblog'
        when fb_raw_kind(n) = 'reply' and fb_raw_kind(p) <> 'reblog' then 'reply'
        else 'post' end as kind) k`);

  const { text, html } = textExpressions(baseUrl);
  const chunk = 100_000;
  for (let lo = 1; lo <= S; lo += chunk) {
    const hi = Math.min(S, lo + chunk - 1);
    await step(`statuses ${lo}..${hi}`, `
      insert into statuses (id, account_id, text, content_html, visibility, in_reply_to_id, in_reply_to_account_id, reblog_of_id, created_at, language)
      select fb_status_id(g.n), fb_account_id(g.author),
             case when g.kind = 'reblog' then '' else ${text} end,
             case when g.kind = 'reblog' then '' else ${html} end,
             g.visibility,
             case when g.kind = 'reply' then fb_status_id(g.parent) end,
             case when g.kind = 'reply' then fb_account_id(fb_author(g.parent)) end,
             case when g.kind = 'reblog' then fb_status_id(g.parent) end,
             to_timestamp(fb_status_ms(g.n) / 1000.0),
             case when g.kind = 'reblog' then null else 'en' end
      from fb_plan g where g.n between ${lo} and ${hi}
      on conflict do nothing`);
  }
  await step('mentions and hashtags', `
    insert into mentions (status_id, account_id) select fb_status_id(n), fb_account_id(mention) from fb_plan where mention is not null;
    insert into status_tags (tag_id, status_id) select fb_tag_id(tag), fb_status_id(n) from fb_plan where tag is not null`);

  // Favourites: active accounts, mostly recent statuses; only originals they can see publicly.
  await step('favourites', `
    insert into favourites (account_id, status_id)
    select distinct fb_account_id(1 + floor(${N} * power(fb_r(k, 17), 2))::bigint), s.id
    from generate_series(1, ${Math.round(S * scale.favouritesPerStatus)}) k
    join statuses s on s.id = fb_status_id(${S} - floor(${S} * power(fb_r(k, 18), 3))::bigint)
    where s.reblog_of_id is null and s.visibility in ('public', 'unlisted')
    on conflict do nothing`);

  await step('counters', COUNTER_SQL);
  await db.exec(`
    drop table fb_plan;
    drop function fb_r, fb_account_id, fb_tag_id, fb_status_id, fb_status_ms, fb_author, fb_raw_kind, fb_visibility, fb_parent;`);
  await step('vacuum analyze', 'vacuum analyze');

  const [summary] = await db.query<Record<string, string>>(`
    select (select count(*) from accounts) as accounts,
           (select count(*) from statuses) as statuses,
           (select count(*) from statuses where reblog_of_id is not null) as reblogs,
           (select count(*) from statuses where in_reply_to_id is not null) as replies,
           (select count(*) from follows) as follows,
           (select max(followers_count) from accounts) as max_followers,
           (select count(*) from mentions) as mentions,
           (select count(*) from status_tags) as status_tags,
           (select count(*) from favourites) as favourites`);
  const num = (k: string) => Number(summary![k]);
  return {
    scale: scale.name, accounts: num('accounts'), statuses: num('statuses'), reblogs: num('reblogs'), replies: num('replies'),
    follows: num('follows'), meanFollows: Math.round((num('follows') / num('accounts')) * 10) / 10, maxFollowers: num('max_followers'),
    mentions: num('mentions'), statusTags: num('status_tags'), favourites: num('favourites'), seconds: Math.round((Date.now() - started) / 100) / 10,
  };
}

// The denormalised counters, recomputed from the rows exactly as the write paths keep them:
// statuses_count and last_status_at count posts (not reblogs), as createStatus/reblog do. Only the
// generated accounts and their statuses: a cluster's status probe posts and deletes meanwhile, and a
// count taken from this statement's snapshot would overwrite its concurrent updates.
const GENERATED = `email like '%@bench.invalid'`;
const BY_GENERATED = `exists (select 1 from accounts a where a.id = s.account_id and a.${GENERATED})`;
const COUNTER_SQL = `
  update accounts a set following_count = c.n from (select account_id, count(*) n from follows group by 1) c where a.id = c.account_id and a.${GENERATED};
  update accounts a set followers_count = c.n from (select target_account_id, count(*) n from follows group by 1) c where a.id = c.target_account_id and a.${GENERATED};
  update accounts a set statuses_count = c.n, last_status_at = c.last
    from (select account_id, count(*) n, max(created_at) last from statuses where reblog_of_id is null group by 1) c where a.id = c.account_id and a.${GENERATED};
  update statuses s set replies_count = c.n from (select in_reply_to_id, count(*) n from statuses where in_reply_to_id is not null group by 1) c
    where s.id = c.in_reply_to_id and ${BY_GENERATED};
  update statuses s set reblogs_count = c.n from (select reblog_of_id, count(*) n from statuses where reblog_of_id is not null group by 1) c
    where s.id = c.reblog_of_id and ${BY_GENERATED};
  update statuses s set favourites_count = c.n from (select status_id, count(*) n from favourites group by 1) c
    where s.id = c.status_id and ${BY_GENERATED};`;

/** Generated rows whose denormalised counters disagree with the rows they count (0 after generation). */
export async function counterMismatches(db: Db): Promise<number> {
  const [row] = await db.query<{ bad: string }>(`
    select
      (select count(*) from accounts a where a.${GENERATED} and (
         a.following_count <> (select count(*) from follows where account_id = a.id)
      or a.followers_count <> (select count(*) from follows where target_account_id = a.id)
      or a.statuses_count <> (select count(*) from statuses where account_id = a.id and reblog_of_id is null)))
    + (select count(*) from statuses s join accounts a on a.id = s.account_id and a.${GENERATED} where s.reblog_of_id is null and (
         s.replies_count <> (select count(*) from statuses r where r.in_reply_to_id = s.id)
      or s.reblogs_count <> (select count(*) from statuses r where r.reblog_of_id = s.id)
      or s.favourites_count <> (select count(*) from favourites f where f.status_id = s.id))) as bad`);
  return Number(row!.bad);
}
