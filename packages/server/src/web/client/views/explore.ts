import { withQuery } from '../api.js';
import { heading, setView } from '../frame.js';
import { timeline } from '../timeline.js';
import { h } from '../ui.js';

export function exploreView(local: boolean): void {
  const tabs = h('nav', { class: 'tabs', 'aria-label': 'Timelines' },
    h('a', { href: '/public/local', 'aria-current': local ? 'page' : null }, 'This server'),
    h('a', { href: '/public', 'aria-current': local ? null : 'page' }, 'All'));
  setView('Explore', heading('Explore'), tabs, timeline({ url: withQuery('/api/v1/timelines/public', { local: local || null }), stream: { name: local ? 'public:local' : 'public' }, empty: 'Nothing posted yet.', holdNew: true }));
}
