// The accounts that moderation limited (suspended or silenced): a few rows in an index of their own.
// Every timeline asks of each status whether its author is suspended (visibility.ts): without this
// index PostgreSQL answered it by reading the whole accounts table once per read (a Seq Scan under the
// anti-join: 781 of a home page's 1,393 buffer hits with 10,000 accounts, BENCHMARKS.md), a cost that
// grows with the number of accounts. The predicate covers suspensions alone too (each check's
// condition implies it), and counter updates change neither column, so they stay HOT updates.
export const sql = /* sql */ `
create index accounts_limited_idx on accounts (id) where suspended_at is not null or silenced_at is not null;
`;
