import { get } from '../api.js';
import { composer, onStatusCreated } from '../compose.js';
import { heading, main, setView } from '../frame.js';
import { onLeave, state } from '../state.js';
import { actions } from '../status-actions.js';
import type { Status } from '../types.js';
import { h, renderStatus } from '../ui.js';

export async function threadView(id: string): Promise<void> {
  const [status, context] = await Promise.all([get<Status>(`/api/v1/statuses/${id}`), get<{ ancestors: Status[]; descendants: Status[] }>(`/api/v1/statuses/${id}/context`)]);
  const focused = renderStatus(status, actions, { focused: true });
  const thread = h('div', { class: 'thread' },
    ...context.ancestors.map((s) => renderStatus(s, actions)),
    focused,
    ...context.descendants.map((s) => renderStatus(s, actions)));
  const inThread = new Set([status.id, ...context.descendants.map((s) => s.id)]);
  const replies = h('div', {});
  const replyBox = state.me ? composer({ replyTo: status }) : h('p', { class: 'lede' }, h('a', { href: '/sign_in' }, 'Sign in'), ' to reply.');
  onLeave(onStatusCreated((s) => {
    if (!s.in_reply_to_id || !inThread.has(s.in_reply_to_id)) return;
    inThread.add(s.id);
    replies.append(renderStatus(s, actions));
  }));
  // The open post deleted (here, or by its author elsewhere): say so instead of a thread without its post.
  const onRemoved = (e: Event) => {
    if ((e as CustomEvent<string>).detail !== status.id) return;
    setView('Post deleted', heading('Post'), h('p', { class: 'lede', role: 'status' }, 'This post was deleted. ', h('a', { href: '/' }, 'Go home')));
  };
  document.addEventListener('status-removed', onRemoved);
  onLeave(() => document.removeEventListener('status-removed', onRemoved));
  setView('Post', heading('Post'), thread, replies, replyBox);
  main.querySelector<HTMLElement>('article.focused')?.scrollIntoView({ block: 'center' });
}
