// Settings: the avatar and the header. A picture is sent as Mastodon apps send it (multipart
// PATCH /api/v1/accounts/update_credentials), cropped by the server to 400x400 and 1500x500;
// "Remove" goes back to the default (DELETE /api/v1/profile/avatar, /header).
import { csrfToken, request } from '../api.js';
import { state } from '../state.js';
import type { Account } from '../types.js';
import { h } from '../ui.js';

const local = (url: string | undefined) => { try { return new URL(url ?? '').pathname; } catch { return url ?? ''; } };

export function profileImagesForm(): HTMLElement {
  const status = h('p', { role: 'status' });
  const avatarImg = h('img', { class: 'avatar settings-avatar', src: local(state.me?.avatar), width: 96, height: 96, alt: 'Your avatar' });
  const headerImg = h('img', { class: 'settings-header', src: local(state.me?.header), alt: 'Your header' });
  const show = (me: Account) => {
    state.me = me;
    avatarImg.src = local(me.avatar);
    headerImg.src = local(me.header);
  };

  const control = (which: 'avatar' | 'header', label: string) => {
    const input = h('input', { type: 'file', id: `set-${which}`, accept: 'image/jpeg,image/png,image/gif,image/webp,image/avif' });
    input.addEventListener('change', async () => {
      const file = input.files?.[0];
      if (!file) return;
      status.textContent = `Uploading your ${which}…`;
      const form = new FormData();
      form.append(which, file);
      try {
        const res = await fetch('/api/v1/accounts/update_credentials', { method: 'PATCH', body: form, credentials: 'same-origin', headers: { 'x-csrf-token': csrfToken(), accept: 'application/json' } });
        const body = await res.json().catch(() => null);
        if (!res.ok) throw new Error(body?.error ?? `Upload failed (${res.status})`);
        show(body as Account);
        status.textContent = `${which === 'avatar' ? 'Avatar' : 'Header'} saved.`;
      } catch (err) {
        status.textContent = (err as Error).message;
      } finally {
        input.value = '';
      }
    });
    const remove = h('button', { type: 'button', class: 'ghost' }, `Remove ${which}`);
    remove.addEventListener('click', async () => {
      try {
        show((await request<Account>('DELETE', `/api/v1/profile/${which}`)).data);
        status.textContent = `${which === 'avatar' ? 'Avatar' : 'Header'} removed.`;
      } catch (err) { status.textContent = (err as Error).message; }
    });
    return h('div', { class: 'field image-field' }, h('label', { for: `set-${which}` }, label), input, remove);
  };

  return h('section', { class: 'settings-form profile-images', 'aria-labelledby': 'images-h' },
    h('h2', { id: 'images-h' }, 'Avatar and header'),
    h('div', { class: 'images-preview' }, headerImg, avatarImg),
    control('avatar', 'Avatar (cropped to a square)'), control('header', 'Header (cropped to 3:1)'), status);
}
