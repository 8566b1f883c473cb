// The moderation area (staff only): the report queue, accounts (those waiting for approval, or found
// by name), and the audit log. Each item opens its own page (moderation-report.ts, moderation-account.ts).
import { get, request, withQuery } from '../api.js';
import { heading, setView } from '../frame.js';
import { navigate } from '../navigation.js';
import { pagedList } from '../paged-list.js';
import { can } from '../permissions.js';
import type { ActionLog, AdminAccount, AdminReport } from '../types.js';
import { avatar, displayName, field, h, timeAgo } from '../ui.js';

const CATEGORY: Record<string, string> = { spam: 'Spam', legal: 'Illegal content', violation: 'Rule violation', other: 'Other' };

export type ModerationTab = 'reports' | 'resolved' | 'accounts' | 'log';

function tabs(current: ModerationTab): HTMLElement {
  const all: Array<[ModerationTab, string, string, boolean]> = [
    ['reports', '/moderation', 'Open reports', can('manageReports')],
    ['resolved', '/moderation?resolved=1', 'Resolved', can('manageReports')],
    ['accounts', '/moderation/accounts', 'Accounts', can('manageUsers')],
    ['log', '/moderation/log', 'Audit log', can('viewAuditLog')],
  ];
  return h('nav', { class: 'tabs', 'aria-label': 'Moderation' },
    ...all.filter(([, , , shown]) => shown).map(([tab, href, label]) => h('a', { href, 'aria-current': tab === current ? 'page' : null }, label)));
}

export const accountLabel = (a: AdminAccount) => `${displayName(a.account)} (@${a.username})`;

function reportRow(r: AdminReport): HTMLElement {
  return h('a', { class: 'mod-row', href: `/moderation/reports/${r.id}`, 'data-id': r.id },
    avatar(r.target_account.account, 40),
    h('span', { class: 'main' },
      h('strong', {}, accountLabel(r.target_account)),
      h('span', { class: 'meta' }, `${CATEGORY[r.category] ?? r.category} · reported by @${r.account.username} · ${timeAgo(r.created_at)}`
        + `${r.statuses.length ? ` · ${r.statuses.length} post${r.statuses.length === 1 ? '' : 's'}` : ''}`
        + `${r.assigned_account ? ` · assigned to @${r.assigned_account.username}` : ''}`),
      r.comment ? h('span', { class: 'comment' }, r.comment) : null));
}

export function accountStateBadges(a: AdminAccount): HTMLElement {
  const states: Array<[boolean, string]> = [[!a.approved, 'Waiting for approval'], [a.suspended, 'Suspended'], [a.silenced, 'Limited'],
    [a.disabled, 'Login disabled'], [a.sensitized, 'Marked sensitive'], [a.role.id !== '-99', a.role.name]];
  return h('span', { class: 'badges' }, ...states.filter(([on]) => on).map(([, label]) => h('span', { class: 'state-badge' }, label)));
}

function accountRow(a: AdminAccount): HTMLElement {
  return h('a', { class: 'mod-row', href: `/moderation/accounts/${a.id}`, 'data-id': a.id },
    avatar(a.account, 40),
    h('span', { class: 'main' }, h('strong', {}, accountLabel(a)), h('span', { class: 'meta' }, `${a.email} · joined ${timeAgo(a.created_at)}`),
      a.invite_request ? h('span', { class: 'comment' }, `“${a.invite_request}”`) : null, accountStateBadges(a)));
}

export function logRow(l: ActionLog): HTMLElement {
  const target = l.target_type === 'Account' && l.target_id ? h('a', { href: `/moderation/accounts/${l.target_id}` }, l.summary)
    : l.target_type === 'Report' && l.target_id ? h('a', { href: `/moderation/reports/${l.target_id}` }, l.summary) : h('span', {}, l.summary);
  return h('p', { class: 'log-row', 'data-id': l.id },
    h('span', {}, l.account ? `@${l.account.username}` : 'The command line'), ` ${l.action.replace(/_/g, ' ')} `, target,
    h('time', { datetime: l.created_at, title: new Date(l.created_at).toLocaleString() }, ` · ${timeAgo(l.created_at)}`));
}

