// What staff see of accounts (Mastodon's Admin::Account): the account with its e-mail, sign-up
// address, reason, role and moderation state; and the filtered list behind GET /api/v1|v2/admin/accounts.
import type { Queryable } from '../db/index.js';
import { ACCOUNT_COLUMNS, type AccountRow } from './accounts.js';
import { keysetPage, type PageParams } from './pagination.js';
import { roleIdsWith } from './roles.js';
import { normalAddress, parseIpRange } from './sign-up-blocks.js';

export interface AdminAccountRow extends AccountRow {
  deleted_at: Date | null; invite_request: string | null; sign_up_ip: string | null; invited_by_account_id: string | null;
}

const ADMIN_ACCOUNT_COLUMNS = `${ACCOUNT_COLUMNS.split(', ').map((c) => `a.${c}`).join(', ')}, a.deleted_at, a.invite_request, host(a.sign_up_ip) as sign_up_ip,
  (select i.account_id from invites i where i.id = a.invite_id) as invited_by_account_id`;

export async function getAdminAccounts(db: Queryable, ids: string[]): Promise<Map<string, AdminAccountRow>> {
  if (ids.length === 0) return new Map();
  const rows = await db.query<AdminAccountRow>(`select ${ADMIN_ACCOUNT_COLUMNS} from accounts a where a.id = any($1::bigint[])`, [[...new Set(ids)]]);
  return new Map(rows.map((r) => [r.id, r]));
}

export const ACCOUNT_STATUSES = ['active', 'pending', 'disabled', 'silenced', 'suspended', 'sensitized'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

/** Mastodon's filters (both versions map onto these); all accounts are local. */
export interface AdminAccountFilters {
  origin?: 'local' | 'remote'; statuses: AccountStatus[]; staff?: boolean; roleIds?: number[]; invitedBy?: string;
  username?: string; displayName?: string; byDomain?: string; email?: string; ip?: string;
}

const STATUS_CONDITIONS: Record<AccountStatus, string> = {
  active: 'a.suspended_at is null and not a.disabled and a.approved',
  pending: 'not a.approved',
  disabled: 'a.disabled',
  silenced: 'a.silenced_at is not null',
  suspended: 'a.suspended_at is not null',
  sensitized: 'a.sensitized_at is not null',
};

const like = (text: string) => text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);

export function listAdminAccounts(db: Queryable, localDomain: string, f: AdminAccountFilters, page: PageParams): Promise<AdminAccountRow[]> {
  // No other domain exists here: remote accounts, or accounts of another domain, are none.
  const domain = f.byDomain?.toLowerCase();
  if (f.origin === 'remote' || (domain && domain !== localDomain.toLowerCase())) return Promise.resolve([]);
  const params: unknown[] = [];
  const conditions: string[] = [];
  const add = (condition: (p: string) => string, value: unknown) => { params.push(value); conditions.push(condition(`$${params.length}`)); };
  for (const status of f.statuses) conditions.push(STATUS_CONDITIONS[status]);
  if (f.staff) add((p) => `a.role_id = any(${p}::int[])`, roleIdsWith('manage_reports'));
  if (f.roleIds?.length) add((p) => `a.role_id = any(${p}::int[])`, f.roleIds);
  if (f.invitedBy) add((p) => `exists (select 1 from invites i where i.id = a.invite_id and i.account_id = ${p})`, f.invitedBy);
  if (f.username) add((p) => `lower(a.username) like ${p} || '%'`, like(f.username));
  if (f.displayName) add((p) => `lower(a.display_name) like '%' || ${p} || '%'`, like(f.displayName));
  if (f.email) add((p) => `lower(a.email) like '%' || ${p} || '%'`, like(f.email));
  if (f.ip) add((p) => `a.sign_up_ip <<= ${p}::inet`, parseIpRange(normalAddress(f.ip.trim())));
  return keysetPage<AdminAccountRow>(db, page, 'a.id', params, (k) =>
    `select ${ADMIN_ACCOUNT_COLUMNS} from accounts a where ${[...conditions, k.where].join(' and ')} order by ${k.order} limit ${k.limit}`);
}
