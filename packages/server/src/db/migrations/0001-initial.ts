// The first schema. Ids are time-sortable 64-bit integers: milliseconds since the epoch in the high
// bits and a sequence in the low 16, so keyset pagination by id is pagination by time.
export const sql = /* sql */ `
create sequence id_seq;
create function next_id() returns bigint language sql volatile as $$
  select (floor(extract(epoch from clock_timestamp()) * 1000)::bigint << 16) | (nextval('id_seq') % 65536)
$$;

create table accounts (
  id bigint primary key default next_id(),
  username text not null,
  email text not null,
  password_hash text not null,
  display_name text not null default '',
  note text not null default '',
  locked boolean not null default false,
  bot boolean not null default false,
  discoverable boolean not null default true,
  created_at timestamptz not null default now(),
  followers_count integer not null default 0,
  following_count integer not null default 0,
  statuses_count integer not null default 0,
  last_status_at timestamptz
);
create unique index accounts_username_key on accounts (lower(username));
create unique index accounts_email_key on accounts (lower(email));
create index accounts_search_idx on accounts (lower(username) text_pattern_ops);

create table apps (
  id bigint primary key default next_id(),
  name text not null,
  website text,
  redirect_uris text[] not null,
  scopes text[] not null,
  client_id text not null unique,
  client_secret text not null,
  created_at timestamptz not null default now()
);

create table oauth_codes (
  code_hash text primary key,
  app_id bigint not null references apps on delete cascade,
  account_id bigint not null references accounts on delete cascade,
  redirect_uri text not null,
  scopes text[] not null,
  code_challenge text,
  expires_at timestamptz not null,
  used boolean not null default false
);

create table tokens (
  id bigint primary key default next_id(),
  app_id bigint references apps on delete cascade,
  account_id bigint references accounts on delete cascade,
  access_hash text not null unique,
  refresh_hash text unique,
  scopes text[] not null,
  created_at timestamptz not null default now(),
  revoked_at timestamptz
);
create index tokens_account_idx on tokens (account_id);

create table statuses (
  id bigint primary key default next_id(),
  account_id bigint not null references accounts on delete cascade,
  text text not null default '',
  content_html text not null default '',
  spoiler_text text not null default '',
  sensitive boolean not null default false,
  visibility text not null default 'public' check (visibility in ('public', 'unlisted', 'private', 'direct')),
  language text,
  in_reply_to_id bigint,
  in_reply_to_account_id bigint,
  reblog_of_id bigint references statuses on delete cascade,
  quote_of_id bigint,
  app_id bigint,
  created_at timestamptz not null default now(),
  replies_count integer not null default 0,
  reblogs_count integer not null default 0,
  favourites_count integer not null default 0,
  quotes_count integer not null default 0,
  search tsvector generated always as (to_tsvector('simple', spoiler_text || ' ' || text)) stored
);
create index statuses_account_idx on statuses (account_id, id desc);
create index statuses_reply_idx on statuses (in_reply_to_id) where in_reply_to_id is not null;
create index statuses_public_idx on statuses (id desc) where visibility = 'public' and reblog_of_id is null;
create unique index statuses_reblog_once_idx on statuses (account_id, reblog_of_id) where reblog_of_id is not null;
create index statuses_reblog_of_idx on statuses (reblog_of_id) where reblog_of_id is not null;
create index statuses_search_idx on statuses using gin (search);

create table idempotency_keys (
  account_id bigint not null references accounts on delete cascade,
  key text not null,
  status_id bigint not null,
  created_at timestamptz not null default now(),
  primary key (account_id, key)
);

create table mentions (
  status_id bigint not null references statuses on delete cascade,
  account_id bigint not null references accounts on delete cascade,
  primary key (status_id, account_id)
);
create index mentions_account_idx on mentions (account_id, status_id desc);

create table tags (
  id bigint primary key default next_id(),
  name text not null
);
create unique index tags_name_key on tags (lower(name));
create index tags_search_idx on tags (lower(name) text_pattern_ops);

create table status_tags (
  tag_id bigint not null references tags on delete cascade,
  status_id bigint not null references statuses on delete cascade,
  primary key (tag_id, status_id)
);
create index status_tags_status_idx on status_tags (status_id);

create table favourites (
  id bigint primary key default next_id(),
  account_id bigint not null references accounts on delete cascade,
  status_id bigint not null references statuses on delete cascade,
  unique (account_id, status_id)
);
create index favourites_status_idx on favourites (status_id, id desc);
create index favourites_account_idx on favourites (account_id, id desc);

create table bookmarks (
  id bigint primary key default next_id(),
  account_id bigint not null references accounts on delete cascade,
  status_id bigint not null references statuses on delete cascade,
  unique (account_id, status_id)
);
create index bookmarks_account_idx on bookmarks (account_id, id desc);

create table status_pins (
  id bigint primary key default next_id(),
  account_id bigint not null references accounts on delete cascade,
  status_id bigint not null references statuses on delete cascade,
  unique (account_id, status_id)
);

create table follows (
  id bigint primary key default next_id(),
  account_id bigint not null references accounts on delete cascade,
  target_account_id bigint not null references accounts on delete cascade,
  show_reblogs boolean not null default true,
  notify boolean not null default false,
  unique (account_id, target_account_id)
);
create index follows_target_idx on follows (target_account_id, id desc);
create index follows_account_idx on follows (account_id, id desc);

create table blocks (
  id bigint primary key default next_id(),
  account_id bigint not null references accounts on delete cascade,
  target_account_id bigint not null references accounts on delete cascade,
  unique (account_id, target_account_id)
);
create index blocks_target_idx on blocks (target_account_id);

create table mutes (
  id bigint primary key default next_id(),
  account_id bigint not null references accounts on delete cascade,
  target_account_id bigint not null references accounts on delete cascade,
  notifications boolean not null default true,
  unique (account_id, target_account_id)
);

create table notifications (
  id bigint primary key default next_id(),
  account_id bigint not null references accounts on delete cascade,
  from_account_id bigint not null references accounts on delete cascade,
  type text not null,
  status_id bigint references statuses on delete cascade,
  created_at timestamptz not null default now()
);
create index notifications_account_idx on notifications (account_id, id desc);
`;
