// Who may see which status, as SQL predicates over a status alias `s` and a viewer parameter.
// The viewer parameter may be null (anonymous): every comparison with it is then false. Checks over
// the viewer's history (their follows, the posts that mention them, their mutes) are probes per status
// (db/probe.ts): hashed, they would read the whole history for every page.
import { probe } from '../db/index.js';

/**
 * Visible to the viewer by visibility and mentions; blocked in either direction is hidden. Moderation
 * decides too: a suspended account's statuses are seen by no one (until it is unsuspended: nothing is
 * deleted), a silenced (limited) account's only by its followers and the accounts it mentions.
 * A block is two look-ups of the blocks' unique index, one per direction: a single condition with an
 * OR between the directions was planned as a scan of the whole table for every status.
 */
export function visibleTo(viewerParam: string, alias = 's'): string {
  return `(
    (${alias}.visibility in ('public', 'unlisted') or ${alias}.account_id = ${viewerParam}
      or (${alias}.visibility = 'private' and ${probe(`select 1 from follows f where f.account_id = ${viewerParam} and f.target_account_id = ${alias}.account_id`)})
      or ${probe(`select 1 from mentions vm where vm.status_id = ${alias}.id and vm.account_id = ${viewerParam}`)})
    and not exists (select 1 from blocks b where b.account_id = ${viewerParam} and b.target_account_id = ${alias}.account_id)
    and not exists (select 1 from blocks b where b.account_id = ${alias}.account_id and b.target_account_id = ${viewerParam})
    and not exists (select 1 from accounts ma where ma.id = ${alias}.account_id and (ma.suspended_at is not null
      or (ma.silenced_at is not null and ma.id is distinct from ${viewerParam}
        and not ${probe(`select 1 from follows sf where sf.account_id = ${viewerParam} and sf.target_account_id = ma.id`)}
        and not ${probe(`select 1 from mentions sm where sm.status_id = ${alias}.id and sm.account_id = ${viewerParam}`)})))
  )`;
}

/** A mute row that is in force: a mute with a duration ends by itself when it expires. */
export const activeMute = (mute: string) => `(${mute}.expires_at is null or ${mute}.expires_at > now())`;
/** The author is neither suspended nor silenced: what public timelines show (a limited account's followers see it at home). */
export function authorInGoodStanding(alias = 's'): string {
  return `not exists (select 1 from accounts ga where ga.id = ${alias}.account_id and (ga.suspended_at is not null or ga.silenced_at is not null))`;
}

/** The author is not suspended: home timelines and streams drop a suspended account's statuses up front. */
export function authorNotSuspended(alias = 's'): string {
  return `not exists (select 1 from accounts sa where sa.id = ${alias}.account_id and sa.suspended_at is not null)`;
}

/** Also hides accounts the viewer muted: for timelines, not for direct lookups. */
export function notMutedBy(viewerParam: string, alias = 's'): string {
  return `not exists (select 1 from mutes mu where mu.account_id = ${viewerParam} and mu.target_account_id = ${alias}.account_id and ${activeMute('mu')})`;
}

/** A reblog of a muted account's post is muted too, in timelines (as Mastodon's home feed filters it). */
export function reblogNotMutedBy(viewerParam: string, alias = 's'): string {
  return `(${alias}.reblog_of_id is null or not ${probe(`
    select 1 from statuses ro join mutes mr on mr.target_account_id = ro.account_id and mr.account_id = ${viewerParam} and ${activeMute('mr')} where ro.id = ${alias}.reblog_of_id`)})`;
}

/** A reblog by an account whose reblogs the viewer hides (a follow with `reblogs: false`) is left out of their timelines. */
export function reblogShownBy(viewerParam: string, alias = 's'): string {
  return `(${alias}.reblog_of_id is null or not ${probe(`select 1 from follows fr where fr.account_id = ${viewerParam} and fr.target_account_id = ${alias}.account_id and not fr.show_reblogs`)})`;
}
