import { get } from '../api.js';
import { composer, onStatusCreated } from '../compose.js';
import { heading, main, setView } from '../frame.js';
import { onLeave, state } from '../state.js';
import { actions } from '../status-actions.js';
import type { Status } from '../types.js';
import { h, renderStatus } from '../ui.js';

export async function threadView(id: string): Promise<void> {
  const [status, context] = await Promise.all([get<Status>(`/api/v1/statuses/${id}`), get<{ ancestors: Status[]; descendants: Status[] }>(`/api/v1/statuses/${id}/context`)]);
  const thread = h('div', { class: 'thread' },
    ...context.ancestors.map((s) => renderStatus(s, actions)),
    renderStatus(status, actions, { focused: true }),
    ...context.descendants.map((s) => renderStatus(s, actions)));
  const replies = h('div', {});
  const replyBox = state.me ? composer({ replyTo: status }) : null;
  const onCreated = (s: Status) => { if (s.in_reply_to_id) replies.append(renderStatus(s, actions)); };
  onLeave(onStatusCreated(onCreated));
  setView('Post', heading('Post'), thread, replies, replyBox ?? h('p', {}, h('a', { href: '/sign_in' }, 'Sign in'), ' to reply.'));
  main.querySelector<HTMLElement>('article.focused')?.scrollIntoView({ block: 'center' });
}
