// "?": the keyboard shortcuts, in a dialog.
import { h } from './ui.js';

export const SHORTCUTS: Array<[string[], string]> = [
  [['j'], 'Next post'], [['k'], 'Previous post'], [['Enter'], 'Open the focused post'],
  [['←', '→'], "Move between a post's links and buttons"], [['Esc'], 'Back to the post; close a dialog or menu'],
  [['n'], 'New post'], [['/'], 'Search'], [['Ctrl', 'Enter'], 'Send what you are writing'], [['?'], 'This help'],
];

export function openShortcutsHelp(): void {
  if (document.querySelector('.help-dialog')) return;
  const dialog = h('dialog', { class: 'compose-dialog help-dialog', 'aria-labelledby': 'help-h' },
    h('button', { type: 'button', class: 'ghost close', 'aria-label': 'Close', onclick: () => dialog.close() }, '×'),
    h('h2', { id: 'help-h' }, 'Keyboard shortcuts'),
    h('dl', { class: 'shortcuts' }, ...SHORTCUTS.flatMap(([keys, what]) => [
      h('dt', {}, ...keys.flatMap((k, i) => [i ? ' ' : '', h('kbd', {}, k)])), h('dd', {}, what)])));
  dialog.addEventListener('close', () => dialog.remove());
  document.body.appendChild(dialog);
  dialog.showModal();
}
