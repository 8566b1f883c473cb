// Media attachments, avatars and headers (issue 16).
// - media_attachments: one upload, its processing state and what processing made of it (storage keys
//   of the served files, meta, blurhash). status_id is set once, when a status first attaches it, and
//   never cleared: an attachment belongs to one status for good, and edit history can show it.
// - statuses.media_ids: the attachments a status shows now, in order (an edit may change them);
//   status_edits.media_ids: what each earlier version showed.
// - media_jobs: the durable processing queue; a job is claimed with `for update skip locked`, its lease
//   (locked_until) lapses if the server processing it dies, and another server takes it over.
// - media_blobs: the bytes of every stored file when media is kept in the database
//   (FIREBREAK_MEDIA_STORE=postgres, the cluster's choice: synchronously replicated like every post).
// - accounts.avatar_key / header_key: the stored avatar and header, null for the defaults.
export const sql = /* sql */ `
create table media_attachments (
  id bigint primary key default next_id(),
  account_id bigint not null references accounts on delete cascade,
  status_id bigint references statuses on delete cascade,
  type text not null,
  state text not null default 'processing',
  upload_key text,
  file_key text,
  file_type text,
  preview_key text,
  preview_type text,
  thumbnail_key text,
  thumbnail_type text,
  meta jsonb not null default '{}'::jsonb,
  blurhash text,
  description text not null default '',
  focus_x real not null default 0,
  focus_y real not null default 0,
  error text,
  idempotency_key text,
  created_at timestamptz not null default now(),
  processed_at timestamptz
);
create index media_attachments_account_idx on media_attachments (account_id, id);
create index media_attachments_status_idx on media_attachments (status_id) where status_id is not null;
create index media_attachments_unattached_idx on media_attachments (created_at) where status_id is null;
-- Whether a content-addressed file is still used by anyone, before it is deleted.
create index media_attachments_file_idx on media_attachments (file_key) where file_key is not null;
create index media_attachments_preview_idx on media_attachments (preview_key) where preview_key is not null;
create index media_attachments_thumbnail_idx on media_attachments (thumbnail_key) where thumbnail_key is not null;
create unique index media_attachments_idempotency_key on media_attachments (account_id, idempotency_key) where idempotency_key is not null;

alter table statuses add column media_ids bigint[] not null default '{}';
create index statuses_with_media_idx on statuses (account_id, id) where media_ids <> '{}';
create index statuses_public_media_idx on statuses (id) where media_ids <> '{}' and visibility = 'public' and reblog_of_id is null;
alter table status_edits add column media_ids bigint[] not null default '{}';

create table media_jobs (
  media_id bigint primary key references media_attachments on delete cascade,
  attempts integer not null default 0,
  run_after timestamptz not null default now(),
  locked_until timestamptz,
  last_error text
);
create index media_jobs_due_idx on media_jobs (run_after);

create table media_blobs (
  key text primary key,
  content_type text not null,
  bytes bytea not null,
  created_at timestamptz not null default now()
);

alter table accounts add column avatar_key text;
alter table accounts add column header_key text;
create index accounts_avatar_key_idx on accounts (avatar_key) where avatar_key is not null;
create index accounts_header_key_idx on accounts (header_key) where header_key is not null;
`;
