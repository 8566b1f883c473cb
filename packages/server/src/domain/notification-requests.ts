// The notification policy and notification requests (Mastodon 4.3). The policy says, for each kind
// of sender, whether their notifications are accepted, filtered (kept out of the notification list,
// held under a request from that sender) or dropped (never recorded):
// - for_not_following: senders the recipient does not follow;
// - for_not_followers: senders who do not follow the recipient, or began to less than 3 days ago;
// - for_new_accounts: accounts younger than 30 days;
// - for_private_mentions: private mentions from people the recipient does not follow, unless they
//   reply to the recipient's own post;
// - for_limited_accounts: accounts limited by moderators. Firebreak has no moderation tools, so no
//   account is ever limited and this setting, kept and shown, never applies.
// Mastodon's defaults: accept everything but private mentions from strangers and limited accounts,
// which are filtered. Mentions, reblogs, favourites, follows, follow requests and quotes can be
// filtered; other types never are. notify() (notifications.ts) applies the policy.
//
// Accepting a request merges its notifications into the list and lets the sender through from then
// on; dismissing it deletes its notifications (the sender's next filtered one opens a new request).
import type { AppContext } from '../context.js';
import type { Queryable, Tx } from '../db/index.js';
import { notFound, unprocessable } from '../errors.js';
import { publish } from './events.js';
import { idempotentWrite } from './idempotency.js';
import { keysetPage, type PageParams } from './pagination.js';
import { notificationAllowed } from './notifications.js';

export const POLICY_FIELDS = ['for_not_following', 'for_not_followers', 'for_new_accounts', 'for_private_mentions', 'for_limited_accounts'] as const;
export type PolicyField = (typeof POLICY_FIELDS)[number];
export const POLICY_VALUES = ['accept', 'filter', 'drop'] as const;
export type PolicyValue = (typeof POLICY_VALUES)[number];
export type Policy = Record<PolicyField, PolicyValue>;

const DEFAULT_POLICY: Policy = { for_not_following: 'accept', for_not_followers: 'accept', for_new_accounts: 'accept', for_private_mentions: 'filter', for_limited_accounts: 'filter' };

/** Summary counts stop here, as Mastodon's do (MAX_MEANINGFUL_COUNT): past it, a client shows "100+". */
const MAX_MEANINGFUL_COUNT = 100;

export interface PolicySummary { pending_requests_count: number; pending_notifications_count: number }

/** The notifications held under the recipient's ($1) requests, from sender `sender`. */
const heldFrom = (sender: string) => `select 1 from notifications n where n.account_id = $1 and n.from_account_id = ${sender} and n.filtered`;

export async function getPolicy(db: Queryable, accountId: string): Promise<Policy & { summary: PolicySummary }> {
  const [row] = await db.query<Policy & { requests: string; held: string }>(
    `select p.*,
       (select count(*) from (select 1 from notification_requests r where r.account_id = $1 and ${notificationAllowed('$1', 'r.from_account_id')} limit ${MAX_MEANINGFUL_COUNT}) c) as requests,
       (select count(*) from (select 1 from notifications n where n.account_id = $1 and n.filtered and ${notificationAllowed('$1', 'n.from_account_id')} limit ${MAX_MEANINGFUL_COUNT}) c) as held
     from (select 1) one left join notification_policies p on p.account_id = $1`, [accountId]);
  const policy = Object.fromEntries(POLICY_FIELDS.map((f) => [f, row?.[f] ?? DEFAULT_POLICY[f]])) as Policy;
  return { ...policy, summary: { pending_requests_count: Number(row?.requests ?? 0), pending_notifications_count: Number(row?.held ?? 0) } };
}

