// accounts.version: changes whenever anything an account's entity shows changes, except its counters
// (followers, following, statuses, last status), so that app servers can keep account rows in
// memory keyed by (id, version) and notice a change by the version alone (domain/entity-cache.ts).
// The value comes from a sequence, not old.version + 1: a sequence never hands out a number twice,
// even when the transaction that took it rolls back, so a version always names one content.
// The trigger's WHEN clause decides without calling plpgsql, so the frequent counter updates
// (every post, follow) pay for a few comparisons only. Existing and new rows start at 0; the first
// change gives them a number from the sequence (always > 0).
export const sql = /* sql */ `
create sequence account_version_seq;
alter table accounts add column version bigint not null default 0;

create function bump_account_version() returns trigger language plpgsql as $$
begin
  new.version := nextval('account_version_seq');
  return new;
end
$$;

create trigger accounts_version before update on accounts for each row
when (old.username is distinct from new.username or old.display_name is distinct from new.display_name
  or old.note is distinct from new.note or old.locked is distinct from new.locked or old.bot is distinct from new.bot
  or old.discoverable is distinct from new.discoverable or old.created_at is distinct from new.created_at
  or old.avatar_key is distinct from new.avatar_key or old.header_key is distinct from new.header_key
  or old.role_id is distinct from new.role_id or old.suspended_at is distinct from new.suspended_at
  or old.silenced_at is distinct from new.silenced_at or old.sensitized_at is distinct from new.sensitized_at
  or old.disabled is distinct from new.disabled or old.approved is distinct from new.approved
  or old.version is distinct from new.version)
execute function bump_account_version();
`;
