// Attaching pictures to a post in the composer: a picker, pasting and dropping, up to four; each is
// uploaded at once with its progress shown (POST /api/v2/media, the same Idempotency-Key on every
// retry), then waited for until processed. Alt text and a focal point (a click on the preview) go
// with the post: changed ones are saved (PUT /api/v1/media/:id) just before it is sent.
import { csrfToken, get, request } from './api.js';
import type { MediaAttachment } from './types.js';
import { h, icon } from './ui.js';

export const MAX_ATTACHMENTS = 4;

interface Item {
  file: File;
  key: string;
  id?: string;
  failed?: string;
  description: string;
  focus: { x: number; y: number };
  saved: { description: string; focus: string };
  element: HTMLElement;
}

export interface AttachmentTray {
  /** The tray (previews, progress, alt text) and the button that adds pictures. */
  element: HTMLElement;
  button: HTMLButtonElement;
  count(): number;
  /** Still uploading or processing: the post must wait. */
  busy(): boolean;
  sensitive(): boolean;
  /** Pasting and dropping pictures anywhere on `el` (the composer) attaches them. */
  listenOn(el: HTMLElement): void;
  /** Saves alt text and focal points, then gives the media ids in order. */
  finish(): Promise<string[]>;
  clear(): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One upload through XMLHttpRequest (fetch has no upload progress), retried on network errors and 5xx. */
function uploadOnce(file: File, key: string, onProgress: (fraction: number) => void): Promise<{ status: number; body: { id?: string; error?: string } | null }> {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/v2/media');
    xhr.setRequestHeader('x-csrf-token', csrfToken());
    xhr.setRequestHeader('idempotency-key', key);
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.addEventListener('progress', (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); });
    xhr.addEventListener('load', () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch { body = null; }
      resolve({ status: xhr.status, body });
    });
    xhr.addEventListener('error', () => resolve({ status: 0, body: null }));
    const form = new FormData();
    form.append('file', file);
    xhr.send(form);
  });
}

async function upload(file: File, key: string, onProgress: (fraction: number) => void): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const { status, body } = await uploadOnce(file, key, onProgress);
    if ((status === 200 || status === 202) && body?.id) return body.id;
    if ((status !== 0 && status < 500) || attempt >= 4) throw new Error(body?.error ?? `Upload failed (${status})`);
    await sleep(500 * 2 ** attempt);
  }
}

async function processed(id: string): Promise<void> {
  for (let wait = 200; ; wait = Math.min(2000, wait * 1.5)) {
    const m = await get<MediaAttachment>(`/api/v1/media/${id}`);
    if (m.url) return;
    await sleep(wait);
  }
}

