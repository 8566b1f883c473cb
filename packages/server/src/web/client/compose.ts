// Writing a post: the composer (on the home page, under a thread, or in a dialog for new posts,
// replies, quotes and edits) with a counter that counts as the server does
// (src/shared/status-length.ts). What is typed is kept as a draft until it is sent or discarded
// (drafts.ts); sending hands the post to the outbox (outbox.ts), which delivers it exactly once.
// Pictures are uploaded as soon as they are attached (media-attach.ts); the post carries their ids.
import { get } from './api.js';
import { choose } from './ask.js';
import { saveDraft, loadDraft } from './drafts.js';
import { navigate } from './navigation.js';
import { queueWrite } from './outbox.js';
import { state } from './state.js';
import type { Status } from './types.js';
import { append, displayName, h, quotePreview, VISIBILITY } from './ui.js';
import { statusLength } from '../../shared/status-length.js';
import { attachmentTray } from './media-attach.js';

export interface ComposeTarget {
  replyTo?: Status; quote?: Status; edit?: Status;
  /** Where this post starts instead of the person's default (a new direct message). */
  visibility?: string;
}

interface Draft { text: string; cw: string | null; visibility: string }

/** Called with every status this page creates, so timelines show it at once. */
const createdListeners = new Set<(s: Status) => void>();

export function onStatusCreated(listener: (s: Status) => void): () => void {
  createdListeners.add(listener);
  return () => createdListeners.delete(listener);
}

/** The outbox delivered a post (status-actions.ts): every view that shows new posts hears of it. */
export function announceCreated(s: Status): void {
  for (const l of createdListeners) l(s);
}

const VISIBILITY_ORDER = ['public', 'unlisted', 'private', 'direct'];
const VISIBILITY_CHOICES: Record<string, string> = { public: 'Public', unlisted: 'Unlisted', private: 'Followers only', direct: 'Mentioned people only' };

/** A reply is at most as visible as what it answers, and never more than the person's default. */
function defaultVisibility(target: ComposeTarget): string {
  const preferred = target.visibility ?? state.defaultVisibility;
  if (!target.replyTo) return preferred;
  return VISIBILITY_ORDER[Math.max(VISIBILITY_ORDER.indexOf(preferred), VISIBILITY_ORDER.indexOf(target.replyTo.visibility))] ?? preferred;
}

export function draftNameFor(target: ComposeTarget, place: 'page' | 'dialog'): string {
  if (target.edit) return `edit:${target.edit.id}`;
  if (target.replyTo) return `reply:${target.replyTo.id}`;
  if (target.quote) return `quote:${target.quote.id}`;
  if (target.visibility === 'direct') return 'message';
  return place === 'dialog' ? 'post-dialog' : 'post';
}

export interface Composer extends HTMLFormElement {
  /** Whether there is text that would be lost. */
  hasDraft(): boolean;
  discardDraft(): void;
}

