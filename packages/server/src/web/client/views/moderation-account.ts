// One account, for a moderator: what it is (e-mail, sign-up address and reason, role, state), what
// can be done to it, and its history: warnings it was given, reports about it, the audit log's entries.
import { get } from '../api.js';
import { heading, setView } from '../frame.js';
import { pagedList } from '../paged-list.js';
import { can } from '../permissions.js';
import type { AccountWarning, ActionLog, AdminAccount, AdminReport } from '../types.js';
import { avatar, h, timeAgo } from '../ui.js';
import { accountLabel, accountStateBadges, logRow } from './moderation.js';
import { actionForm, undoButtons } from './moderation-actions.js';

export async function moderationAccountView(id: string): Promise<void> {
  const [account, warnings, reports] = await Promise.all([
    get<AdminAccount>(`/api/v1/admin/accounts/${id}`),
    get<AccountWarning[]>(`/api/v1/admin/accounts/${id}/warnings`),
    can('manageReports') ? get<AdminReport[]>(`/api/v1/admin/reports?target_account_id=${id}`) : Promise.resolve([] as AdminReport[]),
  ]);
  const reload = () => void moderationAccountView(id);
  const facts = h('dl', { class: 'facts' },
    h('dt', {}, 'E-mail'), h('dd', {}, account.email),
    h('dt', {}, 'Signed up'), h('dd', {}, `${new Date(account.created_at).toLocaleString()}${account.ip ? ` from ${account.ip.ip}` : ''}`),
    ...(account.invite_request ? [h('dt', {}, 'Reason given'), h('dd', {}, account.invite_request)] : []),
    h('dt', {}, 'Role'), h('dd', {}, account.role.name || 'User'),
    h('dt', {}, 'Profile'), h('dd', {}, h('a', { href: `/@${account.username}` }, `@${account.username}`), ` · ${account.account.statuses_count} posts`));
  const history = h('section', { 'aria-label': 'History' }, h('h2', { class: 'list-title' }, 'Warnings'),
    ...(warnings.length ? warnings.map((w: AccountWarning) => h('p', { class: 'log-row' }, h('strong', {}, w.action), ` · ${timeAgo(w.created_at)} · `, w.text || '(no message)'))
      : [h('p', { class: 'feed-status' }, 'No warnings.')]),
    h('h2', { class: 'list-title' }, 'Open reports'),
    ...(reports.length ? reports.map((r) => h('p', { class: 'log-row' }, h('a', { href: `/moderation/reports/${r.id}` }, `Report #${r.id}`), ` · ${r.category} · by @${r.account.username}`))
      : [h('p', { class: 'feed-status' }, 'None.')]));
  const log = can('viewAuditLog')
    ? pagedList<ActionLog>({ url: `/api/v1/admin/action_logs?target_account_id=${id}`, render: logRow, empty: 'No moderation actions yet.', label: 'Moderation history' }).container
    : null;
  setView(accountLabel(account), heading(accountLabel(account)),
    h('section', { class: 'settings-form' }, h('div', { class: 'mod-head' }, avatar(account.account, 48), accountStateBadges(account)), facts, undoButtons(account, reload)),
    ...(account.suspended ? [] : [actionForm(account, null, reload)]),
    history, ...(log ? [h('section', { 'aria-label': 'Moderation history' }, h('h2', { class: 'list-title' }, 'Moderation history'), log)] : []));
}
