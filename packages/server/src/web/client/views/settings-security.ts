// Settings: two-factor sign-in (an authenticator app's codes, and recovery codes) and browser
// notifications (Web Push). Two-factor is set up and removed with the password, at /auth/two_factor.
import { get, post } from '../api.js';
import { ALERTS, disablePush, enablePush, pushState, pushSupported, updatePush } from '../web-push.js';
import { append, field, h } from '../ui.js';

function passwordField(id: string): HTMLInputElement {
  return h('input', { id, type: 'password', name: 'password', autocomplete: 'current-password', required: true });
}

function recoveryList(codes: string[]): HTMLElement {
  return h('div', { class: 'recovery' },
    h('p', {}, 'Recovery codes: each signs you in once if you lose your device. Keep them somewhere safe; they are shown only now.'),
    h('ul', { class: 'codes', 'aria-label': 'Recovery codes' }, ...codes.map((c) => h('li', {}, h('code', {}, c)))));
}

export function twoFactorSection(): HTMLElement {
  const section = h('section', { class: 'settings-form', 'aria-labelledby': 'tf-h' });
  const status = h('p', { role: 'status' });
  const render = async () => {
    const { enabled } = await get<{ enabled: boolean }>('/auth/two_factor');
    section.replaceChildren(h('h2', { id: 'tf-h' }, 'Two-factor sign-in'),
      h('p', {}, enabled ? 'On: signing in asks for a code from your authenticator app.' : 'Off: signing in needs only your password.'));
    const password = passwordField(enabled ? 'tf-password-off' : 'tf-password');
    const form = h('form', { class: 'inline-form' }, field(password.id, 'Your password', password));
    if (!enabled) {
      append(form, h('button', { type: 'submit', class: 'primary' }, 'Set up two-factor sign-in'));
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        try {
          const setup = await post<{ secret: string; uri: string }>('/auth/two_factor/setup', { password: password.value });
          const code = h('input', { id: 'tf-code', name: 'code', inputmode: 'numeric', autocomplete: 'one-time-code', required: true, pattern: '[0-9 ]{6,7}' });
          const confirmForm = h('form', { class: 'inline-form' },
            h('p', {}, 'Add this account to your authenticator app with the key below (or open the link on the phone that has the app), then enter the code it shows.'),
            h('p', {}, h('code', { class: 'secret', 'aria-label': 'Key' }, setup.secret.replace(/(.{4})/g, '$1 ').trim())),
            h('p', {}, h('a', { href: setup.uri }, 'Open in an authenticator app')),
            field('tf-code', 'Code from the app', code), h('button', { type: 'submit', class: 'primary' }, 'Turn on'), status);
          confirmForm.addEventListener('submit', async (ev) => {
            ev.preventDefault();
            try {
              const { recovery_codes: codes } = await post<{ recovery_codes: string[] }>('/auth/two_factor/enable', { code: code.value.replace(/\s/g, '') });
              await render();
              append(section, recoveryList(codes));
            } catch (err) { status.textContent = (err as Error).message; }
          });
          form.replaceWith(confirmForm);
          code.focus();
        } catch (err) { status.textContent = (err as Error).message; }
      });
      append(section, form, status);
      return;
    }
    const off = h('button', { type: 'submit', class: 'danger', value: 'off' }, 'Turn off');
    const regenerate = h('button', { type: 'submit', value: 'codes' }, 'New recovery codes');
    append(form, h('div', { class: 'session-actions' }, regenerate, off));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const which = ((e as SubmitEvent).submitter as HTMLButtonElement | null)?.value;
      try {
        if (which === 'codes') {
          const { recovery_codes: codes } = await post<{ recovery_codes: string[] }>('/auth/two_factor/recovery_codes', { password: password.value });
          password.value = '';
          section.querySelector('.recovery')?.remove();
          append(section, recoveryList(codes));
        } else {
          await post('/auth/two_factor/disable', { password: password.value });
          await render();
          status.textContent = 'Two-factor sign-in is off.';
          append(section, status);
        }
      } catch (err) { status.textContent = (err as Error).message; }
    });
    append(section, form, status);
  };
  section.append(h('h2', { id: 'tf-h' }, 'Two-factor sign-in'), h('p', { class: 'loading' }, 'Loading…'));
  void render().catch((err) => { status.textContent = (err as Error).message; section.append(status); });
  return section;
}

export function pushSection(): HTMLElement {
  const section = h('section', { class: 'settings-form', 'aria-labelledby': 'push-h' }, h('h2', { id: 'push-h' }, 'Browser notifications'));
  const status = h('p', { role: 'status' });
  if (!pushSupported()) {
    append(section, h('p', {}, 'This browser cannot receive notifications from Firebreak (no service workers or Push API).'));
    return section;
  }
  const render = async () => {
    const state = await pushState();
    const boxes = ALERTS.map(([key, label]) => {
      const box = h('input', { type: 'checkbox', id: `push-${key}`, name: key, checked: state.subscribed ? state.alerts[key] === true : key !== 'update' && key !== 'status' });
      return { key, row: h('div', { class: 'field check' }, box, h('label', { for: box.id }, label)), box };
    });
    const policy = h('select', { id: 'push-policy', name: 'policy' },
      ...[['all', 'Anyone'], ['followed', 'People I follow'], ['follower', 'My followers'], ['none', 'Nobody (pause)']].map(([v, l]) => h('option', { value: v!, selected: state.policy === v }, l!)));
    const alerts = () => Object.fromEntries(boxes.map((b) => [b.key, b.box.checked]));
    const form = h('form', { class: 'inline-form' },
      h('p', {}, state.subscribed ? 'On for this browser.' : 'Off for this browser.'),
      h('fieldset', {}, h('legend', {}, 'Notify me of'), ...boxes.map((b) => b.row)),
      field('push-policy', 'From', policy));
    if (state.subscribed) {
      const off = h('button', { type: 'button', class: 'danger' }, 'Turn off');
      off.addEventListener('click', async () => {
        try { await disablePush(); await render(); status.textContent = 'Browser notifications are off.'; } catch (err) { status.textContent = (err as Error).message; }
      });
      append(form, h('div', { class: 'session-actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save'), off));
    } else append(form, h('button', { type: 'submit', class: 'primary' }, 'Turn on browser notifications'));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        if (state.subscribed) await updatePush(alerts(), policy.value); else await enablePush(alerts(), policy.value);
        await render();
        status.textContent = 'Saved.';
      } catch (err) { status.textContent = `Could not turn on notifications: ${(err as Error).message}`; }
    });
    section.replaceChildren(h('h2', { id: 'push-h' }, 'Browser notifications'), form, status);
  };
  void render();
  return section;
}
