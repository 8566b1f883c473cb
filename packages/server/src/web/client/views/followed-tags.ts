// Hashtags one follows (their public posts come into Home), and the button that follows one.
import { post } from '../api.js';
import { heading, setView } from '../frame.js';
import { pagedList } from '../paged-list.js';
import { toast } from '../toast.js';
import type { Tag } from '../types.js';
import { h, tagRow } from '../ui.js';

/** Follow / Unfollow for a hashtag, answering in place. */
export function tagFollowButton(name: string, following: boolean): HTMLButtonElement {
  let on = following;
  const b = h('button', { type: 'button' });
  const show = () => { b.textContent = on ? 'Unfollow' : 'Follow'; b.className = on ? '' : 'primary'; b.setAttribute('aria-pressed', String(on)); };
  b.addEventListener('click', async () => {
    b.disabled = true;
    try {
      on = (await post<Tag>(`/api/v1/tags/${encodeURIComponent(name)}/${on ? 'unfollow' : 'follow'}`)).following ?? !on;
      show();
    } catch (err) { toast((err as Error).message); } finally { b.disabled = false; }
  });
  show();
  return b;
}

export function followedTagsView(): void {
  const list = pagedList<Tag & { id: string }>({
    url: '/api/v1/followed_tags', label: 'Followed hashtags', empty: 'You follow no hashtags yet. Follow one from its page.',
    render: (t) => { const row = tagRow(t); row.append(tagFollowButton(t.name, true)); return row; },
  });
  setView('Followed hashtags', heading('Followed hashtags'), list.container);
}