/** Sets the fields given, keeps the others; idempotent by nature. */
export async function updatePolicy(db: Queryable, accountId: string, changes: Partial<Policy>): Promise<void> {
  const values = POLICY_FIELDS.map((f) => changes[f] ?? null);
  await db.query(
    `insert into notification_policies (account_id, ${POLICY_FIELDS.join(', ')})
     values ($1, ${POLICY_FIELDS.map((f, i) => `coalesce($${i + 2}, '${DEFAULT_POLICY[f]}')`).join(', ')})
     on conflict (account_id) do update set ${POLICY_FIELDS.map((f, i) => `${f} = coalesce($${i + 2}, notification_policies.${f})`).join(', ')}`,
    [accountId, ...values]);
}

/** A policy value from the API, or undefined when not given; anything else is 422. */
export function policyValue(field: string, value: unknown): PolicyValue | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !(POLICY_VALUES as readonly string[]).includes(value)) throw unprocessable(`Validation failed: ${field} must be accept, filter or drop`);
  return value as PolicyValue;
}

export interface NotificationRequestRow {
  id: string; account_id: string; from_account_id: string; last_status_id: string | null; created_at: Date; updated_at: Date; notifications_count: string;
}

const REQUEST_COLUMNS = `r.id, r.account_id, r.from_account_id, r.last_status_id, r.created_at, r.updated_at,
  (select count(*) from (${heldFrom('r.from_account_id')}) held)::text as notifications_count`;

export function listRequests(db: Queryable, accountId: string, page: PageParams): Promise<NotificationRequestRow[]> {
  return keysetPage<NotificationRequestRow>(db, page, 'r.id', [accountId], (k) =>
    `select ${REQUEST_COLUMNS} from notification_requests r
     where r.account_id = $1 and ${notificationAllowed('$1', 'r.from_account_id')} and ${k.where} order by ${k.order} limit ${k.limit}`);
}

export async function getRequest(db: Queryable, accountId: string, id: string): Promise<NotificationRequestRow> {
  const [row] = await db.query<NotificationRequestRow>(
    `select ${REQUEST_COLUMNS} from notification_requests r where r.account_id = $1 and r.id = $2 and ${notificationAllowed('$1', 'r.from_account_id')}`, [accountId, id]);
  if (!row) throw notFound();
  return row;
}

/**
 * Accepts or dismisses the account's requests among `ids` (others' and unknown ones are skipped, as
 * Mastodon's bulk endpoints do); returns how many there were.
 */
async function decide(ctx: AppContext, tx: Tx, accountId: string, ids: string[], accept: boolean): Promise<number> {
  const decided = await tx.query<{ from_account_id: string }>(
    'delete from notification_requests where account_id = $1 and id = any($2::bigint[]) returning from_account_id', [accountId, ids]);
  const senders = decided.map((d) => d.from_account_id);
  if (senders.length === 0) return 0;
  if (accept) {
    await tx.query(
      `insert into notification_permissions (account_id, from_account_id) select $1, unnest($2::bigint[]) on conflict do nothing`, [accountId, senders]);
    await tx.query('update notifications set filtered = false where account_id = $1 and from_account_id = any($2::bigint[]) and filtered', [accountId, senders]);
    publish(ctx.events, tx, 'notifications.merged', { accountId });
  } else {
    await tx.query('delete from notifications where account_id = $1 and from_account_id = any($2::bigint[]) and filtered', [accountId, senders]);
  }
  return senders.length;
}

/**
 * One request, by id: 404 for anyone else's or one already decided. The answer is kept under the
 * Idempotency-Key, so a retry after a lost answer succeeds as the first call did.
 */
export async function decideRequest(ctx: AppContext, accountId: string, id: string, accept: boolean, key: string | null): Promise<void> {
  await idempotentWrite(ctx, accountId, key, `POST /api/v1/notifications/requests/${id}/${accept ? 'accept' : 'dismiss'}`, async (tx) => {
    if (await decide(ctx, tx, accountId, [id], accept) === 0) throw notFound();
    return {};
  });
}

/** Many requests at once; naturally idempotent (decided ones are skipped). */
export async function decideRequests(ctx: AppContext, accountId: string, ids: string[], accept: boolean): Promise<void> {
  await ctx.db.transaction((tx) => decide(ctx, tx, accountId, ids, accept));
}
