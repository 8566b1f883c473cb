// Settings, for staff whose role may invite: invite links (a Firebreak addition, /api/v1/invites)
// that let their holder sign up whatever the registration mode, until they expire or are used up.
import { page, post, request } from '../api.js';
import type { Account } from '../types.js';
import { append, field, h } from '../ui.js';

interface Invite { id: string; code: string; url: string; uses: number; max_uses: number | null; expires_at: string | null; expired: boolean; comment: string }

function inviteRow(i: Invite, onChange: () => void): HTMLElement {
  const row = h('li', { class: 'invite', 'data-code': i.code },
    h('code', {}, i.url), ' ',
    h('span', { class: 'meta' }, `${i.uses}${i.max_uses ? ` of ${i.max_uses}` : ''} used${i.expires_at ? ` · ${i.expired ? 'expired' : `until ${new Date(i.expires_at).toLocaleString()}`}` : ''}${i.expired && !i.expires_at ? ' · used up' : ''}`));
  if (!i.expired) {
    const expire = h('button', { type: 'button' }, 'Expire');
    expire.addEventListener('click', async () => { await request('DELETE', `/api/v1/invites/${i.id}`); onChange(); });
    append(row, ' ', expire);
  }
  return row;
}

export function invitesSection(_me: Account): HTMLElement {
  const section = h('section', { class: 'settings-form', 'aria-labelledby': 'inv-h' });
  const list = h('ul', { class: 'invites', 'aria-label': 'Your invite links' });
  const status = h('p', { role: 'status' });
  const uses = h('select', { id: 'inv-uses', name: 'max_uses' }, ...[['1', 'Once'], ['5', '5 times'], ['25', '25 times'], ['', 'No limit']].map(([v, l]) => h('option', { value: v! }, l!)));
  const expires = h('select', { id: 'inv-expires', name: 'expires_in' }, ...[['86400', 'In a day'], ['604800', 'In a week'], ['', 'Never']].map(([v, l]) => h('option', { value: v! }, l!)));
  const load = async () => { list.replaceChildren(...(await page<Invite>('/api/v1/invites')).items.map((i) => inviteRow(i, () => void load()))); };
  const form = h('form', { class: 'inline-form' }, field('inv-uses', 'Can be used', uses), field('inv-expires', 'Expires', expires), h('button', { type: 'submit', class: 'primary' }, 'Make an invite link'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const invite = await post<Invite>('/api/v1/invites', { max_uses: uses.value || null, expires_in: expires.value || null });
      status.textContent = `New invite link: ${invite.url}`;
      await load();
    } catch (err) { status.textContent = (err as Error).message; }
  });
  append(section, h('h2', { id: 'inv-h' }, 'Invite links'), h('p', {}, 'Whoever has the link can sign up, even while sign-ups are closed or need approval.'), form, status, list);
  void load().catch((err) => { status.textContent = (err as Error).message; });
  return section;
}