export function composer(target: ComposeTarget, onDone?: () => void, draftName = draftNameFor(target, 'page')): Composer {
  const id = Math.random().toString(36).slice(2);
  const initialText = target.replyTo
    ? [...new Set([target.replyTo.account.acct, ...target.replyTo.mentions.map((m) => m.acct)])].filter((a) => a !== state.me?.acct).map((a) => `@${a} `).join('')
    : '';
  const saved = loadDraft<Draft>(draftName);
  const text = h('textarea', { id: `text-${id}`, name: 'status', rows: 3, placeholder: target.replyTo ? 'Post your reply' : "What's happening?", 'aria-describedby': `count-${id}` });
  const cwInput = h('input', { id: `cw-${id}`, name: 'spoiler_text', placeholder: 'Content warning', maxlength: 500 });
  const cwWrap = h('div', { class: 'cw-field', hidden: true }, h('label', { for: `cw-${id}`, class: 'visually-hidden' }, 'Content warning'), cwInput);
  const cwButton = h('button', { type: 'button', class: 'ghost', 'aria-pressed': 'false' }, 'CW');
  const showCw = (on: boolean) => { cwWrap.hidden = !on; cwButton.setAttribute('aria-pressed', String(on)); };
  cwButton.addEventListener('click', () => {
    showCw(cwWrap.hidden);
    if (!cwWrap.hidden) cwInput.focus();
    update();
  });
  const visibility = h('select', { id: `vis-${id}`, name: 'visibility', disabled: Boolean(target.edit) },
    ...VISIBILITY_ORDER.map((v) => h('option', { value: v, title: VISIBILITY[v]!.hint }, VISIBILITY_CHOICES[v])));
  const counter = h('span', { id: `count-${id}`, class: 'counter' }, '');
  const submit = h('button', { type: 'submit', class: 'primary' }, target.edit ? 'Save' : target.replyTo ? 'Reply' : 'Post');
  const discard = h('button', { type: 'button', class: 'ghost discard', hidden: true }, 'Discard');
  const error = h('p', { class: 'error', role: 'alert' });
  // Pictures go with new posts, replies and quotes (an edit keeps the post's own).
  const tray = attachmentTray(() => update());

  const reset = () => {
    text.value = initialText;
    cwInput.value = '';
    showCw(false);
    // Every new post starts from the person's default, never from the last post's choice.
    visibility.value = target.edit ? target.edit.visibility : defaultVisibility(target);
  };
  reset();
  if (saved) {
    text.value = saved.text;
    if (saved.cw !== null) { cwInput.value = saved.cw; showCw(true); }
    if (!target.edit) visibility.value = saved.visibility;
  } else if (target.edit) {
    // What the author wrote (not the rendered HTML): the text they will change.
    const edit = target.edit;
    text.value = '';
    text.disabled = true;
    void get<{ text: string; spoiler_text: string }>(`/api/v1/statuses/${edit.id}/source`).then((source) => {
      if (text.value === '') text.value = source.text;
      if (source.spoiler_text) { cwInput.value = source.spoiler_text; showCw(true); }
      initialEditText = source.text;
    }).catch((err: Error) => { error.textContent = err.message; }).finally(() => { text.disabled = false; update(); });
  }
  let initialEditText = '';
  const changed = () => (target.edit ? text.value !== initialEditText : text.value.trim() !== initialText.trim()) || (!cwWrap.hidden && cwInput.value !== '') || tray.count() > 0;

  const tooLong = () => state.maxChars - statusLength(text.value) - statusLength(cwWrap.hidden ? '' : cwInput.value) < 0;
  /** What the button refuses, Ctrl+Enter and every other way of sending refuse too. */
  // Pictures alone make a post; a post waits for its pictures to be processed.
  const canSend = () => !tooLong() && (text.value.trim() !== '' || tray.count() > 0) && !text.disabled && !tray.busy();
  const update = () => {
    const left = state.maxChars - statusLength(text.value) - statusLength(cwWrap.hidden ? '' : cwInput.value);
    counter.textContent = `${left} characters left`;
    counter.classList.toggle('over', left < 0);
    submit.disabled = !canSend();
    discard.hidden = !changed();
  };
  const keep = () => {
    update();
    saveDraft(draftName, changed() ? { text: text.value, cw: cwWrap.hidden ? null : cwInput.value, visibility: visibility.value } satisfies Draft : null);
  };
  text.addEventListener('input', keep);
  cwInput.addEventListener('input', keep);
  visibility.addEventListener('change', keep);
  cwButton.addEventListener('click', keep);
  update();

  const form = h('form', { class: 'composer', novalidate: true },
    h('label', { for: `text-${id}`, class: 'visually-hidden' }, target.edit ? 'Edited text' : target.replyTo ? 'Reply text' : 'Post text'),
    target.replyTo ? h('p', { class: 'context-line' }, 'Replying to ', h('bdi', {}, displayName(target.replyTo.account))) : null,
    cwWrap, text, target.edit ? null : tray.element,
    target.quote ? h('div', { class: 'quoting' }, h('p', { class: 'context-line' }, 'Quoting ', h('bdi', {}, displayName(target.quote.account))), quotePreview(target.quote)) : null,
    h('div', { class: 'composer-bar' },
      target.edit ? null : tray.button, cwButton, h('label', { for: `vis-${id}`, class: 'visually-hidden' }, 'Visibility'), visibility, counter, discard, submit),
    error) as Composer;
  if (!target.edit) tray.listenOn(form);
  form.hasDraft = changed;
  form.discardDraft = () => { saveDraft(draftName, null); reset(); tray.clear(); initialEditText = target.edit ? text.value : ''; update(); };
  discard.addEventListener('click', async () => {
    const answer = await choose('Discard draft?', 'What you wrote will be gone.', [{ value: 'keep', label: 'Keep editing' }, { value: 'discard', label: 'Discard', danger: true }]);
    if (answer === 'discard') { form.discardDraft(); onDone?.(); } else text.focus();
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!canSend()) return;
    error.textContent = '';
    const spoiler = cwWrap.hidden ? '' : cwInput.value;
    const words = text.value.trim().replace(/\s+/g, ' ');
    const label = `${target.edit ? 'Edit' : target.replyTo ? 'Reply' : 'Post'} “${words.length > 40 ? `${words.slice(0, 39)}…` : words}”`;
    try {
      // Alt text and focal points saved, the pictures' ids in order (nothing to do without pictures).
      const mediaIds = await tray.finish();
      if (target.edit) {
        await queueWrite({ kind: 'edit', method: 'PUT', url: `/api/v1/statuses/${target.edit.id}`, target: target.edit.id, label, body: { status: text.value, spoiler_text: spoiler, sensitive: spoiler !== '' } });
      } else {
        await queueWrite({
          kind: 'post', method: 'POST', url: '/api/v1/statuses', target: target.replyTo?.id ?? target.quote?.id ?? '', label,
          body: {
            status: text.value, visibility: visibility.value, spoiler_text: spoiler, sensitive: spoiler !== '' || tray.sensitive(),
            in_reply_to_id: target.replyTo?.id, quoted_status_id: target.quote?.id, ...(mediaIds.length ? { media_ids: mediaIds } : {}),
          },
        });
      }
    } catch (err) {
      error.textContent = `Not sent, and kept here: ${(err as Error).message}`;
      return;
    }
    // The outbox has it (on disk): the draft's job is done.
    form.discardDraft();
    onDone?.();
  });
  text.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); if (canSend()) form.requestSubmit(); }
  });
  return form;
}

