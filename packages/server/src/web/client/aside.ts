import { get, withQuery } from './api.js';
import { navigate } from './navigation.js';
import type { Tag } from './types.js';
import { append, h, tagRow } from './ui.js';

/** The desktop side column: search, trending hashtags, what this place is, keyboard keys. */
export async function renderAside(): Promise<void> {
  const aside = document.getElementById('aside')!;
  const input = h('input', { type: 'search', id: 'aside-q', name: 'q', placeholder: 'Search', autocomplete: 'off' });
  const form = h('form', { role: 'search', class: 'search-form', action: '/search', 'aria-label': 'Quick search' }, h('label', { for: 'aside-q', class: 'visually-hidden' }, 'Search Firebreak'), input);
  form.addEventListener('submit', (e) => { e.preventDefault(); navigate(withQuery('/search', { q: input.value.trim() })); });
  const trends = h('section', { class: 'panel', 'aria-labelledby': 'trends-h' }, h('h2', { id: 'trends-h' }, 'Trending hashtags'));
  aside.replaceChildren(form, trends,
    h('section', { class: 'panel', 'aria-labelledby': 'about-h' }, h('h2', { id: 'about-h' }, 'About Firebreak'),
      h('p', {}, 'A microblog that stays up when a data center burns: every post is written to two data centers before it is acknowledged.'),
      h('p', { class: 'keys' }, 'Keys: ', h('kbd', {}, 'j'), ' ', h('kbd', {}, 'k'), ' move, ', h('kbd', {}, 'Enter'), ' opens, ', h('kbd', {}, 'n'), ' new post, ', h('kbd', {}, '?'), ' all of them')));
  const tags = await get<Tag[]>('/api/v1/trends/tags?limit=5').catch(() => []);
  append(trends, ...(tags.length ? tags.map(tagRow) : [h('p', { class: 'feed-status' }, 'Nothing trending yet.')]));
}
