// Direct messages (Mastodon's /api/v1/conversations): one row per conversation, newest first, with
// whom and the latest message; unread ones stand out until opened. New messages arrive live (the
// `direct` stream's conversation events); a new message is a post to "mentioned people only".
import { post } from '../api.js';
import { openComposer } from '../compose.js';
import { heading, setView } from '../frame.js';
import { navigate } from '../navigation.js';
import { pagedList } from '../paged-list.js';
import { onLeave } from '../state.js';
import { subscribe } from '../stream.js';
import type { Conversation } from '../types.js';
import { avatar, displayName, h, plainText, statusPath, timeAgo } from '../ui.js';

function conversationItem(c: Conversation): HTMLElement {
  const names = c.accounts.map(displayName).join(', ');
  const last = c.last_status;
  const item = h('article', { class: `conversation${c.unread ? ' unread' : ''}`, 'data-id': c.id, tabindex: 0, 'aria-label': `${c.unread ? 'Unread: ' : ''}conversation with ${names}` },
    h('div', { class: 'group-avatars', 'aria-hidden': 'true' }, ...c.accounts.slice(0, 4).map((a) => avatar(a, 32))),
    h('p', {}, h('bdi', { class: 'name' }, names), last ? h('span', { class: 'acct' }, ` · ${timeAgo(last.created_at)}`) : null),
    last ? h('p', { class: 'excerpt' }, plainText(last.content).slice(0, 160)) : null);
  const open = () => {
    if (c.unread) void post(`/api/v1/conversations/${c.id}/read`).catch(() => {});
    if (last) navigate(statusPath(last));
  };
  item.addEventListener('click', open);
  item.addEventListener('keydown', (e) => { if (e.key === 'Enter') open(); });
  return item;
}

export function conversationsView(): void {
  const list = pagedList<Conversation>({ url: '/api/v1/conversations', render: conversationItem, empty: 'No messages yet. A post to mentioned people only starts one.', label: 'Direct messages' });
  onLeave(subscribe('direct', undefined, (e) => {
    if (e.event !== 'conversation') return;
    const c = JSON.parse(e.payload) as Conversation;
    list.feed.querySelector(`[data-id="${CSS.escape(c.id)}"]`)?.remove();
    list.feed.prepend(conversationItem(c));
  }));
  const write = h('button', { type: 'button', class: 'primary' }, 'New message');
  write.addEventListener('click', () => openComposer({ visibility: 'direct' }));
  setView('Messages', heading('Messages', write), list.container);
}
