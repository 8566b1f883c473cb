import { get } from '../api.js';
import { heading, setView } from '../frame.js';
import { state } from '../state.js';
import { timeline } from '../timeline.js';
import type { Tag } from '../types.js';
import { h, tagUsage } from '../ui.js';
import { tagFollowButton } from './followed-tags.js';

export function tagView(tag: string): void {
  const usage = h('p', { class: 'usage' });
  const follow = h('span', {});
  setView(`#${tag}`, heading(`#${tag}`, follow, usage), timeline({ url: `/api/v1/timelines/tag/${encodeURIComponent(tag)}`, stream: { name: 'hashtag', tag }, empty: `No posts with #${tag} yet.`, holdNew: true }));
  void get<Tag>(`/api/v1/tags/${encodeURIComponent(tag)}`).then((t) => {
    usage.textContent = tagUsage(t);
    if (state.me) follow.replaceWith(tagFollowButton(t.name, t.following ?? false));
  }).catch(() => {});
}
