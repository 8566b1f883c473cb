// Indexes shaped by the benchmarks (BENCHMARKS.md).
// The home timeline reads the newest statuses of each followed account from (account_id, id desc);
// carrying visibility and reblog_of_id in the index lets it filter direct messages and hidden reblogs
// with an index-only scan, touching the table only for the 20 statuses it returns. It replaces the
// plain (account_id, id desc) index, which served the same queries with one more heap visit per row.
export const sql = /* sql */ `
create index statuses_account_timeline_idx on statuses (account_id, id desc) include (visibility, reblog_of_id);
drop index statuses_account_idx;
`;
