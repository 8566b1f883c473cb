// Filters: words and posts one would rather not see, where (home and lists, notifications, public
// timelines, threads, profiles), and how: behind a warning, with media blurred, or not at all.
import { get, post, request } from '../api.js';
import { heading, setView } from '../frame.js';
import { toast } from '../toast.js';
import { append, field, h } from '../ui.js';

interface Keyword { id: string; keyword: string; whole_word: boolean }
interface Filter { id: string; title: string; context: string[]; filter_action: 'warn' | 'hide' | 'blur'; expires_at: string | null; keywords: Keyword[] }

const CONTEXTS: Array<[string, string]> = [['home', 'Home and lists'], ['notifications', 'Notifications'], ['public', 'Public timelines'], ['thread', 'Conversations'], ['account', 'Profiles']];
const ACTIONS: Array<[Filter['filter_action'], string]> = [['warn', 'Hide behind a warning'], ['blur', 'Blur media only'], ['hide', 'Hide completely']];
const EXPIRY: Array<[string, string]> = [['', 'Never'], ['1800', '30 minutes'], ['3600', '1 hour'], ['86400', '1 day'], ['604800', '1 week']];

function filterForm(existing: Filter | undefined, done: () => void): HTMLFormElement {
  const prefix = existing ? `f-${existing.id}` : 'f-new';
  const title = h('input', { name: 'title', required: true, maxlength: 256, value: existing?.title ?? '' });
  const keywords = h('input', { name: 'keywords', value: existing?.keywords.map((k) => k.keyword).join(', ') ?? '', placeholder: 'spoiler, ending' });
  const whole = h('input', { type: 'checkbox', id: `${prefix}-whole`, checked: existing ? existing.keywords.every((k) => k.whole_word) : true });
  const action = h('select', { name: 'filter_action' }, ...ACTIONS.map(([v, label]) => h('option', { value: v, selected: (existing?.filter_action ?? 'warn') === v }, label)));
  const expiry = h('select', { name: 'expires_in' }, ...EXPIRY.map(([v, label]) => h('option', { value: v, selected: v === '' }, label)));
  const contexts = CONTEXTS.map(([v, label]) => h('div', { class: 'field check' },
    h('input', { type: 'checkbox', id: `${prefix}-${v}`, name: 'context', value: v, checked: existing ? existing.context.includes(v) : v === 'home' || v === 'public' }),
    h('label', { for: `${prefix}-${v}` }, label)));
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'settings-form', 'aria-label': existing ? `Edit filter ${existing.title}` : 'New filter' },
    field(`${prefix}-title`, 'Title', title), field(`${prefix}-keywords`, 'Words (separated by commas)', keywords),
    h('div', { class: 'field check' }, whole, h('label', { for: `${prefix}-whole` }, 'Whole words only')),
    h('fieldset', {}, h('legend', {}, 'Filter in'), ...contexts),
    field(`${prefix}-action`, 'Filtered posts are', action), field(`${prefix}-expiry`, 'Expires after', expiry),
    h('button', { type: 'submit', class: 'primary' }, existing ? 'Save filter' : 'Add filter'), error);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const words = [...new Set(keywords.value.split(',').map((w) => w.trim()).filter(Boolean))];
    // Editing: the old keywords go, the ones listed now are the filter's keywords.
    const keywordsAttributes = [
      ...(existing?.keywords ?? []).map((k) => ({ id: k.id, _destroy: true })),
      ...words.map((keyword) => ({ keyword, whole_word: whole.checked })),
    ];
    const body = {
      title: title.value, context: contexts.map((c) => c.querySelector('input')!).filter((i) => i.checked).map((i) => i.value),
      filter_action: action.value, expires_in: expiry.value || null, keywords_attributes: keywordsAttributes,
    };
    try {
      if (existing) await request('PUT', `/api/v2/filters/${existing.id}`, body);
      else await post('/api/v2/filters', body);
      done();
    } catch (err) { error.textContent = (err as Error).message; }
  });
  return form;
}

function filterItem(f: Filter, reload: () => void): HTMLElement {
  const edit = h('details', {}, h('summary', {}, 'Edit'), filterForm(f, reload));
  const remove = h('button', { type: 'button', class: 'danger' }, 'Delete');
  remove.addEventListener('click', async () => {
    if (!confirm(`Delete the filter "${f.title}"?`)) return;
    try { await request('DELETE', `/api/v2/filters/${f.id}`); reload(); } catch (err) { toast((err as Error).message); }
  });
  const action = ACTIONS.find(([v]) => v === f.filter_action)?.[1] ?? f.filter_action;
  const where = f.context.map((c) => CONTEXTS.find(([v]) => v === c)?.[1] ?? c).join(', ');
  const item = h('article', { class: 'filter', 'data-id': f.id },
    h('h2', {}, f.title),
    h('p', { class: 'usage' }, f.keywords.map((k) => k.keyword).join(', ') || 'No words'),
    h('p', { class: 'usage' }, `${action} · ${where}${f.expires_at ? ` · until ${new Date(f.expires_at).toLocaleString()}` : ''}`));
  append(item, h('div', { class: 'session-actions' }, remove), edit);
  return item;
}

export async function filtersView(): Promise<void> {
  const filters = await get<Filter[]>('/api/v2/filters');
  const reload = () => void filtersView();
  setView('Filters', heading('Filters'),
    ...(filters.length ? filters.map((f) => filterItem(f, reload)) : [h('p', { class: 'feed-status' }, 'No filters yet.')]),
    h('h2', {}, 'New filter'), filterForm(undefined, reload));
}