export function openComposer(target: ComposeTarget): void {
  if (!state.me) { navigate('/sign_in'); return; }
  const dialog = h('dialog', { class: 'compose-dialog', 'aria-label': target.edit ? 'Edit post' : target.replyTo ? 'Reply' : target.quote ? 'Quote post' : 'New post' });
  const form = composer(target, () => dialog.close(), draftNameFor(target, 'dialog'));
  // Closing with something written asks; "Keep draft" closes and keeps it for next time.
  const leave = async () => {
    if (!form.hasDraft()) { dialog.close(); return; }
    const answer = await choose('Discard draft?', 'You can keep it: it will be here when you come back to this post.', [
      { value: 'keep', label: 'Keep draft' }, { value: 'discard', label: 'Discard', danger: true }]);
    if (answer === 'discard') { form.discardDraft(); dialog.close(); } else if (answer === 'keep') dialog.close();
    else form.querySelector('textarea')!.focus();
  };
  append(dialog, h('button', { type: 'button', class: 'ghost close', 'aria-label': 'Close', onclick: () => void leave() }, '×'), form);
  dialog.addEventListener('cancel', (e) => { e.preventDefault(); void leave(); });
  dialog.addEventListener('close', () => dialog.remove());
  document.body.appendChild(dialog);
  dialog.showModal();
  form.querySelector('textarea')!.focus();
}
