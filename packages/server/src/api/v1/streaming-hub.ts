// The streaming hub: who listens to which stream, and what each hears. Transports (WebSocket and
// Server-Sent Events, streaming.ts) hand it clients; it delivers events to them.
//
// Streams (Mastodon's): user, user:notification, public, public:local, public:remote, their :media
// variants, hashtag, hashtag:local, list, direct. Every account is local, so public:remote hears
// nothing and :local is the same as its plain stream; the :media streams hear what has media
// attachments. Events: update, delete,
// status.update, notification, notifications_merged, filters_changed, conversation (direct).
//
// Where events come from: the domain publishes them after a write commits (domain/events.ts), and
// the relay (domain/event-relay.ts) hands this server's and the other app servers' to the hub. A
// status goes to a subscriber only if the timeline behind the stream would show it to that viewer
// (domain/delivery.ts), and not if one of the viewer's filters hides it there.
import type { AppContext } from '../../context.js';
import { conversationsOf, listsMatching, statusToDeliver, viewersMatching } from '../../domain/delivery.js';
import type { SharedEvent } from '../../domain/event-relay.js';
import type { FilterContext } from '../../domain/filters.js';
import { findNotification } from '../../domain/notifications.js';
import { scopeAllows } from '../../domain/scopes.js';
import { homeConditions, publicConditions, tagConditions, withMedia } from '../../domain/timelines.js';
import { liveTokenIds } from '../../domain/tokens.js';
import { getList } from '../../domain/lists.js';
import type { Auth } from '../auth.js';
import { HASHTAG, isId } from '../params.js';
import { renderConversations, renderNotifications, renderStatuses } from '../render.js';

/**
 * How often open streams' tokens are checked against the database: revocations are also relayed as
 * events, but a relayed event can be lost in a failover (NOTIFY is best effort), and a stream must not
 * outlive its token by more than this.
 */
const TOKEN_RECHECK_MS = 15_000;
export const MAX_SUBSCRIPTIONS = 50;

export const STREAMS = ['user', 'user:notification', 'public', 'public:local', 'public:remote', 'public:media', 'public:local:media', 'public:remote:media',
  'hashtag', 'hashtag:local', 'list', 'direct'] as const;
export type StreamName = (typeof STREAMS)[number];

/** One subscription: its Mastodon name (`["hashtag", "cats"]`, `["list", "12"]` on the wire) and a key for de-duplication. */
export interface Subscription { name: StreamName; tag?: string; list?: string; key: string }

/** A listener, whatever the transport: it sends one event, or closes. */
export interface Client {
  auth: Auth | null;
  subscriptions: Map<string, Subscription>;
  send(stream: string[], event: string, payload: string | undefined): void;
  close(code: number, reason: string): void;
}

export class StreamingError extends Error { constructor(readonly status: number, message: string) { super(message); } }

const wireName = (sub: Subscription) => (sub.tag ? [sub.name, sub.tag] : sub.list ? [sub.name, sub.list] : [sub.name]);
const isPublic = (s: Subscription) => s.name.startsWith('public');
const isMedia = (s: Subscription) => s.name.endsWith(':media');
const isRemote = (s: Subscription) => s.name.startsWith('public:remote');

/**
 * Checks a stream name, its parameters and the caller's right to it (Mastodon's scopes: read:statuses,
 * or read:notifications for user:notification; a list must be the caller's own); returns the subscription.
 */
export async function subscriptionFor(ctx: AppContext, auth: Auth | null, stream: unknown, params: { tag?: unknown; list?: unknown }): Promise<Subscription> {
  if (typeof stream !== 'string' || !(STREAMS as readonly string[]).includes(stream)) throw new StreamingError(400, 'Unknown stream type');
  const name = stream as StreamName;
  const personal = name === 'user' || name === 'user:notification' || name === 'list' || name === 'direct';
  if (personal && !auth?.accountId) throw new StreamingError(401, 'Missing access token');
  const scope = name === 'user:notification' ? 'read:notifications' : 'read:statuses';
  if (auth && !scopeAllows(auth.scopes, scope)) throw new StreamingError(403, 'Access token does not have the required scopes');
  if (name === 'hashtag' || name === 'hashtag:local') {
    if (typeof params.tag !== 'string' || !HASHTAG.test(params.tag)) throw new StreamingError(400, 'Missing or invalid tag name');
    const tag = params.tag.toLowerCase();
    return { name, tag, key: `${name}:${tag}` };
  }
  if (name === 'list') {
    const id = typeof params.list === 'number' ? String(params.list) : params.list;
    // Mastodon's answer for a list that is missing or someone else's.
    if (!isId(id)) throw new StreamingError(401, 'List not found');
    try { await getList(ctx.db, auth!.accountId!, id); } catch { throw new StreamingError(401, 'List not found'); }
    return { name, list: id, key: `list:${id}` };
  }
  return { name, key: name };
}

