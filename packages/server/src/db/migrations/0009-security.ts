// What the hostile-user review (issue 14) needed in the schema:
// - registration_keys: a sign-up's Idempotency-Key, kept with the account it made for a few minutes,
//   so a retried sign-up gets its account back by the key alone, never by matching a password;
// - tokens.family_id: the first token of an authorization, inherited by every token a refresh rotates
//   to, so that a rotated refresh token presented again revokes the whole family (RFC 6819 5.2.2.3);
//   tokens.refreshed_at tells a rotation from another revocation;
// - apps.client_secret_hash: client secrets kept as SHA-256 (base64url, as tokens are), not in plain.
export const sql = /* sql */ `
create table registration_keys (
  key_hash text primary key,
  account_id bigint not null references accounts on delete cascade,
  created_at timestamptz not null default now()
);
create index registration_keys_created_idx on registration_keys (created_at);

alter table tokens add column family_id bigint;
alter table tokens add column refreshed_at timestamptz;
update tokens set family_id = id;
alter table tokens alter column family_id set not null;
create index tokens_family_idx on tokens (family_id);

alter table apps add column client_secret_hash text;
update apps set client_secret_hash = rtrim(translate(encode(sha256(convert_to(client_secret, 'UTF8')), 'base64'), '+/', '-_'), '=');
alter table apps alter column client_secret_hash set not null;
alter table apps drop column client_secret;
`;
