// Lists: one's lists, a form to make one, and each list's page (its timeline, live, with its
// settings and members: the people one follows can be added).
import { get, post, request, withQuery } from '../api.js';
import { heading, setView } from '../frame.js';
import { navigate } from '../navigation.js';
import { pagedList } from '../paged-list.js';
import { state } from '../state.js';
import { timeline } from '../timeline.js';
import { toast } from '../toast.js';
import type { Account } from '../types.js';
import { accountRow, field, h } from '../ui.js';

export interface List { id: string; title: string; replies_policy: 'followed' | 'list' | 'none'; exclusive: boolean }

const REPLIES: Array<[List['replies_policy'], string]> = [['list', 'Replies to list members'], ['followed', 'Replies to anyone you follow'], ['none', 'No replies']];

/** Title, replies policy and exclusivity: the fields of a list, for making one or changing it. */
function listFields(prefix: string, list?: List): { fields: HTMLElement[]; values(): Record<string, unknown> } {
  const title = h('input', { name: 'title', maxlength: 30, required: true, value: list?.title ?? '' });
  const replies = h('select', { name: 'replies_policy' }, ...REPLIES.map(([v, label]) => h('option', { value: v, selected: (list?.replies_policy ?? 'list') === v }, label)));
  const exclusive = h('input', { type: 'checkbox', id: `${prefix}-exclusive`, name: 'exclusive', checked: list?.exclusive ?? false });
  return {
    fields: [field(`${prefix}-title`, 'Title', title), field(`${prefix}-replies`, 'Show replies', replies),
      h('div', { class: 'field check' }, exclusive, h('label', { for: `${prefix}-exclusive` }, 'Hide these people\'s posts from Home'))],
    values: () => ({ title: title.value, replies_policy: replies.value, exclusive: exclusive.checked }),
  };
}

export async function listsView(): Promise<void> {
  const lists = await get<List[]>('/api/v1/lists');
  const { fields, values } = listFields('new-list');
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'settings-form', 'aria-labelledby': 'new-list-h' }, h('h2', { id: 'new-list-h' }, 'New list'), ...fields,
    h('button', { type: 'submit', class: 'primary' }, 'Create list'), error);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const created = await post<List>('/api/v1/lists', values());
      navigate(`/lists/${created.id}`);
    } catch (err) { error.textContent = (err as Error).message; }
  });
  const items = lists.length
    ? h('ul', { class: 'link-list' }, ...lists.map((l) => h('li', {}, h('a', { href: `/lists/${l.id}` }, l.title), l.exclusive ? h('span', { class: 'pill' }, 'Exclusive') : null)))
    : h('p', { class: 'feed-status' }, 'No lists yet.');
  setView('Lists', heading('Lists'), items, form);
}

/** A member row with a button that removes them (or adds them back). */
function memberButton(list: List, account: Account, member: boolean): HTMLButtonElement {
  let inList = member;
  const b = h('button', { type: 'button' });
  const show = () => { b.textContent = inList ? 'Remove' : 'Add'; b.className = inList ? '' : 'primary'; };
  b.addEventListener('click', async () => {
    b.disabled = true;
    try {
      if (inList) await request('DELETE', `/api/v1/lists/${list.id}/accounts`, { account_ids: [account.id] });
      else await post(`/api/v1/lists/${list.id}/accounts`, { account_ids: [account.id] });
      inList = !inList;
      show();
    } catch (err) { toast((err as Error).message); } finally { b.disabled = false; }
  });
  show();
  return b;
}

export async function listView(id: string): Promise<void> {
  const list = await get<List>(`/api/v1/lists/${id}`);
  const members = await get<Account[]>(withQuery(`/api/v1/lists/${id}/accounts`, { limit: 0 }));
  const memberIds = new Set(members.map((m) => m.id));
  const { fields, values } = listFields('list');
  const saved = h('p', { role: 'status' });
  const settings = h('form', { class: 'settings-form', 'aria-label': 'List settings' }, ...fields,
    h('div', { class: 'session-actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save'), h('button', { type: 'button', class: 'danger', onclick: async () => {
      if (!confirm(`Delete the list "${list.title}"?`)) return;
      await request('DELETE', `/api/v1/lists/${id}`);
      navigate('/lists');
    } }, 'Delete list')), saved);
  (settings.elements.namedItem('title') as HTMLInputElement).value = list.title;
  (settings.elements.namedItem('replies_policy') as HTMLSelectElement).value = list.replies_policy;
  (settings.elements.namedItem('exclusive') as HTMLInputElement).checked = list.exclusive;
  settings.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const updated = (await request<List>('PUT', `/api/v1/lists/${id}`, values())).data;
      saved.textContent = 'Saved.';
      document.querySelector('main h1')!.textContent = updated.title;
    } catch (err) { saved.textContent = (err as Error).message; }
  });
  // Everyone one follows, each with Add or Remove.
  const people = pagedList<Account>({
    url: `/api/v1/accounts/${state.me!.id}/following`, label: 'People you follow',
    render: (a) => accountRow(a, memberButton(list, a, memberIds.has(a.id))), empty: 'Follow people to add them to lists.',
  });
  const manage = h('details', { class: 'manage' }, h('summary', {}, `Manage list (${members.length} member${members.length === 1 ? '' : 's'})`),
    settings, h('h2', {}, 'Members'), people.container);
  setView(list.title, heading(list.title), manage,
    timeline({ url: `/api/v1/timelines/list/${id}`, stream: { name: 'list', tag: id }, empty: 'Nothing here yet: add people, or wait for them to post.', holdNew: true }));
}
