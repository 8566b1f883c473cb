// Locked accounts, read positions and replay-safe writes.
// - follow_requests: a follow of a locked account waits here until its owner authorizes or rejects it.
// - markers: where a user stopped reading the home timeline and the notifications (Mastodon's markers
//   API), so an unread count survives a reload and follows the user across devices.
// - idempotent_requests: the response of a write that is not naturally idempotent (deleting a status,
//   dismissing a notification), stored in the write's own transaction under the client's
//   Idempotency-Key, so a retry through a failover replays the answer instead of failing with 404.
// - statuses_quote_of_idx: GET /api/v1/statuses/:id/quotes and the quoted_update notifications.
// - follows_notify_idx: every new post looks for followers who asked to be notified of it; the
//   partial index finds those few without reading every follower of a popular account.
export const sql = /* sql */ `
create table follow_requests (
  id bigint primary key default next_id(),
  account_id bigint not null references accounts on delete cascade,
  target_account_id bigint not null references accounts on delete cascade,
  show_reblogs boolean not null default true,
  notify boolean not null default false,
  unique (account_id, target_account_id)
);
create index follow_requests_target_idx on follow_requests (target_account_id, id desc);

create table markers (
  account_id bigint not null references accounts on delete cascade,
  timeline text not null check (timeline in ('home', 'notifications')),
  last_read_id bigint not null,
  version integer not null default 0,
  updated_at timestamptz not null default now(),
  primary key (account_id, timeline)
);

create table idempotent_requests (
  account_id bigint not null references accounts on delete cascade,
  key text not null,
  request text not null,
  response jsonb not null,
  created_at timestamptz not null default now(),
  primary key (account_id, key)
);

create index statuses_quote_of_idx on statuses (quote_of_id, id desc) where quote_of_id is not null;
create index follows_notify_idx on follows (target_account_id) where notify;
`;
