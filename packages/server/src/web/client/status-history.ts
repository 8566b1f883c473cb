// An edited post's history (GET /api/v1/statuses/:id/history): every version, newest first, in a dialog.
import { get } from './api.js';
import type { Status, StatusEdit } from './types.js';
import { h, serverHtml } from './ui.js';

export async function openHistory(s: Status): Promise<void> {
  const list = h('ol', { class: 'history', reversed: true }, h('li', { class: 'feed-status' }, 'Loading…'));
  const dialog = h('dialog', { class: 'compose-dialog history-dialog', 'aria-labelledby': 'history-h' },
    h('button', { type: 'button', class: 'ghost close', 'aria-label': 'Close', onclick: () => dialog.close() }, '×'),
    h('h2', { id: 'history-h' }, 'Edit history'), list);
  dialog.addEventListener('close', () => dialog.remove());
  document.body.appendChild(dialog);
  dialog.showModal();
  try {
    const versions = (await get<StatusEdit[]>(`/api/v1/statuses/${s.id}/history`)).reverse();
    list.replaceChildren(...versions.map((v, i) => h('li', {},
      h('p', { class: 'history-when' }, i === versions.length - 1 ? 'Original, ' : i === 0 ? 'Current, ' : 'Edited, ', h('time', { datetime: v.created_at }, new Date(v.created_at).toLocaleString())),
      v.spoiler_text ? h('p', { class: 'cw-text' }, v.spoiler_text) : null,
      serverHtml('content', v.content))));
  } catch (err) {
    list.replaceChildren(h('li', { role: 'alert' }, (err as Error).message));
  }
}
