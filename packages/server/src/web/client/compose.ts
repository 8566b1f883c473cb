// Writing a post: the composer (on the home page, under a thread, or in a dialog for replies and
// quotes) with a counter that counts as the server does (src/shared/status-length.ts).
import { post } from './api.js';
import { navigate } from './navigation.js';
import { state } from './state.js';
import { toast } from './toast.js';
import type { Status } from './types.js';
import { append, displayName, h } from './ui.js';
import { statusLength } from '../../shared/status-length.js';
import { attachmentTray } from './media-attach.js';

export interface ComposeTarget { replyTo?: Status; quote?: Status }

/** Called with every status this page creates, so timelines show it at once. */
const createdListeners = new Set<(s: Status) => void>();

export function onStatusCreated(listener: (s: Status) => void): () => void {
  createdListeners.add(listener);
  return () => createdListeners.delete(listener);
}

export function composer(target: ComposeTarget, onDone?: () => void): HTMLFormElement {
  const id = Math.random().toString(36).slice(2);
  const initial = target.replyTo
    ? [...new Set([target.replyTo.account.acct, ...target.replyTo.mentions.map((m) => m.acct)])].filter((a) => a !== state.me?.acct).map((a) => `@${a} `).join('')
    : '';
  const text = h('textarea', { id: `text-${id}`, name: 'status', rows: 3, placeholder: target.replyTo ? 'Post your reply' : "What's happening?", 'aria-describedby': `count-${id}` });
  text.value = initial;
  const cwInput = h('input', { id: `cw-${id}`, name: 'spoiler_text', placeholder: 'Content warning', maxlength: 500 });
  const cwWrap = h('div', { class: 'cw-field', hidden: true }, h('label', { for: `cw-${id}`, class: 'visually-hidden' }, 'Content warning'), cwInput);
  const cwButton = h('button', { type: 'button', class: 'ghost', 'aria-pressed': 'false' }, 'CW');
  cwButton.addEventListener('click', () => {
    cwWrap.hidden = !cwWrap.hidden;
    cwButton.setAttribute('aria-pressed', String(!cwWrap.hidden));
    if (!cwWrap.hidden) cwInput.focus();
  });
  const visibility = h('select', { id: `vis-${id}`, name: 'visibility' },
    h('option', { value: 'public' }, 'Public'), h('option', { value: 'unlisted' }, 'Unlisted'),
    h('option', { value: 'private' }, 'Followers only'), h('option', { value: 'direct' }, 'Mentioned people only'));
  if (target.replyTo && target.replyTo.visibility !== 'public') visibility.value = target.replyTo.visibility;
  const counter = h('span', { id: `count-${id}`, class: 'counter' }, '');
  const submit = h('button', { type: 'submit', class: 'primary' }, target.replyTo ? 'Reply' : 'Post');
  const error = h('p', { class: 'error', role: 'alert' });

  const form = h('form', { class: 'composer', novalidate: true });
  const tray = attachmentTray(form, () => update());
  const update = () => {
    const left = state.maxChars - statusLength(text.value) - statusLength(cwWrap.hidden ? '' : cwInput.value);
    counter.textContent = `${left} characters left`;
    counter.classList.toggle('over', left < 0);
    // Pictures alone make a post; a post waits for its pictures to be processed.
    submit.disabled = left < 0 || (text.value.trim() === '' && tray.count() === 0) || tray.busy();
  };
  text.addEventListener('input', update);
  cwInput.addEventListener('input', update);
  update();

  append(form,
    h('label', { for: `text-${id}`, class: 'visually-hidden' }, target.replyTo ? 'Reply text' : 'Post text'),
    target.replyTo ? h('p', { class: 'context-line' }, 'Replying to ', h('bdi', {}, displayName(target.replyTo.account))) : null,
    cwWrap, text, tray.element,
    target.quote ? h('p', { class: 'context-line' }, 'Quoting ', h('bdi', {}, displayName(target.quote.account))) : null,
    h('div', { class: 'composer-bar' },
      tray.button, cwButton, h('label', { for: `vis-${id}`, class: 'visually-hidden' }, 'Visibility'), visibility, counter, submit),
    error);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    form.setAttribute('aria-busy', 'true');
    error.textContent = '';
    try {
      const mediaIds = await tray.finish();
      const created = await post<Status>('/api/v1/statuses', {
        status: text.value, visibility: visibility.value,
        spoiler_text: cwWrap.hidden ? '' : cwInput.value, sensitive: (!cwWrap.hidden && cwInput.value !== '') || tray.sensitive(),
        in_reply_to_id: target.replyTo?.id, quoted_status_id: target.quote?.id, ...(mediaIds.length ? { media_ids: mediaIds } : {}),
      });
      text.value = '';
      cwInput.value = '';
      tray.clear();
      update();
      for (const l of createdListeners) l(created);
      toast('Posted');
      onDone?.();
    } catch (err) {
      error.textContent = (err as Error).message;
    } finally {
      form.removeAttribute('aria-busy');
      update();
    }
  });
  text.addEventListener('keydown', (e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) form.requestSubmit(); });
  return form;
}

export function openComposer(target: ComposeTarget): void {
  if (!state.me) { navigate('/sign_in'); return; }
  const dialog = h('dialog', { class: 'compose-dialog', 'aria-label': target.replyTo ? 'Reply' : target.quote ? 'Quote post' : 'New post' });
  const close = () => { dialog.close(); dialog.remove(); };
  const form = composer(target, close);
  append(dialog, h('button', { type: 'button', class: 'ghost close', 'aria-label': 'Close', onclick: close }, '×'), form);
  dialog.addEventListener('close', () => dialog.remove());
  document.body.appendChild(dialog);
  dialog.showModal();
  form.querySelector('textarea')!.focus();
}
