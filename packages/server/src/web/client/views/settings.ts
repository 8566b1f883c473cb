import { post, request } from '../api.js';
import { choose } from '../ask.js';
import { clearDrafts, draftCount, loadDraft, saveDraft } from '../drafts.js';
import { heading, setView } from '../frame.js';
import { forgetSavedReads } from '../offline.js';
import { discardWrite, pendingWrites } from '../outbox.js';
import { state } from '../state.js';
import type { Account } from '../types.js';
import { field, h, plainText } from '../ui.js';
import { can, isStaff } from '../permissions.js';
import { profileImagesForm } from './profile-images.js';

interface ProfileDraft { display_name: string; note: string; locked: boolean }
const PROFILE_DRAFT = 'settings:profile';

export function settingsView(): void {
  const account = state.me!;
  const saved: ProfileDraft = { display_name: account.display_name, note: account.source?.note ?? plainText(account.note), locked: account.locked };
  const draft = loadDraft<ProfileDraft>(PROFILE_DRAFT);
  const name = h('input', { name: 'display_name', maxlength: 30 });
  const note = h('textarea', { name: 'note', rows: 4, maxlength: 500 });
  const locked = h('input', { type: 'checkbox', id: 'set-locked', name: 'locked' });
  const show = (p: ProfileDraft) => { name.value = p.display_name; note.value = p.note; locked.checked = p.locked; };
  show(draft ?? saved);
  const profileStatus = h('p', { role: 'status' });
  // Changes not saved yet are kept (drafts.ts) until saved or discarded, across pages and reloads.
  const discard = h('button', { type: 'button', hidden: !draft }, 'Discard changes');
  const unsaved = h('p', { class: 'unsaved', hidden: !draft }, 'You have unsaved changes.');
  const typed = (): ProfileDraft => ({ display_name: name.value, note: note.value, locked: locked.checked });
  const keep = () => {
    const dirty = JSON.stringify(typed()) !== JSON.stringify(saved);
    saveDraft(PROFILE_DRAFT, dirty ? typed() : null);
    discard.hidden = unsaved.hidden = !dirty;
  };
  for (const control of [name, note, locked]) control.addEventListener('input', keep);
  discard.addEventListener('click', async () => {
    if (await choose('Discard draft?', 'Your profile stays as it was saved.', [{ value: 'keep', label: 'Keep editing' }, { value: 'discard', label: 'Discard', danger: true }]) !== 'discard') return;
    show(saved);
    keep();
  });
  const profileForm = h('form', { class: 'settings-form', 'aria-labelledby': 'profile-h' },
    h('h2', { id: 'profile-h' }, 'Profile'), unsaved, field('set-name', 'Display name', name), field('set-note', 'Bio', note),
    h('div', { class: 'field check' }, locked, h('label', { for: 'set-locked' }, 'Approve new followers (followers-only posts stay with the people you accept)')),
    h('div', { class: 'session-actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save profile'), discard), profileStatus);
  profileForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      state.me = (await request<Account>('PATCH', '/api/v1/accounts/update_credentials', { display_name: name.value, note: note.value, locked: locked.checked })).data;
      Object.assign(saved, typed());
      keep();
      profileStatus.textContent = 'Profile saved.';
    } catch (err) { profileStatus.textContent = `Not saved (your changes are kept here): ${(err as Error).message}`; }
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
    // Unsent writes and drafts stay with this account on this device unless the person says otherwise.
    const unsent = pendingWrites().length;
    const drafts = draftCount();
    if (unsent || drafts) {
      const what = [unsent ? `${unsent} unsent change${unsent === 1 ? '' : 's'}` : '', drafts ? `${drafts} draft${drafts === 1 ? '' : 's'}` : ''].filter(Boolean).join(' and ');
      const answer = await choose(`You have ${what}.`, 'Kept, they are sent (or shown) the next time you sign in on this device.', [
        { value: 'cancel', label: 'Stay signed in' }, { value: 'keep', label: 'Sign out, keep them' }, { value: 'discard', label: 'Sign out, discard them', danger: true }]);
      if (answer !== 'keep' && answer !== 'discard') return;
      if (answer === 'discard') { clearDrafts(); for (const w of pendingWrites()) await discardWrite(w.key); }
    }
    await post('/auth/sign_out');
    await forgetSavedReads();
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
  // On phones the navigation has no room for these: they are one tap away here.
  const reading = h('nav', { class: 'settings-form link-list', 'aria-labelledby': 'reading-h' }, h('h2', { id: 'reading-h' }, 'What you read'),
    ...[['/lists', 'Lists'], ['/filters', 'Filters'], ['/followed_tags', 'Followed hashtags'], ['/notifications/requests', 'Filtered notifications'], ['/about', 'About this server']]
      .map(([href, label]) => h('a', { href: href! }, label!)));
  // Security, notifications and invites load with the settings page, not with every page.
  const more = h('div', { class: 'settings-more' });
  // Phones have no room for the link in the navigation: staff find the moderation area here too.
  const staffLink = isStaff() ? h('a', { class: 'button', href: '/moderation' }, 'Moderation') : null;
  setView('Settings', heading('Settings', ...(staffLink ? [staffLink] : [])), reading, profileForm, profileImagesForm(), passwordForm, more,
    h('section', { class: 'settings-form' }, h('h2', {}, 'Session'), h('div', { class: 'session-actions' }, elsewhere, signOut), elsewhereStatus));
  void Promise.all([import('./settings-security.js'), can('inviteUsers') ? import('./settings-invites.js') : null]).then(([security, invites]) => {
    more.replaceWith(security.twoFactorSection(), security.pushSection(), ...(invites ? [invites.invitesSection(account)] : []));
  });
}