interface Registrations { mode: string; reason_required: boolean; message: string | null }

/** For admins (Manage Settings): who may sign up (PUT /api/v1/admin/registrations). */
function registrationsForm(): HTMLElement {
  const section = h('section', { class: 'settings-form', 'aria-labelledby': 'reg-h' }, h('h2', { id: 'reg-h' }, 'Sign-ups'));
  const status = h('p', { role: 'status' });
  void get<Registrations>('/api/v1/admin/registrations').then((r) => {
    const mode = h('select', { id: 'reg-mode', name: 'mode' },
      ...[['open', 'Open: anyone can sign up'], ['approval', 'Approval: a moderator approves each account'], ['closed', 'Closed: invite links only']]
        .map(([v, l]) => h('option', { value: v!, selected: r.mode === v }, l!)));
    const reason = h('input', { type: 'checkbox', id: 'reg-reason', name: 'reason_required', checked: r.reason_required });
    const message = h('input', { id: 'reg-message', name: 'message', maxlength: 1000, value: r.message ?? '' });
    const form = h('form', { class: 'inline-form' }, field('reg-mode', 'Who can sign up', mode),
      h('div', { class: 'field check' }, reason, h('label', { for: 'reg-reason' }, 'Ask why they want to join (approval only)')),
      field('reg-message', 'Message on the sign-up page', message), h('button', { type: 'submit', class: 'primary' }, 'Save'), status);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        await request('PUT', '/api/v1/admin/registrations', { mode: mode.value, reason_required: reason.checked, message: message.value });
        status.textContent = 'Saved.';
      } catch (err) { status.textContent = (err as Error).message; }
    });
    section.append(form);
  }).catch((err) => { status.textContent = (err as Error).message; section.append(status); });
  return section;
}

export function moderationView(tab: ModerationTab, query: URLSearchParams): void {
  if (tab === 'accounts') {
    const search = h('input', { name: 'username', type: 'search', value: query.get('username') ?? '', placeholder: 'Username starts with…' });
    const form = h('form', { class: 'search-form', role: 'search' }, h('label', { for: 'mod-search', class: 'visually-hidden' }, 'Find an account'), search, h('button', { type: 'submit' }, 'Find'));
    search.id = 'mod-search';
    form.addEventListener('submit', (e) => { e.preventDefault(); navigate(withQuery('/moderation/accounts', { username: search.value.trim() })); });
    const username = query.get('username');
    const list = pagedList<AdminAccount>({
      url: withQuery('/api/v2/admin/accounts', username ? { username } : { status: 'pending' }), render: accountRow, label: 'Accounts',
      empty: username ? 'No account has a name like that.' : 'Nobody is waiting for approval.',
    });
    setView('Moderation', heading('Moderation'), tabs(tab), ...(can('manageSettings') ? [registrationsForm()] : []),
      form, h('h2', { class: 'list-title' }, username ? `Accounts named ${username}…` : 'Waiting for approval'), list.container);
    return;
  }
  if (tab === 'log') {
    const list = pagedList<ActionLog>({ url: '/api/v1/admin/action_logs', render: logRow, empty: 'Nothing has been done yet.', label: 'Audit log' });
    setView('Audit log', heading('Moderation'), tabs(tab), list.container);
    return;
  }
  const resolved = tab === 'resolved';
  const list = pagedList<AdminReport>({
    url: withQuery('/api/v1/admin/reports', { resolved: resolved ? 'true' : null }), render: reportRow, label: resolved ? 'Resolved reports' : 'Open reports',
    empty: resolved ? 'No resolved reports.' : 'No open reports. All clear.',
  });
  setView('Moderation', heading('Moderation'), tabs(tab), list.container);
}
