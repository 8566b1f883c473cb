import { post } from '../api.js';
import { heading, setView } from '../frame.js';
import { pagedList } from '../paged-list.js';
import { toast } from '../toast.js';
import type { Account } from '../types.js';
import { accountRow, append, displayName, h } from '../ui.js';

/** Accept / reject buttons for a follow request; they answer in place. */
export function followRequestButtons(account: Account): HTMLElement {
  const box = h('div', { class: 'request-actions', role: 'group', 'aria-label': `Follow request from ${displayName(account)}` });
  const decide = (verb: 'authorize' | 'reject', done: string) => async () => {
    for (const b of box.querySelectorAll('button')) b.disabled = true;
    try {
      await post(`/api/v1/follow_requests/${account.id}/${verb}`);
      box.replaceChildren(h('span', { class: 'pill' }, done));
    } catch (err) {
      toast((err as Error).message);
      for (const b of box.querySelectorAll('button')) b.disabled = false;
    }
  };
  append(box,
    h('button', { type: 'button', class: 'primary', onclick: decide('authorize', 'Accepted') }, 'Accept'),
    h('button', { type: 'button', onclick: decide('reject', 'Rejected') }, 'Reject'));
  return box;
}

export function followRequestsView(): void {
  const list = pagedList<Account>({
    url: '/api/v1/follow_requests', render: (a) => accountRow(a, followRequestButtons(a)), empty: 'Nobody is waiting for your approval.', label: 'Follow requests',
  });
  setView('Follow requests', heading('Follow requests'), list.container);
}
