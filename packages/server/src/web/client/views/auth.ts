// Signing in and signing up: plain forms posted to /auth/*, which set the session cookie.
import { HttpError, post } from '../api.js';
import { heading, setView } from '../frame.js';
import { field, h } from '../ui.js';

export function authView(mode: 'sign_in' | 'sign_up'): void {
  const error = h('p', { class: 'error', role: 'alert' });
  const inputs = mode === 'sign_in'
    ? [field('login', 'E-mail or username', h('input', { name: 'login', autocomplete: 'username', required: true })),
      field('password', 'Password', h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true }))]
    : [field('username', 'Username', h('input', { name: 'username', autocomplete: 'username', required: true, pattern: '[A-Za-z0-9_]{1,30}' })),
      field('email', 'E-mail', h('input', { name: 'email', type: 'email', autocomplete: 'email', required: true })),
      field('password', 'Password (at least 8 characters)', h('input', { name: 'password', type: 'password', autocomplete: 'new-password', minlength: 8, required: true })),
      h('div', { class: 'field check' }, h('input', { id: 'agreement', name: 'agreement', type: 'checkbox', required: true }), h('label', { for: 'agreement' }, 'I agree to the server rules'))];
  const form = h('form', { class: 'auth-form', method: 'post', action: `/auth/${mode}` }, ...inputs,
    h('button', { type: 'submit', class: 'primary' }, mode === 'sign_in' ? 'Sign in' : 'Create account'), error);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const data = Object.fromEntries(new FormData(form).entries());
    if (mode === 'sign_up') data.agreement = (form.querySelector('#agreement') as HTMLInputElement).checked ? 'true' : 'false';
    form.setAttribute('aria-busy', 'true');
    try {
      await post(`/auth/${mode}`, data);
      location.assign('/');
    } catch (err) {
      error.textContent = err instanceof HttpError ? err.message : 'Something went wrong.';
      form.removeAttribute('aria-busy');
    }
  });
  const other = mode === 'sign_in' ? h('p', {}, 'New here? ', h('a', { href: '/sign_up' }, 'Create an account')) : h('p', {}, 'Have an account? ', h('a', { href: '/sign_in' }, 'Sign in'));
  setView(mode === 'sign_in' ? 'Sign in' : 'Sign up', heading(mode === 'sign_in' ? 'Sign in to Firebreak' : 'Join Firebreak'), form, other);
}
