// A private note on someone's profile: seen by its writer only (Mastodon's Relationship.note).
import { post } from '../api.js';
import type { Account, Relationship } from '../types.js';
import { h } from '../ui.js';

export function profileNote(account: Account, rel: Relationship | undefined): HTMLElement {
  const text = h('textarea', { id: 'profile-note', name: 'comment', rows: 2, maxlength: 2000, placeholder: 'Only you can see this note' });
  text.value = rel?.note ?? '';
  const saved = h('span', { role: 'status', class: 'usage' });
  const form = h('form', { class: 'profile-note' }, h('label', { for: 'profile-note' }, 'Private note'), text,
    h('button', { type: 'submit' }, 'Save note'), saved);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const r = await post<Relationship>(`/api/v1/accounts/${account.id}/note`, { comment: text.value });
      text.value = r.note ?? '';
      saved.textContent = 'Saved.';
    } catch (err) { saved.textContent = (err as Error).message; }
  });
  return form;
}
