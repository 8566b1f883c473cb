// Direct messages: /api/v1/conversations, newest first, each with its people and its last post;
// a new message is a post to "mentioned people only".
import { post } from '../api.js';
import { openComposer } from '../compose.js';
import { heading, setView } from '../frame.js';
import { pagedList } from '../paged-list.js';
import { state } from '../state.js';
import { actions } from '../status-actions.js';
import type { Conversation } from '../types.js';
import { displayName, h, renderStatus } from '../ui.js';

function conversationItem(c: Conversation): HTMLElement {
  const others = c.accounts.filter((a) => a.id !== state.me?.id);
  const who = others.length ? others.map((a) => displayName(a)).join(', ') : 'Only you';
  if (!c.last_status) return h('article', { class: 'notification', tabindex: 0 }, h('p', {}, who));
  const article = renderStatus(c.last_status, actions, { context: [h('span', { class: c.unread ? 'unread' : '' }, `${c.unread ? 'New · ' : ''}With ${who}`)] });
  if (c.unread) article.addEventListener('click', () => void post(`/api/v1/conversations/${c.id}/read`).catch(() => {}), { once: true });
  return article;
}

export function conversationsView(): void {
  const list = pagedList<Conversation>({ url: '/api/v1/conversations', render: conversationItem, empty: 'No messages yet. A post to mentioned people only starts one.', label: 'Conversations' });
  const write = h('button', { type: 'button', class: 'primary' }, 'New message');
  write.addEventListener('click', () => openComposer({ visibility: 'direct' }));
  setView('Messages', heading('Messages', write), list.container);
}
