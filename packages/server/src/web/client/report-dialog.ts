// "Report": a dialog to tell the moderators about an account, and about one of its posts when it is
// opened from the post (POST /api/v1/reports). The server's rules are offered when it has any.
import { get, post } from './api.js';
import { toast } from './toast.js';
import type { Account, Rule, Status } from './types.js';
import { append, displayName, field, h } from './ui.js';

let rules: Promise<Rule[]> | null = null;

export async function openReportDialog(account: Account, status?: Status): Promise<void> {
  rules ??= get<Rule[]>('/api/v1/instance/rules').catch(() => { rules = null; return []; });
  const serverRules = await rules;
  const dialog = h('dialog', { class: 'compose-dialog report-dialog', 'aria-labelledby': 'report-title' });
  const close = () => { dialog.close(); dialog.remove(); };
  const categories: Array<[string, string]> = [
    ['spam', 'It is spam'], ['legal', 'It is illegal'], ...(serverRules.length ? [['violation', 'It breaks the server\'s rules'] as [string, string]] : []), ['other', 'Something else'],
  ];
  const radios = categories.map(([value, label], i) => h('div', { class: 'field check' },
    h('input', { type: 'radio', name: 'category', id: `report-cat-${value}`, value, checked: i === 0 }), h('label', { for: `report-cat-${value}` }, label)));
  const ruleBoxes = serverRules.map((r) => h('div', { class: 'field check' },
    h('input', { type: 'checkbox', name: 'rule', id: `report-rule-${r.id}`, value: r.id }), h('label', { for: `report-rule-${r.id}` }, r.text)));
  const rulesBox = h('fieldset', { class: 'report-rules', hidden: true }, h('legend', {}, 'Which rules?'), ...ruleBoxes);
  const comment = h('textarea', { name: 'comment', rows: 3, maxlength: 1000 });
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'settings-form' },
    h('h2', { id: 'report-title' }, status ? `Report a post by ${displayName(account)}` : `Report ${displayName(account)}`),
    h('fieldset', {}, h('legend', {}, 'What is wrong?'), ...radios), rulesBox,
    field('report-comment', 'Anything the moderators should know (optional)', comment),
    h('button', { type: 'submit', class: 'primary' }, 'Send report'), error);
  form.addEventListener('change', () => {
    rulesBox.hidden = (form.querySelector<HTMLInputElement>('input[name=category]:checked')?.value ?? '') !== 'violation';
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const category = form.querySelector<HTMLInputElement>('input[name=category]:checked')?.value ?? 'other';
    const ruleIds = category === 'violation' ? [...form.querySelectorAll<HTMLInputElement>('input[name=rule]:checked')].map((b) => b.value) : [];
    form.setAttribute('aria-busy', 'true');
    try {
      await post('/api/v1/reports', { account_id: account.id, status_ids: status ? [status.id] : [], category, rule_ids: ruleIds, comment: comment.value });
      close();
      toast('Report sent to the moderators');
    } catch (err) {
      error.textContent = (err as Error).message;
      form.removeAttribute('aria-busy');
    }
  });
  append(dialog, h('button', { type: 'button', class: 'ghost close', 'aria-label': 'Close', onclick: close }, '×'), form);
  dialog.addEventListener('close', () => dialog.remove());
  document.body.appendChild(dialog);
  dialog.showModal();
  radios[0]!.querySelector('input')!.focus();
}
