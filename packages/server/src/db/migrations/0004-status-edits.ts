// Editing statuses: the current text stays in statuses; each earlier version is kept for /history.
export const sql = /* sql */ `
alter table statuses add column edited_at timestamptz;

create table status_edits (
  id bigint primary key default next_id(),
  status_id bigint not null references statuses on delete cascade,
  text text not null,
  spoiler_text text not null,
  sensitive boolean not null,
  created_at timestamptz not null
);
create index status_edits_status_idx on status_edits (status_id, id);
`;
