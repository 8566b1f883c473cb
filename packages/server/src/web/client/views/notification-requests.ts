// Filtered notifications: the notification policy (who is let through, filtered or ignored) and the
// requests holding what it filtered, each accepted (merged into the notifications, and the sender
// let through from then on) or dismissed.
import { get, post, request } from '../api.js';
import { heading, setView } from '../frame.js';
import { pagedList } from '../paged-list.js';
import { toast } from '../toast.js';
import type { Account, Status } from '../types.js';
import { accountRow, append, field, h, plainText, statusPath } from '../ui.js';

interface NotificationRequest { id: string; account: Account; notifications_count: string; last_status: Status | null }
type Policy = Record<string, string>;

const POLICY_LABELS: Array<[string, string]> = [
  ['for_not_following', 'People you don\'t follow'],
  ['for_not_followers', 'People who don\'t follow you'],
  ['for_new_accounts', 'New accounts (under 30 days)'],
  ['for_private_mentions', 'Unsolicited private mentions'],
  ['for_limited_accounts', 'Accounts limited by moderators'],
];

function requestItem(r: NotificationRequest): HTMLElement {
  const box = h('div', { class: 'request-actions', role: 'group', 'aria-label': `Notifications from ${r.account.acct}` });
  const decide = (verb: 'accept' | 'dismiss', done: string) => async () => {
    for (const b of box.querySelectorAll('button')) b.disabled = true;
    try {
      await post(`/api/v1/notifications/requests/${r.id}/${verb}`);
      box.replaceChildren(h('span', { class: 'pill' }, done));
    } catch (err) {
      toast((err as Error).message);
      for (const b of box.querySelectorAll('button')) b.disabled = false;
    }
  };
  append(box,
    h('button', { type: 'button', class: 'primary', onclick: decide('accept', 'Accepted') }, 'Accept'),
    h('button', { type: 'button', onclick: decide('dismiss', 'Dismissed') }, 'Dismiss'));
  const count = Number(r.notifications_count);
  const summary = h('p', { class: 'usage' }, `${count} notification${count === 1 ? '' : 's'}`);
  if (r.last_status) append(summary, ' · ', h('a', { href: statusPath(r.last_status) }, plainText(r.last_status.content).slice(0, 100)));
  return h('article', { class: 'notification-request', 'data-id': r.id }, accountRow(r.account, box), summary);
}

export async function notificationRequestsView(): Promise<void> {
  const policy = await get<Policy>('/api/v2/notifications/policy');
  const selects = POLICY_LABELS.map(([name, label]) => {
    const select = h('select', { name },
      ...[['accept', 'Accept'], ['filter', 'Filter'], ['drop', 'Ignore']].map(([v, text]) => h('option', { value: v!, selected: policy[name] === v }, text!)));
    return field(`policy-${name}`, label, select);
  });
  const saved = h('p', { role: 'status' });
  const form = h('form', { class: 'settings-form', 'aria-labelledby': 'policy-h' },
    h('h2', { id: 'policy-h' }, 'Notifications from…'), ...selects, h('button', { type: 'submit', class: 'primary' }, 'Save'), saved);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = Object.fromEntries(POLICY_LABELS.map(([name]) => [name, (form.elements.namedItem(name) as HTMLSelectElement).value]));
    try {
      await request('PATCH', '/api/v2/notifications/policy', body);
      saved.textContent = 'Saved.';
    } catch (err) { saved.textContent = (err as Error).message; }
  });
  const list = pagedList<NotificationRequest>({ url: '/api/v1/notifications/requests', render: requestItem, empty: 'Nothing filtered.', label: 'Filtered notifications' });
  setView('Filtered notifications', heading('Filtered notifications'), list.container, form);
}
