import { get, withQuery } from '../api.js';
import { heading, setView } from '../frame.js';
import { navigate } from '../navigation.js';
import { actions } from '../status-actions.js';
import type { Account, Status, Tag } from '../types.js';
import { accountRow, append, h, renderStatus, tagRow } from '../ui.js';

export async function searchView(): Promise<void> {
  const q = new URLSearchParams(location.search).get('q') ?? '';
  const input = h('input', { type: 'search', id: 'search-q', name: 'q', value: q, placeholder: 'Search people, #hashtags and posts', autocomplete: 'off' });
  const form = h('form', { role: 'search', class: 'search-form', action: '/search' },
    h('label', { for: 'search-q', class: 'visually-hidden' }, 'Search'), input, h('button', { type: 'submit', class: 'primary' }, 'Search'));
  form.addEventListener('submit', (e) => { e.preventDefault(); navigate(withQuery('/search', { q: input.value.trim() })); });
  const results = h('div', { class: 'results', 'aria-live': 'polite' });
  setView('Search', heading('Search'), form, results);
  if (!q) { input.focus(); return; }
  const found = await get<{ accounts: Account[]; statuses: Status[]; hashtags: Tag[] }>(withQuery('/api/v2/search', { q, limit: 20 }));
  const section = (title: string, nodes: Node[]) => h('section', { 'aria-label': title }, h('h2', {}, title), ...(nodes.length ? nodes : [h('p', { class: 'feed-status' }, 'No results.')]));
  append(results,
    section('People', found.accounts.map((a) => accountRow(a))),
    section('Hashtags', found.hashtags.map(tagRow)),
    section('Posts', found.statuses.map((s) => renderStatus(s, actions))));
}
