// The outbox on screen: every write not yet acknowledged, as "Sending…", "Waiting for the server"
// or "Failed: why", each with Retry and Discard, and "Sent" for a moment once the server has it.
import { ask } from './ask.js';
import { discardWrite, onOutbox, pendingWrites, retryWrite, type OutboxEntry } from './outbox.js';
import { h } from './ui.js';

const tray = document.getElementById('outbox')!;
const recentlySent: Array<{ entry: OutboxEntry; until: number }> = [];
const SENT_SHOWN_MS = 4000;

function describe(entry: OutboxEntry): string {
  if (entry.state === 'sending') return 'Sending…';
  if (entry.state === 'failed') return `Failed: ${entry.error}`;
  return entry.attempts === 0 ? 'Waiting to send' : `Waiting for the server (tried ${entry.attempts} time${entry.attempts === 1 ? '' : 's'}: ${entry.error})`;
}

function row(entry: OutboxEntry): HTMLElement {
  const li = h('li', { class: `outbox-item ${entry.state}`, 'data-key': entry.key },
    h('span', { class: 'what' }, entry.label), h('span', { class: 'state' }, describe(entry)));
  if (entry.state !== 'sending') {
    li.append(h('span', { class: 'outbox-actions' },
      h('button', { type: 'button', onclick: () => void retryWrite(entry.key) }, entry.state === 'failed' ? 'Retry' : 'Send now'),
      h('button', { type: 'button', onclick: () => void discard(entry) }, 'Discard')));
  }
  return li;
}

async function discard(entry: OutboxEntry): Promise<void> {
  // A write tried before may have reached the server with its answer lost: say so rather than promise it did not.
  const maybeLanded = entry.attempts > 0 && entry.state !== 'failed';
  const detail = maybeLanded ? 'An earlier try may have reached the server already.' : 'It will not be sent.';
  if (!await ask(`Discard “${entry.label}”?`, { detail, yes: 'Discard', no: 'Keep it', danger: true })) return;
  await discardWrite(entry.key);
}

export function renderOutboxTray(): void {
  const now = Date.now();
  while (recentlySent[0] && recentlySent[0].until <= now) recentlySent.shift();
  const waiting = pendingWrites();
  const items = [...waiting.map(row), ...recentlySent.map(({ entry }) => h('li', { class: 'outbox-item sent' }, h('span', { class: 'what' }, entry.label), h('span', { class: 'state' }, 'Sent')))];
  tray.hidden = items.length === 0;
  tray.replaceChildren(...(items.length ? [h('h2', { class: 'visually-hidden' }, 'Outbox'), h('ul', {}, ...items)] : []));
  document.body.classList.toggle('outbox-open', items.length > 0);
}

export function showOutboxTray(): void {
  onOutbox((e) => {
    if (e.type === 'sent') {
      recentlySent.push({ entry: e.entry, until: Date.now() + SENT_SHOWN_MS });
      setTimeout(renderOutboxTray, SENT_SHOWN_MS + 50);
    }
    renderOutboxTray();
  });
  renderOutboxTray();
}
