// Signing in and signing up: plain forms posted to /auth/*, which set the session cookie. Signing in
// has a second step when the account has two-factor sign-in; signing up follows the registration mode
// (a reason when sign-ups need approval, nothing but an invite when they are closed: /invite/:code).
import { get, HttpError, post } from '../api.js';
import { heading, setView } from '../frame.js';
import { field, h } from '../ui.js';

interface Registrations { mode: 'open' | 'approval' | 'closed'; reason_required: boolean; message: string | null; invite_valid?: boolean }

function submitWith(form: HTMLFormElement, error: HTMLElement, send: () => Promise<void>): void {
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    form.setAttribute('aria-busy', 'true');
    error.textContent = '';
    try {
      await send();
    } catch (err) {
      error.textContent = err instanceof HttpError ? err.message : 'Something went wrong.';
      form.removeAttribute('aria-busy');
    }
  });
}

/** The second step: the code from the authenticator app (or a recovery code) completes the sign-in. */
function codeStep(challenge: string): void {
  const error = h('p', { class: 'error', role: 'alert' });
  const code = h('input', { name: 'code', autocomplete: 'one-time-code', inputmode: 'numeric', required: true, maxlength: 20 });
  const form = h('form', { class: 'auth-form' },
    h('p', {}, 'Enter the code from your authenticator app, or one of your recovery codes.'),
    field('code', 'Code', code), h('button', { type: 'submit', class: 'primary' }, 'Verify'), error);
  submitWith(form, error, async () => {
    await post('/auth/sign_in', { challenge, code: code.value.replace(/\s/g, '') });
    location.assign('/');
  });
  setView('Sign in', heading('Two-factor sign-in'), form);
  code.focus();
}

function signInView(): void {
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'auth-form', method: 'post', action: '/auth/sign_in' },
    field('login', 'E-mail or username', h('input', { name: 'login', autocomplete: 'username', required: true })),
    field('password', 'Password', h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'), error);
  submitWith(form, error, async () => {
    const result = await post<{ ok: boolean; two_factor?: boolean; challenge?: string }>('/auth/sign_in', Object.fromEntries(new FormData(form).entries()));
    if (result.two_factor && result.challenge) codeStep(result.challenge);
    else location.assign('/');
  });
  setView('Sign in', heading('Sign in to Firebreak'), form, h('p', {}, 'New here? ', h('a', { href: '/sign_up' }, 'Create an account')));
}

async function signUpView(inviteCode: string | null): Promise<void> {
  const r = await get<Registrations>(`/auth/registrations${inviteCode ? `?invite_code=${encodeURIComponent(inviteCode)}` : ''}`);
  const other = h('p', {}, 'Have an account? ', h('a', { href: '/sign_in' }, 'Sign in'));
  if (inviteCode && !r.invite_valid) {
    setView('Sign up', heading('Join Firebreak'), h('p', { class: 'notice', role: 'alert' }, 'This invite link has expired or has been used up.'), other);
    return;
  }
  if (r.mode === 'closed' && !inviteCode) {
    setView('Sign up', heading('Join Firebreak'), h('p', { class: 'notice' }, r.message || 'Sign-ups are closed on this server. You need an invite link to join.'), other);
    return;
  }
  const needsReason = r.mode === 'approval' && !inviteCode;
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'auth-form', method: 'post', action: '/auth/sign_up' },
    inviteCode ? h('p', { class: 'notice' }, 'You were invited: your account is ready as soon as you sign up.') : null,
    needsReason ? h('p', { class: 'notice' }, r.message || 'A moderator approves new accounts on this server.') : null,
    field('username', 'Username', h('input', { name: 'username', autocomplete: 'username', required: true, pattern: '[A-Za-z0-9_]{1,30}' })),
    field('email', 'E-mail', h('input', { name: 'email', type: 'email', autocomplete: 'email', required: true })),
    field('password', 'Password (at least 8 characters)', h('input', { name: 'password', type: 'password', autocomplete: 'new-password', minlength: 8, required: true })),
    needsReason ? field('reason', `Why do you want to join?${r.reason_required ? '' : ' (optional)'}`, h('textarea', { name: 'reason', rows: 3, maxlength: 1000, required: r.reason_required })) : null,
    h('div', { class: 'field check' }, h('input', { id: 'agreement', name: 'agreement', type: 'checkbox', required: true }), h('label', { for: 'agreement' }, 'I agree to the server rules')),
    h('button', { type: 'submit', class: 'primary' }, 'Create account'), error);
  submitWith(form, error, async () => {
    const data: Record<string, unknown> = Object.fromEntries(new FormData(form).entries());
    data.agreement = (form.querySelector('#agreement') as HTMLInputElement).checked ? 'true' : 'false';
    if (inviteCode) data.invite_code = inviteCode;
    const result = await post<{ ok: boolean; pending?: boolean }>('/auth/sign_up', data);
    if (result.pending) {
      setView('Sign up', heading('Almost there'), h('p', { class: 'notice', role: 'status' }, 'Your account waits for a moderator to approve it. You can sign in once it is approved.'));
      return;
    }
    location.assign('/');
  });
  setView('Sign up', heading('Join Firebreak'), form, other);
}

export function authView(mode: 'sign_in' | 'sign_up', inviteCode: string | null = null): Promise<void> | void {
  return mode === 'sign_in' ? signInView() : signUpView(inviteCode);
}
