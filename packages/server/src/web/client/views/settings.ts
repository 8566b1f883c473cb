import { post, request } from '../api.js';
import { heading, setView } from '../frame.js';
import { state } from '../state.js';
import type { Account } from '../types.js';
import { field, h, plainText } from '../ui.js';
import { can, isStaff } from '../permissions.js';


export function settingsView(): void {
  const account = state.me!;
  const name = h('input', { name: 'display_name', maxlength: 30, value: account.display_name });
  const note = h('textarea', { name: 'note', rows: 4, maxlength: 500 });
  note.value = account.source?.note ?? plainText(account.note);
  const profileStatus = h('p', { role: 'status' });
  const locked = h('input', { type: 'checkbox', id: 'set-locked', name: 'locked', checked: account.locked });
  const profileForm = h('form', { class: 'settings-form', 'aria-labelledby': 'profile-h' },
    h('h2', { id: 'profile-h' }, 'Profile'), field('set-name', 'Display name', name), field('set-note', 'Bio', note),
    h('div', { class: 'field check' }, locked, h('label', { for: 'set-locked' }, 'Approve new followers (followers-only posts stay with the people you accept)')),
    h('button', { type: 'submit', class: 'primary' }, 'Save profile'), profileStatus);
  profileForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      state.me = (await request<Account>('PATCH', '/api/v1/accounts/update_credentials', { display_name: name.value, note: note.value, locked: locked.checked })).data;
      profileStatus.textContent = 'Profile saved.';
    } catch (err) { profileStatus.textContent = (err as Error).message; }
  });
  const current = h('input', { type: 'password', name: 'current_password', autocomplete: 'current-password', required: true });
  const next = h('input', { type: 'password', name: 'new_password', autocomplete: 'new-password', minlength: 8, required: true });
  const passwordStatus = h('p', { role: 'status' });
  const passwordForm = h('form', { class: 'settings-form', 'aria-labelledby': 'password-h' },
    h('h2', { id: 'password-h' }, 'Password'), field('set-current', 'Current password', current), field('set-new', 'New password', next),
    h('button', { type: 'submit', class: 'primary' }, 'Change password'), passwordStatus);
  passwordForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await post('/api/v1/accounts/change_password', { current_password: current.value, new_password: next.value });
      current.value = next.value = '';
      passwordStatus.textContent = 'Password changed. Every other session and app was signed out.';
    } catch (err) { passwordStatus.textContent = (err as Error).message; }
  });
  const signOut = h('button', { type: 'button', class: 'danger' }, 'Sign out');
  signOut.addEventListener('click', async () => {
    await post('/auth/sign_out');
    location.assign('/');
  });
  // For someone who fears another device or app has their account: every other session and app
  // token stops working, and their open streams close (changing the password does this too).
  const elsewhereStatus = h('p', { role: 'status' });
  const elsewhere = h('button', { type: 'button' }, 'Sign out everywhere else');
  elsewhere.addEventListener('click', async () => {
    try {
      const { signed_out: n } = await post<{ signed_out: number }>('/auth/sign_out_everywhere');
      elsewhereStatus.textContent = n === 1 ? 'Signed out of 1 other session or app.' : `Signed out of ${n} other sessions and apps.`;
    } catch (err) { elsewhereStatus.textContent = (err as Error).message; }
  });
  // Security, notifications and invites load with the settings page, not with every page.
  const more = h('div', { class: 'settings-more' });
  // Phones have no room for the link in the navigation: staff find the moderation area here too.
  const staffLink = isStaff() ? h('a', { class: 'button', href: '/moderation' }, 'Moderation') : null;
  setView('Settings', heading('Settings', ...(staffLink ? [staffLink] : [])), profileForm, passwordForm, more,
    h('section', { class: 'settings-form' }, h('h2', {}, 'Session'), h('div', { class: 'session-actions' }, elsewhere, signOut), elsewhereStatus));
  void Promise.all([import('./settings-security.js'), can('inviteUsers') ? import('./settings-invites.js') : null]).then(([security, invites]) => {
    more.replaceWith(security.twoFactorSection(), security.pushSection(), ...(invites ? [invites.invitesSection(account)] : []));
  });
}