export function attachmentTray(onChange: () => void): AttachmentTray {
  const items: Item[] = [];
  const uid = Math.random().toString(36).slice(2);
  const input = h('input', { type: 'file', accept: 'image/jpeg,image/png,image/gif,image/webp,image/avif', multiple: true, hidden: true, id: `media-${uid}`, 'aria-label': 'Pictures to attach' });
  const button = h('button', { type: 'button', class: 'ghost attach', 'aria-label': 'Add pictures', title: 'Add pictures' }, icon('image'));
  const message = h('p', { class: 'error', role: 'alert' });
  const list = h('ul', { class: 'attachments', 'aria-label': 'Attached pictures' });
  const sensitiveBox = h('input', { type: 'checkbox', id: `sensitive-${uid}` });
  const sensitiveField = h('div', { class: 'field check sensitive-field', hidden: true }, sensitiveBox, h('label', { for: `sensitive-${uid}` }, 'Mark pictures as sensitive'));
  const element = h('div', { class: 'attachment-tray' }, input, list, sensitiveField, message);
  button.addEventListener('click', () => input.click());

  const changed = () => {
    button.disabled = items.length >= MAX_ATTACHMENTS;
    sensitiveField.hidden = items.length === 0;
    onChange();
  };

  const add = (files: Iterable<File>) => {
    message.textContent = '';
    for (const file of files) {
      if (!file.type.startsWith('image/')) { message.textContent = `${file.name || 'That file'} is not a picture.`; continue; }
      if (items.length >= MAX_ATTACHMENTS) { message.textContent = `A post can have at most ${MAX_ATTACHMENTS} pictures.`; break; }
      items.push(itemFor(file));
    }
    changed();
  };

  const itemFor = (file: File): Item => {
    const url = URL.createObjectURL(file);
    const n = items.length + 1;
    const preview = h('img', { src: url, alt: '' });
    const marker = h('span', { class: 'focus-marker', 'aria-hidden': 'true' });
    const frame = h('button', { type: 'button', class: 'attachment-preview', 'aria-label': `Picture ${n}: select to set the focal point` }, preview, marker);
    const progress = h('progress', { max: 1, value: 0, 'aria-label': `Upload of picture ${n}` });
    const alt = h('textarea', { rows: 2, maxlength: 1500, id: `alt-${uid}-${n}`, placeholder: 'Describe it for people who cannot see it' });
    const remove = h('button', { type: 'button', class: 'ghost', 'aria-label': `Remove picture ${n}` }, 'Remove');
    const state = h('span', { class: 'attachment-state', role: 'status' }, 'Uploading…');
    const li = h('li', { class: 'attachment' }, frame,
      h('div', { class: 'attachment-fields' }, h('label', { for: `alt-${uid}-${n}` }, `Alt text for picture ${n}`), alt, h('div', { class: 'attachment-bar' }, progress, state, remove)));
    const item: Item = { file, key: crypto.randomUUID(), description: '', focus: { x: 0, y: 0 }, saved: { description: '', focus: '0,0' }, element: li };
    alt.addEventListener('input', () => { item.description = alt.value; });
    frame.addEventListener('click', (e) => {
      const box = preview.getBoundingClientRect();
      const x = Math.max(-1, Math.min(1, ((e.clientX - box.left) / box.width) * 2 - 1));
      const y = Math.max(-1, Math.min(1, 1 - ((e.clientY - box.top) / box.height) * 2));
      item.focus = { x: Math.round(x * 100) / 100, y: Math.round(y * 100) / 100 };
      marker.style.left = `${((item.focus.x + 1) / 2) * 100}%`;
      marker.style.top = `${((1 - item.focus.y) / 2) * 100}%`;
      marker.classList.add('set');
    });
    remove.addEventListener('click', () => {
      items.splice(items.indexOf(item), 1);
      li.remove();
      URL.revokeObjectURL(url);
      changed();
    });
    list.appendChild(li);
    upload(file, item.key, (f) => { progress.value = f; })
      .then(async (id) => {
        state.textContent = 'Processing…';
        await processed(id);
        item.id = id;
        progress.value = 1;
        state.textContent = 'Ready';
      })
      .catch((err: Error) => {
        item.failed = err.message;
        state.textContent = err.message;
        li.classList.add('failed');
      })
      .finally(changed);
    return item;
  };

  input.addEventListener('change', () => { add(input.files ?? []); input.value = ''; });
  const listenOn = (form: HTMLElement) => {
    form.addEventListener('paste', (e) => {
      const files = [...(e.clipboardData?.files ?? [])];
      if (files.length) { e.preventDefault(); add(files); }
    });
    form.addEventListener('dragover', (e) => { if (e.dataTransfer?.types.includes('Files')) { e.preventDefault(); form.classList.add('dropping'); } });
    form.addEventListener('dragleave', () => form.classList.remove('dropping'));
    form.addEventListener('drop', (e) => {
      form.classList.remove('dropping');
      if (!e.dataTransfer?.files.length) return;
      e.preventDefault();
      add(e.dataTransfer.files);
    });
  };

  return {
    element, button, listenOn,
    count: () => items.length,
    busy: () => items.some((i) => !i.id && !i.failed),
    sensitive: () => items.length > 0 && sensitiveBox.checked,
    async finish() {
      const failed = items.find((i) => i.failed);
      if (failed) throw new Error(`A picture could not be uploaded (${failed.failed}): remove it to post.`);
      for (const item of items) {
        const focus = `${item.focus.x},${item.focus.y}`;
        if (item.description === item.saved.description && focus === item.saved.focus) continue;
        await request('PUT', `/api/v1/media/${item.id}`, { description: item.description, focus });
        item.saved = { description: item.description, focus };
      }
      return items.map((i) => i.id!);
    },
    clear() {
      for (const item of items.splice(0)) item.element.remove();
      sensitiveBox.checked = false;
      changed();
    },
  };
}
