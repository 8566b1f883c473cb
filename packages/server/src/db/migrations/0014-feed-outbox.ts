// The feed outbox (domain/feed-outbox.ts): a new status or reblog is queued here by the statement that
// creates it, and app servers fan it out to home and list feeds in batches, off the request path.
// queued_at is the creating transaction's start, so the drain can tell how far behind it runs.
export const sql = /* sql */ `
create table feed_outbox (
  status_id bigint primary key,
  queued_at timestamptz not null default now()
);
`;
