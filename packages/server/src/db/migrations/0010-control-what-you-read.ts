// Control what you read (issue 17): grouped notifications and the notification policy, lists,
// filters, followed and featured hashtags, endorsements, private notes, timed mutes, muted threads.
//
// Notifications
// - group_key: favourites and reblogs of one status, and follows, that arrive within a few hours share
//   a key (src/domain/notification-groups.ts has the rule); null for every other notification.
//   Existing rows get hour buckets, so what arrived together before the upgrade groups too.
// - filtered: held back by the recipient's notification policy, listed under notification requests.
// - notification_policies: one row per account that changed Mastodon's defaults.
// - notification_requests: one per (recipient, sender) with filtered notifications not yet decided;
//   notification_permissions: senders whose request the recipient accepted.
// Lists: lists and their members (accounts the owner follows or asked to follow, or the owner), and
// each list's feed, kept as home feeds are (src/domain/list-feed.ts): list_feed and lists.feed_floor.
// Filters: filters, their keywords and their statuses (Mastodon's v2 model; v1 is a view of it).
// tag_follows, featured_tags, endorsements, account_notes: one row per (account, target).
// mutes.expires_at: a mute with a duration ends by itself (reads ignore expired rows).
// Muted threads: statuses.thread_id is the id of the first post of a reply's thread (null for a
// post that starts one, which is its own thread); thread_mutes holds who muted which thread. Existing
// replies get their thread here, walking up at most 100 posts.
export const sql = /* sql */ `
alter table notifications add column group_key text;
alter table notifications add column filtered boolean not null default false;
update notifications set group_key = type || '-' || coalesce(status_id::text || '-', '') || (floor(extract(epoch from created_at) / 3600))::bigint
  where type in ('favourite', 'reblog', 'follow');
create index notifications_group_idx on notifications (account_id, group_key) where group_key is not null;
create index notifications_filtered_idx on notifications (account_id, from_account_id) where filtered;

create table notification_policies (
  account_id bigint primary key references accounts on delete cascade,
  for_not_following text not null default 'accept' check (for_not_following in ('accept', 'filter', 'drop')),
  for_not_followers text not null default 'accept' check (for_not_followers in ('accept', 'filter', 'drop')),
  for_new_accounts text not null default 'accept' check (for_new_accounts in ('accept', 'filter', 'drop')),
  for_private_mentions text not null default 'filter' check (for_private_mentions in ('accept', 'filter', 'drop')),
  for_limited_accounts text not null default 'filter' check (for_limited_accounts in ('accept', 'filter', 'drop'))
);

create table notification_requests (
  id bigint primary key default next_id(),
  account_id bigint not null references accounts on delete cascade,
  from_account_id bigint not null references accounts on delete cascade,
  last_status_id bigint references statuses on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (account_id, from_account_id)
);
create index notification_requests_account_idx on notification_requests (account_id, id desc);

create table notification_permissions (
  account_id bigint not null references accounts on delete cascade,
  from_account_id bigint not null references accounts on delete cascade,
  primary key (account_id, from_account_id)
);

create table lists (
  id bigint primary key default next_id(),
  account_id bigint not null references accounts on delete cascade,
  title text not null,
  replies_policy text not null default 'list' check (replies_policy in ('followed', 'list', 'none')),
  exclusive boolean not null default false,
  created_at timestamptz not null default now()
);
create index lists_account_idx on lists (account_id, id);

create table list_accounts (
  list_id bigint not null references lists on delete cascade,
  account_id bigint not null references accounts on delete cascade,
  id bigint not null default next_id(),
  primary key (list_id, account_id)
);
create index list_accounts_account_idx on list_accounts (account_id, list_id);

create table list_feed (
  list_id bigint not null references lists on delete cascade,
  status_id bigint not null,
  primary key (list_id, status_id)
);
alter table lists add column feed_floor bigint;

create table filters (
  id bigint primary key default next_id(),
  account_id bigint not null references accounts on delete cascade,
  title text not null,
  context text[] not null,
  action text not null default 'warn' check (action in ('warn', 'hide', 'blur')),
  expires_at timestamptz,
  created_at timestamptz not null default now()
);
create index filters_account_idx on filters (account_id, id);

create table filter_keywords (
  id bigint primary key default next_id(),
  filter_id bigint not null references filters on delete cascade,
  keyword text not null,
  whole_word boolean not null default true
);
create index filter_keywords_filter_idx on filter_keywords (filter_id, id);

create table filter_statuses (
  id bigint primary key default next_id(),
  filter_id bigint not null references filters on delete cascade,
  status_id bigint not null references statuses on delete cascade,
  unique (filter_id, status_id)
);

create table tag_follows (
  id bigint not null default next_id() unique,
  account_id bigint not null references accounts on delete cascade,
  tag_id bigint not null references tags on delete cascade,
  primary key (account_id, tag_id)
);
create index tag_follows_tag_idx on tag_follows (tag_id, account_id);

create table featured_tags (
  id bigint primary key default next_id(),
  account_id bigint not null references accounts on delete cascade,
  tag_id bigint not null references tags on delete cascade,
  created_at timestamptz not null default now(),
  unique (account_id, tag_id)
);

create table endorsements (
  id bigint primary key default next_id(),
  account_id bigint not null references accounts on delete cascade,
  target_account_id bigint not null references accounts on delete cascade,
  unique (account_id, target_account_id)
);

create table account_notes (
  account_id bigint not null references accounts on delete cascade,
  target_account_id bigint not null references accounts on delete cascade,
  comment text not null,
  primary key (account_id, target_account_id)
);

alter table mutes add column expires_at timestamptz;

alter table statuses add column thread_id bigint;
with recursive up(id, parent, root, depth) as (
  select s.id, s.in_reply_to_id, s.in_reply_to_id, 0 from statuses s where s.in_reply_to_id is not null
  union all
  select up.id, p.in_reply_to_id, p.in_reply_to_id, up.depth + 1
  from up join statuses p on p.id = up.parent where p.in_reply_to_id is not null and up.depth < 100)
update statuses s set thread_id = roots.root
from (select distinct on (id) id, root from up order by id, depth desc) roots
where s.id = roots.id;

create table thread_mutes (
  account_id bigint not null references accounts on delete cascade,
  thread_id bigint not null,
  primary key (account_id, thread_id)
);
`;
