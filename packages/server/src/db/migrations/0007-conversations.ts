// Direct-message conversations (GET /api/v1/conversations), kept on write: src/domain/conversations.ts
// explains the scheme.
// - conversations: one row per viewer per set of other participants (sorted ids, the viewer left
//   out; empty for notes to oneself), with the newest linked status for ordering and keyset paging.
// - conversation_statuses: which direct statuses a viewer's conversation holds (Mastodon keeps them
//   in an array on the row). Deleting a status removes its links by cascade; the domain code then
//   moves last_status_id back to the previous one, or drops a conversation that has none left.
// Existing direct statuses are grouped into conversations here, all marked read (no backlog of
// unread conversations after an upgrade).
export const sql = /* sql */ `
create table conversations (
  id bigint primary key default next_id(),
  account_id bigint not null references accounts on delete cascade,
  participant_ids bigint[] not null,
  last_status_id bigint not null,
  unread boolean not null default false,
  unique (account_id, participant_ids)
);
create index conversations_account_idx on conversations (account_id, last_status_id desc);

create table conversation_statuses (
  conversation_id bigint not null references conversations on delete cascade,
  status_id bigint not null references statuses on delete cascade,
  primary key (conversation_id, status_id)
);
create index conversation_statuses_status_idx on conversation_statuses (status_id);

create temporary table direct_members as
  select d.id as status_id, u.member, array_remove(d.everyone, u.member) as participant_ids
  from (
    select s.id, array(select p from (select s.account_id as p union select m.account_id from mentions m where m.status_id = s.id) ps order by p) as everyone
    from statuses s where s.visibility = 'direct' and s.reblog_of_id is null) d
  cross join unnest(d.everyone) as u(member);

insert into conversations (account_id, participant_ids, last_status_id, unread)
  select member, participant_ids, max(status_id), false from direct_members group by member, participant_ids;

insert into conversation_statuses (conversation_id, status_id)
  select c.id, dm.status_id from direct_members dm join conversations c on c.account_id = dm.member and c.participant_ids = dm.participant_ids;

drop table direct_members;
`;