export class StreamHub {
  private readonly clients = new Set<Client>();
  private unsubscribe: (() => void) | undefined;
  private recheckTimer: NodeJS.Timeout | undefined;

  constructor(private readonly ctx: AppContext) {}

  start(): void {
    const recheck = () => { this.closeRevoked().catch((err) => this.ctx.logger.warn({ err }, 'could not re-check streaming tokens')); };
    // Revocations relayed while this server was reconnecting were lost: check every open stream now.
    this.unsubscribe = this.ctx.relay.subscribe({ onEvent: (message) => this.dispatch(message), onResubscribed: recheck });
    this.recheckTimer = setInterval(recheck, TOKEN_RECHECK_MS);
    this.recheckTimer.unref();
  }

  /** Closes streams whose token no longer works: those named, or (without names) those the database says are revoked. */
  private async closeRevoked(tokenIds?: Set<string>): Promise<void> {
    const open = [...this.clients].filter((c) => c.auth);
    if (open.length === 0) return;
    const revoked = tokenIds ?? await (async () => {
      const ids = [...new Set(open.map((c) => c.auth!.tokenId))];
      const live = await liveTokenIds(this.ctx.db, ids);
      return new Set(ids.filter((id) => !live.has(id)));
    })();
    for (const client of open) if (revoked.has(client.auth!.tokenId)) client.close(4001, 'access token revoked');
  }

  stop(): void {
    clearInterval(this.recheckTimer);
    this.unsubscribe?.();
    for (const client of this.clients) client.close(1001, 'server shutting down');
  }

  add(client: Client): void { this.clients.add(client); }
  remove(client: Client): void { this.clients.delete(client); }

  private dispatch(message: SharedEvent): void {
    if (this.clients.size === 0) return;
    let work: Promise<void>;
    switch (message.event) {
      case 'notification.created': work = this.deliverNotification(message.data); break;
      case 'notifications.merged': work = Promise.resolve(this.deliverToUser(message.data.accountId, 'notifications_merged', '1', true)); break;
      case 'filters.changed': work = Promise.resolve(this.deliverToUser(message.data.accountId, 'filters_changed', undefined, false)); break;
      case 'tokens.revoked': work = this.closeRevoked(new Set(message.data.tokenIds)); break;
      case 'status.deleted': work = Promise.resolve(this.deliverDelete(message.data.statusId)); break;
      default: work = this.deliverStatus(message.data.statusId, message.event === 'status.created' ? 'update' : 'status.update');
    }
    work.catch((err) => this.ctx.logger.error({ err, event: message.event }, 'streaming delivery failed'));
  }

  private send(client: Client, sub: Subscription, event: string, payload: string | undefined): void {
    client.send(wireName(sub), event, payload);
  }

  /**
   * An event about the account itself, on its `user` streams (and `user:notification` for
   * notification events, which need read:notifications, as notifications do).
   */
  private deliverToUser(accountId: string, event: string, payload: string | undefined, aboutNotifications: boolean): void {
    for (const client of this.clients) {
      if (client.auth?.accountId !== accountId) continue;
      if (aboutNotifications && !scopeAllows(client.auth.scopes, 'read:notifications')) continue;
      for (const sub of client.subscriptions.values()) {
        if (sub.name === 'user' || (aboutNotifications && sub.name === 'user:notification')) this.send(client, sub, event, payload);
      }
    }
  }

  private subscribers(accept: (s: Subscription) => boolean): Array<{ client: Client; sub: Subscription }> {
    return [...this.clients].flatMap((client) => [...client.subscriptions.values()].filter(accept).map((sub) => ({ client, sub })));
  }

