// Who liked or reposted a post: /@acct/:id/favourites and /@acct/:id/reblogs.
import { heading, setView } from '../frame.js';
import { pagedList } from '../paged-list.js';
import type { Account } from '../types.js';
import { accountRow } from '../ui.js';

export function statusAccountsView(id: string, kind: 'favourites' | 'reblogs'): void {
  const title = kind === 'favourites' ? 'Liked by' : 'Reposted by';
  const list = pagedList<Account>({
    url: `/api/v1/statuses/${id}/${kind === 'favourites' ? 'favourited_by' : 'reblogged_by'}`, render: (a) => accountRow(a),
    empty: kind === 'favourites' ? 'No likes yet.' : 'No reposts yet.', label: title,
  });
  setView(title, heading(title), list.container);
}
