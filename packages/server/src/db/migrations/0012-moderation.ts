// Running a public instance (issue 18): roles and moderation, reports, the audit log, registration
// modes and invites, sign-up blocks, two-factor sign-in and Web Push.
// - accounts: the role (Mastodon's role ids: -99 everyone, 1 moderator, 2 admin, 3 owner), the
//   moderation state (suspended, silenced, sensitized, disabled, approved) and what a sign-up came
//   with (the reason given, the invite, the address);
// - reports and account_warnings (shown to the warned user as a moderation_warning notification);
//   notifications point at them (admin.report, moderation_warning);
// - admin_action_logs: every moderator action (Mastodon keeps them in the database and shows them in
//   its admin pages; there is no client API for them);
// - server_rules (what reports cite), instance_settings (the registration mode, the VAPID key pair),
//   invites, ip_blocks, email_domain_blocks (with the attempts they refused), canonical_email_blocks;
// - account_activity: which accounts used the API on which day (admin measures and retention);
// - two_factor, two_factor_recovery_codes and sign_in_challenges (a password accepted, a code awaited);
// - push_subscriptions (one per access token) and push_deliveries, the durable queue the notification's
//   own transaction writes and every app server drains.
export const sql = /* sql */ `
alter table accounts add column role_id integer not null default -99;
alter table accounts add column suspended_at timestamptz;
alter table accounts add column silenced_at timestamptz;
alter table accounts add column sensitized_at timestamptz;
alter table accounts add column disabled boolean not null default false;
alter table accounts add column approved boolean not null default true;
alter table accounts add column deleted_at timestamptz;
alter table accounts add column invite_request text;
alter table accounts add column invite_id bigint;
alter table accounts add column sign_up_ip inet;
create index accounts_staff_idx on accounts (role_id) where role_id <> -99;
create index accounts_pending_idx on accounts (id) where not approved;

create table server_rules (
  id bigint primary key default next_id(),
  text text not null,
  hint text not null default '',
  created_at timestamptz not null default now(),
  deleted_at timestamptz
);

create table reports (
  id bigint primary key default next_id(),
  account_id bigint not null references accounts on delete cascade,
  target_account_id bigint not null references accounts on delete cascade,
  status_ids bigint[] not null default '{}',
  rule_ids bigint[] not null default '{}',
  category text not null check (category in ('spam', 'legal', 'violation', 'other')),
  comment text not null default '',
  forwarded boolean not null default false,
  assigned_account_id bigint references accounts on delete set null,
  action_taken_at timestamptz,
  action_taken_by_account_id bigint references accounts on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index reports_unresolved_idx on reports (id desc) where action_taken_at is null;
create index reports_target_idx on reports (target_account_id, id desc);
create index reports_account_idx on reports (account_id, id desc);

create table account_warnings (
  id bigint primary key default next_id(),
  account_id bigint references accounts on delete set null,
  target_account_id bigint not null references accounts on delete cascade,
  action text not null check (action in ('none', 'disable', 'mark_statuses_as_sensitive', 'delete_statuses', 'sensitive', 'silence', 'suspend')),
  text text not null default '',
  report_id bigint references reports on delete set null,
  status_ids bigint[] not null default '{}',
  created_at timestamptz not null default now()
);
create index account_warnings_target_idx on account_warnings (target_account_id, id desc);

alter table notifications add column report_id bigint references reports on delete cascade;
alter table notifications add column account_warning_id bigint references account_warnings on delete cascade;

create table admin_action_logs (
  id bigint primary key default next_id(),
  account_id bigint references accounts on delete set null,
  action text not null,
  target_type text not null,
  target_id bigint,
  summary text not null default '',
  created_at timestamptz not null default now()
);
create index admin_action_logs_target_idx on admin_action_logs (target_type, target_id, id desc);

create table instance_settings (
  key text primary key,
  value jsonb not null,
  updated_at timestamptz not null default now()
);

create table invites (
  id bigint primary key default next_id(),
  code text not null unique,
  account_id bigint not null references accounts on delete cascade,
  max_uses integer,
  uses integer not null default 0,
  expires_at timestamptz,
  comment text not null default '',
  created_at timestamptz not null default now()
);
create index invites_account_idx on invites (account_id, id desc);

create table ip_blocks (
  id bigint primary key default next_id(),
  ip cidr not null unique,
  severity text not null check (severity in ('sign_up_requires_approval', 'sign_up_block', 'no_access')),
  comment text not null default '',
  expires_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table email_domain_blocks (
  id bigint primary key default next_id(),
  domain text not null unique,
  allow_with_approval boolean not null default false,
  created_at timestamptz not null default now()
);
create table email_domain_block_attempts (
  id bigserial primary key,
  block_id bigint not null references email_domain_blocks on delete cascade,
  email_hash text not null,
  at timestamptz not null default now()
);
create index email_domain_block_attempts_block_idx on email_domain_block_attempts (block_id, at);

create table canonical_email_blocks (
  id bigint primary key default next_id(),
  canonical_email_hash text not null unique,
  reference_account_id bigint references accounts on delete set null,
  created_at timestamptz not null default now()
);

create table account_activity (
  account_id bigint not null references accounts on delete cascade,
  day date not null,
  primary key (day, account_id)
);

create table two_factor (
  account_id bigint primary key references accounts on delete cascade,
  secret text not null,
  enabled_at timestamptz,
  last_time_step bigint,
  created_at timestamptz not null default now()
);
create table two_factor_recovery_codes (
  account_id bigint not null references accounts on delete cascade,
  code_hash text not null,
  used_at timestamptz,
  primary key (account_id, code_hash)
);
create table sign_in_challenges (
  challenge_hash text primary key,
  account_id bigint not null references accounts on delete cascade,
  expires_at timestamptz not null
);
create index sign_in_challenges_expires_idx on sign_in_challenges (expires_at);

create table push_subscriptions (
  id bigint primary key default next_id(),
  token_id bigint not null unique references tokens on delete cascade,
  account_id bigint not null references accounts on delete cascade,
  access_token text not null,
  endpoint text not null,
  p256dh text not null,
  auth text not null,
  alerts text[] not null default '{}',
  policy text not null default 'all' check (policy in ('all', 'followed', 'follower', 'none')),
  standard boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index push_subscriptions_account_idx on push_subscriptions (account_id);

create table push_deliveries (
  id bigint primary key default next_id(),
  subscription_id bigint not null references push_subscriptions on delete cascade,
  notification_id bigint not null references notifications on delete cascade,
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  last_error text,
  created_at timestamptz not null default now(),
  unique (subscription_id, notification_id)
);
create index push_deliveries_due_idx on push_deliveries (next_attempt_at);
create index push_deliveries_notification_idx on push_deliveries (notification_id);

update apps set scopes = '{read,write,follow,push,admin:read,admin:write}' where client_id = 'firebreak-web';
`;