  private async deliverStatus(statusId: string, event: 'update' | 'status.update'): Promise<void> {
    const found = await statusToDeliver(this.ctx.db, statusId);
    if (!found) return;
    const { status: row, tags } = found;
    const viewersOf = (accept: (s: Subscription) => boolean) => [...new Set(this.subscribers(accept).map(({ client }) => client.auth?.accountId ?? null))];
    const isTag = (s: Subscription) => s.name.startsWith('hashtag') && tags.has(s.tag!);
    const isPlainPublic = (s: Subscription) => isPublic(s) && !isRemote(s) && !isMedia(s);
    const isMediaPublic = (s: Subscription) => isPublic(s) && !isRemote(s) && isMedia(s);
    const lists = [...new Set(this.subscribers((s) => s.name === 'list').map(({ sub }) => sub.list!))];
    const [home, pub, media, tagged, listed] = await Promise.all([
      viewersMatching(this.ctx.db, statusId, viewersOf((s) => s.name === 'user'), homeConditions),
      viewersMatching(this.ctx.db, statusId, viewersOf(isPlainPublic), publicConditions),
      viewersMatching(this.ctx.db, statusId, viewersOf(isMediaPublic), (v) => [...publicConditions(v), withMedia()]),
      viewersMatching(this.ctx.db, statusId, viewersOf(isTag), tagConditions),
      listsMatching(this.ctx.db, statusId, lists),
    ]);
    // One serialization per viewer and filter context (their favourited/reblogged flags and filters
    // differ), shared by their streams; a status a filter hides there is not sent.
    const payloads = new Map<string, Promise<string | undefined>>();
    const payloadFor = (viewer: string | null, context: FilterContext) => {
      const key = `${viewer}:${context}`;
      let p = payloads.get(key);
      if (!p) payloads.set(key, p = renderStatuses(this.ctx, viewer, [row], context).then(([e]) => (e ? JSON.stringify(e) : undefined)));
      return p;
    };
    if (row.visibility === 'direct' && event === 'update') await this.deliverConversations(statusId);
    for (const { client, sub } of this.subscribers(() => true)) {
      const viewer = client.auth?.accountId ?? null;
      const wanted = sub.name === 'user' ? home.has(viewer)
        : isPlainPublic(sub) ? pub.has(viewer)
          : isMediaPublic(sub) ? media.has(viewer)
            : isTag(sub) ? tagged.has(viewer)
              : sub.name === 'list' ? listed.has(sub.list!) : false;
      if (!wanted) continue;
      const payload = await payloadFor(viewer, sub.name === 'user' || sub.name === 'list' ? 'home' : 'public');
      if (payload) this.send(client, sub, event, payload);
    }
  }

  /** A new private mention: each participant listening to `direct` hears of their conversation, as it now is. */
  private async deliverConversations(statusId: string): Promise<void> {
    const listening = this.subscribers((s) => s.name === 'direct');
    const viewers = [...new Set(listening.map(({ client }) => client.auth!.accountId!))];
    const conversations = await conversationsOf(this.ctx.db, statusId, viewers);
    for (const conversation of conversations) {
      const [entity] = await renderConversations(this.ctx, conversation.account_id, [conversation]);
      if (!entity) continue;
      const payload = JSON.stringify(entity);
      for (const { client, sub } of listening) if (client.auth!.accountId === conversation.account_id) this.send(client, sub, 'conversation', payload);
    }
  }

  /** A delete carries only the id, so every subscriber hears it and drops the status if shown. */
  private deliverDelete(statusId: string): void {
    for (const { client, sub } of this.subscribers((s) => s.name !== 'user:notification')) this.send(client, sub, 'delete', statusId);
  }

  private async deliverNotification(data: { notificationId: string; accountId: string }): Promise<void> {
    // A token without read:notifications hears no notifications, on `user` as on `user:notification`.
    const recipients = [...this.clients].filter((c) => c.auth?.accountId === data.accountId && scopeAllows(c.auth.scopes, 'read:notifications'));
    if (recipients.length === 0) return;
    const row = await findNotification(this.ctx.db, data.accountId, data.notificationId);
    if (!row || row.filtered) return;
    const [entity] = await renderNotifications(this.ctx, data.accountId, [row]);
    if (!entity) return; // about a status the recipient may no longer see, or one their filters hide
    const payload = JSON.stringify(entity);
    for (const client of recipients) {
      for (const sub of client.subscriptions.values()) {
        if (sub.name === 'user' || sub.name === 'user:notification') this.send(client, sub, 'notification', payload);
      }
    }
  }
}
