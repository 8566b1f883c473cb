// What a moderator does to an account, from its page or a report about it: an action (a warning,
// marking its posts sensitive, limiting, disabling its login, suspending), with a message the account
// is shown, and the undoing of each. Every button answers in place; the server logs each action.
import { post, request } from '../api.js';
import { can } from '../permissions.js';
import { toast } from '../toast.js';
import type { AdminAccount } from '../types.js';
import { field, h } from '../ui.js';

const ACTIONS: Array<[string, string]> = [
  ['none', 'Warn only'], ['sensitive', 'Mark their posts sensitive'], ['silence', 'Limit (hide from non-followers and public timelines)'],
  ['disable', 'Disable their login'], ['suspend', 'Suspend (their posts vanish; they cannot sign in)'],
];

/** The action form; `reportId` links the action to the report it answers (and resolves it). */
export function actionForm(account: AdminAccount, reportId: string | null, onDone: () => void): HTMLFormElement {
  const type = h('select', { name: 'type' }, ...ACTIONS.map(([value, label]) => h('option', { value }, label)));
  const text = h('textarea', { name: 'text', rows: 3, maxlength: 5000, placeholder: 'Why: the account is shown this with the decision' });
  const tell = h('input', { type: 'checkbox', id: `tell-${account.id}`, name: 'notify', checked: true });
  const status = h('p', { role: 'status' });
  const form = h('form', { class: 'settings-form mod-action', 'aria-label': `Act on @${account.username}` },
    h('h2', {}, reportId ? 'Act on this report' : 'Take action'),
    field(`type-${account.id}`, 'Action', type), field(`text-${account.id}`, 'Message to the account', text),
    h('div', { class: 'field check' }, tell, h('label', { for: `tell-${account.id}` }, 'Show them the warning')),
    h('button', { type: 'submit', class: 'primary' }, 'Apply'), status);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (type.value === 'suspend' && !confirm(`Suspend @${account.username}? Their posts vanish for everyone and they are signed out everywhere.`)) return;
    form.setAttribute('aria-busy', 'true');
    try {
      await post(`/api/v1/admin/accounts/${account.id}/action`, { type: type.value, text: text.value, report_id: reportId, send_email_notification: tell.checked });
      toast('Done');
      onDone();
    } catch (err) {
      status.textContent = (err as Error).message;
    } finally { form.removeAttribute('aria-busy'); }
  });
  return form;
}

/** Buttons that lift what is in force, approve or reject a sign-up, delete a suspended account's data, change a role. */
export function undoButtons(account: AdminAccount, onDone: () => void): HTMLElement {
  const box = h('div', { class: 'session-actions', role: 'group', 'aria-label': 'Lift or decide' });
  const button = (label: string, run: () => Promise<unknown>, cls = '') => {
    const b = h('button', { type: 'button', class: cls }, label);
    b.addEventListener('click', async () => {
      b.disabled = true;
      try { await run(); toast('Done'); onDone(); } catch (err) { toast((err as Error).message); b.disabled = false; }
    });
    box.append(b);
  };
  const verb = (v: string) => () => post(`/api/v1/admin/accounts/${account.id}/${v}`);
  if (!account.approved) { button('Approve sign-up', verb('approve'), 'primary'); button('Reject sign-up', verb('reject'), 'danger'); }
  if (account.suspended) button('Unsuspend', verb('unsuspend'));
  if (account.silenced) button('Lift the limit', verb('unsilence'));
  if (account.disabled) button('Enable login', verb('enable'));
  if (account.sensitized) button('Stop marking sensitive', verb('unsensitive'));
  if (account.suspended && can('deleteUserData')) {
    button('Delete their data', async () => {
      if (!confirm(`Delete everything @${account.username} posted, for good?`)) throw new Error('Not deleted');
      await request('DELETE', `/api/v1/admin/accounts/${account.id}`);
    }, 'danger');
  }
  if (can('manageRoles')) {
    const role = h('select', { 'aria-label': 'Role' }, ...['user', 'moderator', 'admin'].map((r) => h('option', { value: r, selected: (account.role.name || 'user').toLowerCase() === r }, r[0]!.toUpperCase() + r.slice(1))));
    const set = h('button', { type: 'button' }, 'Set role');
    set.addEventListener('click', async () => {
      try { await post(`/api/v1/admin/accounts/${account.id}/role`, { role: role.value }); toast('Role changed'); onDone(); } catch (err) { toast((err as Error).message); }
    });
    box.append(role, set);
  }
  return box;
}
