// What this server is and its rules (GET /api/v2/instance), the page configuration.urls.about names.
import { get } from '../api.js';
import { heading, setView } from '../frame.js';
import { h } from '../ui.js';

interface Instance { description: string; contact: { email: string }; rules: Array<{ id: string; text: string; hint: string }> }

export async function aboutView(): Promise<void> {
  const instance = await get<Instance>('/api/v2/instance');
  const rules = instance.rules.length
    ? h('ol', { class: 'rules' }, ...instance.rules.map((r) => h('li', {}, r.text, r.hint ? h('p', { class: 'usage' }, r.hint) : null)))
    : h('p', { class: 'feed-status' }, 'This server has set no rules beyond its terms of sign-up.');
  setView('About', heading('About this server'), h('p', { class: 'lede' }, instance.description),
    h('h2', {}, 'Rules'), rules, h('p', { class: 'lede' }, 'Contact: ', h('a', { href: `mailto:${instance.contact.email}` }, instance.contact.email)));
}
