// Entities of reports and moderation, from loaded data (pure, like ../serializers.ts): Report,
// AccountWarning, Rule, and the staff's Admin::Account, Admin::Report, Admin::IpBlock,
// Admin::EmailDomainBlock, Admin::CanonicalEmailBlock; and Firebreak's own invite and audit log entries.
import type { PublicAccountRow } from '../../domain/accounts.js';
import type { AdminAccountRow } from '../../domain/admin-accounts.js';
import type { ActionLogRow } from '../../domain/audit-log.js';
import type { WarningRow } from '../../domain/moderation.js';
import type { InviteRow } from '../../domain/registrations.js';
import type { ReportRow } from '../../domain/reports.js';
import { roleOf } from '../../domain/roles.js';
import type { RuleRow } from '../../domain/rules.js';
import type { CanonicalEmailBlockRow, EmailDomainBlockRow, IpBlockRow } from '../../domain/sign-up-blocks.js';
import { serializeAccount, serializeRole, type Entity, type Site } from '../serializers.js';

const iso = (d: Date | null) => d?.toISOString() ?? null;

export const serializeRule = (r: RuleRow): Entity => ({ id: r.id, text: r.text, hint: r.hint });

/** Mastodon's Report, as the reporter and an admin.report notification show it. */
export function serializeReport(site: Site, r: ReportRow, target: PublicAccountRow): Entity {
  return {
    id: r.id, action_taken: r.action_taken_at !== null, action_taken_at: iso(r.action_taken_at), category: r.category, comment: r.comment,
    forwarded: r.forwarded, created_at: r.created_at.toISOString(), status_ids: r.status_ids, rule_ids: r.rule_ids.length ? r.rule_ids : null,
    target_account: serializeAccount(site, target),
  };
}

/** Mastodon's AccountWarning, shown to the warned account (moderation_warning notifications). */
export function serializeWarning(site: Site, w: WarningRow, target: PublicAccountRow): Entity {
  return {
    id: w.id, action: w.action, text: w.text, status_ids: w.status_ids, target_account: serializeAccount(site, target), appeal: null, created_at: w.created_at.toISOString(),
  };
}

/**
 * Admin::Account. `ip` is the address the account signed up from (Firebreak does not keep later
 * sign-in addresses), with the sign-up's time.
 */
export function serializeAdminAccount(site: Site, a: AdminAccountRow): Entity {
  const ip = a.sign_up_ip ? { ip: a.sign_up_ip, used_at: a.created_at.toISOString() } : null;
  return {
    id: a.id, username: a.username, domain: null, created_at: a.created_at.toISOString(), email: a.email,
    ip, ips: ip ? [ip] : [], locale: null, invite_request: a.invite_request, role: serializeRole(roleOf(a.role_id)),
    confirmed: true, approved: a.approved, disabled: a.disabled, silenced: a.silenced_at !== null, suspended: a.suspended_at !== null,
    sensitized: a.sensitized_at !== null, account: serializeAccount(site, a), created_by_application_id: null,
    invited_by_account_id: a.invited_by_account_id,
  };
}

/** What an Admin::Report is made of besides its row. */
export interface AdminReportParts { accounts: Map<string, AdminAccountRow>; statuses: Map<string, Entity>; rules: Map<string, RuleRow> }

export function serializeAdminReport(site: Site, r: ReportRow, parts: AdminReportParts): Entity {
  const account = (id: string | null) => {
    const a = id ? parts.accounts.get(id) : undefined;
    return a ? serializeAdminAccount(site, a) : null;
  };
  return {
    id: r.id, action_taken: r.action_taken_at !== null, action_taken_at: iso(r.action_taken_at), category: r.category, comment: r.comment,
    forwarded: r.forwarded, created_at: r.created_at.toISOString(), updated_at: r.updated_at.toISOString(),
    account: account(r.account_id), target_account: account(r.target_account_id),
    assigned_account: account(r.assigned_account_id), action_taken_by_account: account(r.action_taken_by_account_id),
    statuses: r.status_ids.flatMap((id) => parts.statuses.get(id) ?? []),
    rules: r.rule_ids.flatMap((id) => { const rule = parts.rules.get(id); return rule ? [serializeRule(rule)] : []; }),
  };
}

export const serializeIpBlock = (b: IpBlockRow): Entity => ({
  id: b.id, ip: b.ip, severity: b.severity, comment: b.comment, created_at: b.created_at.toISOString(), expires_at: iso(b.expires_at),
});

export const serializeEmailDomainBlock = (b: EmailDomainBlockRow): Entity => ({
  id: b.id, domain: b.domain, allow_with_approval: b.allow_with_approval, created_at: b.created_at.toISOString(), history: b.history ?? [],
});

export const serializeCanonicalEmailBlock = (b: CanonicalEmailBlockRow): Entity => ({ id: b.id, canonical_email_hash: b.canonical_email_hash });

/** Firebreak's invite entity (Mastodon's client API has none): the link to share is `url`. */
export function serializeInvite(site: Site, i: InviteRow): Entity {
  const expired = (i.expires_at !== null && i.expires_at <= new Date()) || (i.max_uses !== null && i.uses >= i.max_uses);
  return {
    id: i.id, code: i.code, url: `${site.publicUrl}/invite/${i.code}`, uses: i.uses, max_uses: i.max_uses,
    expires_at: iso(i.expires_at), expired, comment: i.comment, created_at: i.created_at.toISOString(),
  };
}

/** An audit log entry: who (null: the command line), what, on what; `summary` names the target. */
export function serializeActionLog(site: Site, l: ActionLogRow, actor: PublicAccountRow | undefined): Entity {
  return {
    id: l.id, action: l.action, target_type: l.target_type, target_id: l.target_id, summary: l.summary, created_at: l.created_at.toISOString(),
    account: actor ? serializeAccount(site, actor) : null,
  };
}
