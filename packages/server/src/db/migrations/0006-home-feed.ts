// Home feeds, filled on write (fan-out); src/domain/timelines.ts explains the scheme and BENCHMARKS.md
// the measurements behind it. No backfill is needed on an existing database: every account starts with
// home_feed_floor null (no feed), and its feed is built from the statuses already there the first time
// it reads its home timeline, which is served by fan-in until then.
// follows (target_account_id, account_id) lets the fan-out read a status author's followers from the
// index alone, and the partial index on accounts answers "does this follower keep a feed" without a
// visit to the (much larger, often updated) accounts table for the many who do not.
export const sql = /* sql */ `
create table home_feed (
  account_id bigint not null,
  status_id bigint not null,
  primary key (account_id, status_id)
);
alter table accounts add column home_feed_floor bigint;
create index follows_fanout_idx on follows (target_account_id, account_id);
create index accounts_home_feed_idx on accounts (id) where home_feed_floor is not null;
`;
