// A question in a small modal dialog ("Discard draft?"), answered with one of its buttons; Escape
// answers null (the question is withdrawn: nothing happens).
import { h } from './ui.js';

export interface Choice { value: string; label: string; danger?: boolean }

export function choose(question: string, detail: string | null, choices: Choice[]): Promise<string | null> {
  return new Promise((resolve) => {
    const id = `ask-${Math.random().toString(36).slice(2)}`;
    const dialog = h('dialog', { class: 'ask-dialog', role: 'alertdialog', 'aria-labelledby': id, 'aria-modal': 'true' });
    let answer: string | null = null;
    const buttons = choices.map((c) => h('button', { type: 'button', class: c.danger ? 'danger' : null, onclick: () => { answer = c.value; dialog.close(); } }, c.label));
    dialog.addEventListener('close', () => { dialog.remove(); resolve(answer); });
    dialog.append(h('h2', { id }, question), detail ? h('p', {}, detail) : '', h('div', { class: 'ask-buttons' }, ...buttons));
    document.body.appendChild(dialog);
    dialog.showModal();
    buttons[0]?.focus();
  });
}

/** Yes or no; the safe answer is first, so Enter on the focused button never destroys anything. */
export async function ask(question: string, options: { detail?: string; yes: string; no: string; danger?: boolean }): Promise<boolean> {
  return await choose(question, options.detail ?? null, [{ value: 'no', label: options.no }, { value: 'yes', label: options.yes, danger: options.danger }]) === 'yes';
}
