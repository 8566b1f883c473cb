// What happened, published by the domain once a write has committed (DESIGN §6): the streaming API
// listens here, and so may any other reader of changes. Routes never publish: any caller of a domain
// write gets its events, and a rolled-back write publishes nothing.
import { EventEmitter } from 'node:events';
import type { Tx } from '../db/index.js';

export interface DomainEvents {
  'status.created': [{ statusId: string; accountId: string }];
  'status.deleted': [{ statusId: string; accountId: string }];
  'status.updated': [{ statusId: string; accountId: string }];
  /** An upload waits for processing: this server's processing loop wakes at once (others poll). */
  'media.queued': [{ mediaId: string }];
  'notification.created': [{ notificationId: string; accountId: string }];
  /** Accepted notification requests were merged into the account's notifications. */
  'notifications.merged': [{ accountId: string }];
  /** The account's filters changed (streams say `filters_changed`). */
  'filters.changed': [{ accountId: string }];
  /** Tokens that stopped working: their open streams are closed on every server. */
  'tokens.revoked': [{ tokenIds: string[] }];
}

export class AppEvents extends EventEmitter<DomainEvents> {}

export type EventName = keyof DomainEvents;

/** Publishes `event` when `tx` commits. */
export function publish<K extends EventName>(events: AppEvents, tx: Tx, event: K, ...data: DomainEvents[K]): void {
  const emit = events.emit.bind(events) as (event: K, ...args: DomainEvents[K]) => boolean;
  tx.afterCommit(() => { emit(event, ...data); });
}

/** A notification just recorded; a filtered one (held back by its recipient's policy) is not announced. */
export interface NotificationRef { id: string; accountId: string; filtered?: boolean }

/** Publishes each new notification to its recipient when `tx` commits. */
export function publishNotifications(events: AppEvents, tx: Tx, notifications: Iterable<NotificationRef | undefined>): void {
  for (const n of notifications) if (n && !n.filtered) publish(events, tx, 'notification.created', { notificationId: n.id, accountId: n.accountId });
}
