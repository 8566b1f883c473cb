// statuses.content_version: counts the changes to what a status shows that are not edits (an edit sets
// edited_at). Today that is one: the status loses a mention when the mentioned account is deleted (a
// rejected sign-up, moderation.ts rejectAccount). The entity cache keys a status by its edit time and
// this number (statuses.ts statusVersionSql); before, by its number of mentions, which every page
// counted for every status: 3 buffer hits a status, about a seventh of a home page's (BENCHMARKS.md).
// A constant default adds the column without rewriting the table.
export const sql = /* sql */ `
alter table statuses add column content_version integer not null default 0;
`;
