// One report, for a moderator: who reported whom and why, the posts it cites (shown to the moderator
// whatever their visibility), and what to do: assign it, act on the account, resolve or reopen it.
import { get, post } from '../api.js';
import { heading, setView } from '../frame.js';
import { actions } from '../status-actions.js';
import { toast } from '../toast.js';
import type { AdminReport } from '../types.js';
import { h, renderStatus, timeAgo } from '../ui.js';
import { accountLabel, accountStateBadges } from './moderation.js';
import { actionForm } from './moderation-actions.js';

export async function moderationReportView(id: string): Promise<void> {
  const report = await get<AdminReport>(`/api/v1/admin/reports/${id}`);
  const reload = () => void moderationReportView(id);
  const change = (verb: string, label: string) => {
    const b = h('button', { type: 'button' }, label);
    b.addEventListener('click', async () => {
      b.disabled = true;
      try { await post(`/api/v1/admin/reports/${id}/${verb}`); reload(); } catch (err) { toast((err as Error).message); b.disabled = false; }
    });
    return b;
  };
  const target = report.target_account;
  const facts = h('dl', { class: 'facts' },
    h('dt', {}, 'Reported'), h('dd', {}, h('a', { href: `/moderation/accounts/${target.id}` }, accountLabel(target)), ' ', accountStateBadges(target)),
    h('dt', {}, 'By'), h('dd', {}, h('a', { href: `/moderation/accounts/${report.account.id}` }, accountLabel(report.account)), ` · ${timeAgo(report.created_at)}`),
    h('dt', {}, 'Category'), h('dd', {}, report.category),
    ...(report.rules.length ? [h('dt', {}, 'Rules'), h('dd', {}, report.rules.map((r) => r.text).join('; '))] : []),
    h('dt', {}, 'Comment'), h('dd', {}, report.comment || '(none)'),
    h('dt', {}, 'Assigned to'), h('dd', {}, report.assigned_account ? `@${report.assigned_account.username}` : 'nobody'),
    h('dt', {}, 'Status'), h('dd', {}, report.action_taken ? `Resolved${report.action_taken_by_account ? ` by @${report.action_taken_by_account.username}` : ''}` : 'Open'));
  const buttons = h('div', { class: 'session-actions', role: 'group', 'aria-label': 'Report' },
    report.assigned_account ? change('unassign', 'Unassign') : change('assign_to_self', 'Assign to me'),
    report.action_taken ? change('reopen', 'Reopen') : change('resolve', 'Resolve without action'));
  const posts = report.statuses.length
    ? h('section', { 'aria-label': 'Reported posts' }, h('h2', { class: 'list-title' }, 'Reported posts'), ...report.statuses.map((s) => renderStatus(s, actions)))
    : h('p', { class: 'feed-status' }, 'No posts attached.');
  setView(`Report #${id}`, heading(`Report #${id}`, h('a', { class: 'button', href: '/moderation' }, 'Back to the queue')),
    h('section', { class: 'settings-form' }, facts, buttons), posts,
    report.action_taken ? h('p', { class: 'feed-status' }, 'Reopen the report to act on it.') : actionForm(target, id, reload));
}
