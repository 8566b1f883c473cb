// The Mastodon streaming API over WebSocket: GET /api/v1/streaming?stream=user (or subscribe messages
// on an open socket). Streams: user, user:notification, public, public:local, hashtag, hashtag:local.
// Events: update, notification, delete, status.update; payloads are JSON strings, as Mastodon sends.
//
// Where events come from: the domain publishes ctx.events after a write commits (domain/events.ts).
// This server delivers them to its own sockets at once and relays them through PostgreSQL NOTIFY, so
// the other app servers on the same database deliver them to theirs (each skips its own relayed
// copies). A status is sent to a subscriber only if the timeline behind the stream would show it to
// that viewer (domain/delivery.ts).
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import websocket from '@fastify/websocket';
import type { WebSocket } from 'ws';
import type { AppContext } from '../../context.js';
import { ApiError, forbidden, unauthorized } from '../../errors.js';
import { statusToDeliver, viewersMatching } from '../../domain/delivery.js';
import type { DomainEvents } from '../../domain/events.js';
import type { FilterContext } from '../../domain/filters.js';
import { findNotification } from '../../domain/notifications.js';
import { liveTokenIds } from '../../domain/tokens.js';
import { scopeAllows } from '../../domain/scopes.js';
import { homeConditions, publicConditions, tagConditions } from '../../domain/timelines.js';
import { authenticate, readCookie, SESSION_COOKIE, type Auth } from '../auth.js';
import { HASHTAG } from '../params.js';
import { renderNotifications, renderStatuses } from '../render.js';

const CHANNEL = 'firebreak_events';
const HEARTBEAT_MS = 30_000;
const MAX_SUBSCRIPTIONS = 50;
const RELAY_DELAY_MS = 5;
const RELAY_MAX_BYTES = 7000;
/**
 * How often open sockets' tokens are checked against the database: revocations are also relayed as
 * events, but a relayed event can be lost in a failover (NOTIFY is best effort), and a socket must not
 * outlive its token by more than this.
 */
const TOKEN_RECHECK_MS = 15_000;
const STREAMS = ['user', 'user:notification', 'public', 'public:local', 'public:remote', 'hashtag', 'hashtag:local'] as const;
type StreamName = (typeof STREAMS)[number];

/** One subscription: its Mastodon name (`["hashtag", "cats"]` on the wire) and a key for de-duplication. */
interface Subscription { name: StreamName; tag?: string; key: string }

interface Client { socket: WebSocket; auth: Auth | null; subscriptions: Map<string, Subscription> }

type RelayedEvent = { [K in keyof DomainEvents]: { origin: string; event: K; data: DomainEvents[K][0] } }[keyof DomainEvents];

class StreamingError extends Error { constructor(readonly status: number, message: string) { super(message); } }

/** Checks a stream name and the caller's right to it; returns the subscription. */
function subscriptionFor(auth: Auth | null, stream: unknown, tag: unknown): Subscription {
  if (typeof stream !== 'string' || !(STREAMS as readonly string[]).includes(stream)) throw new StreamingError(400, 'Unknown stream type');
  const name = stream as StreamName;
  if (name === 'user' || name === 'user:notification') {
    if (!auth?.accountId) throw new StreamingError(401, 'Missing access token');
    const scope = name === 'user' ? 'read:statuses' : 'read:notifications';
    if (!scopeAllows(auth.scopes, scope)) throw new StreamingError(403, 'Access token does not have the required scopes');
    return { name, key: name };
  }
  if (auth && !scopeAllows(auth.scopes, 'read:statuses')) throw new StreamingError(403, 'Access token does not have the required scopes');
  if (name === 'hashtag' || name === 'hashtag:local') {
    if (typeof tag !== 'string' || !HASHTAG.test(tag)) throw new StreamingError(400, 'Missing or invalid tag name');
    return { name, tag: tag.toLowerCase(), key: `${name}:${tag.toLowerCase()}` };
  }
  return { name, key: name };
}

class StreamHub {
  private readonly clients = new Set<Client>();
  private readonly origin = randomUUID();
  private stopListening: (() => Promise<void>) | undefined;
  private readonly detach: Array<() => void> = [];
  private pending: string[] = [];
  private pendingBytes = 0;
  private relayTimer: NodeJS.Timeout | undefined;
  private recheckTimer: NodeJS.Timeout | undefined;

  constructor(private readonly ctx: AppContext) {}

  async start(): Promise<void> {
    for (const event of ['status.created', 'status.deleted', 'status.updated', 'notification.created', 'notifications.merged', 'filters.changed', 'tokens.revoked'] as const) {
      // The listener is generic over the event names.
      const onLocal = (data: any) => {
        const message = { origin: this.origin, event, data } as RelayedEvent;
        this.dispatch(message);
        this.relay(message);
      };
      this.ctx.events.on(event, onLocal);
      this.detach.push(() => this.ctx.events.off(event, onLocal));
    }
    this.stopListening = await this.ctx.db.listen(CHANNEL, (payload) => {
      let messages: RelayedEvent[];
      try { messages = [JSON.parse(payload) as RelayedEvent | RelayedEvent[]].flat(); } catch { return; }
      for (const message of messages) if (message.origin !== this.origin) this.dispatch(message);
    });
    this.recheckTimer = setInterval(() => { this.closeRevoked().catch((err) => this.ctx.logger.warn({ err }, 'could not re-check streaming tokens')); }, TOKEN_RECHECK_MS);
    this.recheckTimer.unref();
  }

  /** Closes sockets whose token no longer works: those named, or (without names) those the database says are revoked. */
  private async closeRevoked(tokenIds?: Set<string>): Promise<void> {
    const open = [...this.clients].filter((c) => c.auth);
    if (open.length === 0) return;
    const revoked = tokenIds ?? await (async () => {
      const ids = [...new Set(open.map((c) => c.auth!.tokenId))];
      const live = await liveTokenIds(this.ctx.db, ids);
      return new Set(ids.filter((id) => !live.has(id)));
    })();
    for (const client of open) if (revoked.has(client.auth!.tokenId)) client.socket.close(4001, 'access token revoked');
  }

  /**
   * Relays events to the other servers, batched: every NOTIFY is a round trip and a commit that takes
   * PostgreSQL's global notify lock, one or two per post otherwise. Events wait at most RELAY_DELAY_MS
   * and go as one JSON array, a NOTIFY per RELAY_MAX_BYTES (PostgreSQL's payload limit is 8000 bytes).
   */
  private relay(message: RelayedEvent): void {
    const text = JSON.stringify(message);
    if (this.pendingBytes + text.length + 1 > RELAY_MAX_BYTES) this.flushRelay();
    this.pending.push(text);
    this.pendingBytes += text.length + 1;
    this.relayTimer ??= setTimeout(() => this.flushRelay(), RELAY_DELAY_MS);
  }

  private flushRelay(): void {
    clearTimeout(this.relayTimer);
    this.relayTimer = undefined;
    if (this.pending.length === 0) return;
    const payload = `[${this.pending.join(',')}]`;
    this.pending = [];
    this.pendingBytes = 0;
    this.ctx.db.notify(CHANNEL, payload).catch((err) => this.ctx.logger.warn({ err }, 'could not relay streaming events to other servers'));
  }

  async stop(): Promise<void> {
    clearInterval(this.recheckTimer);
    for (const off of this.detach) off();
    this.flushRelay();
    for (const client of this.clients) client.socket.close(1001, 'server shutting down');
    await this.stopListening?.().catch(() => {});
  }

  add(client: Client): void { this.clients.add(client); }
  remove(client: Client): void { this.clients.delete(client); }

  private dispatch(message: RelayedEvent): void {
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
    if (client.socket.readyState !== client.socket.OPEN) return;
    client.socket.send(JSON.stringify({ stream: sub.tag ? [sub.name, sub.tag] : [sub.name], event, ...(payload === undefined ? {} : { payload }) }));
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

  private async deliverStatus(statusId: string, event: 'update' | 'status.update'): Promise<void> {
    const found = await statusToDeliver(this.ctx.db, statusId);
    if (!found) return;
    const { status: row, tags } = found;
    const viewersOf = (accept: (s: Subscription) => boolean) => [...new Set([...this.clients]
      .filter((c) => [...c.subscriptions.values()].some(accept)).map((c) => c.auth?.accountId ?? null))];
    const isPublic = (s: Subscription) => s.name.startsWith('public');
    const isTag = (s: Subscription) => s.name.startsWith('hashtag') && tags.has(s.tag!);
    const [home, pub, tagged] = await Promise.all([
      viewersMatching(this.ctx.db, statusId, viewersOf((s) => s.name === 'user'), homeConditions),
      viewersMatching(this.ctx.db, statusId, viewersOf(isPublic), publicConditions),
      viewersMatching(this.ctx.db, statusId, viewersOf(isTag), tagConditions),
    ]);
    // One serialization per viewer and filter context (their favourited/reblogged flags and filters
    // differ), shared by their sockets; a status a filter hides there is not sent.
    const payloads = new Map<string, Promise<string | undefined>>();
    const payloadFor = (viewer: string | null, context: FilterContext) => {
      const key = `${viewer}:${context}`;
      let p = payloads.get(key);
      if (!p) payloads.set(key, p = renderStatuses(this.ctx, viewer, [row], context).then(([e]) => (e ? JSON.stringify(e) : undefined)));
      return p;
    };
    for (const client of this.clients) {
      const viewer = client.auth?.accountId ?? null;
      for (const sub of client.subscriptions.values()) {
        const wanted = sub.name === 'user' ? home.has(viewer) : isPublic(sub) ? pub.has(viewer) : isTag(sub) ? tagged.has(viewer) : false;
        if (!wanted) continue;
        const payload = await payloadFor(viewer, sub.name === 'user' ? 'home' : 'public');
        if (payload) this.send(client, sub, event, payload);
      }
    }
  }

  /** A delete carries only the id, so every subscriber hears it and drops the status if shown. */
  private deliverDelete(statusId: string): void {
    for (const client of this.clients) {
      for (const sub of client.subscriptions.values()) {
        if (sub.name !== 'user:notification') this.send(client, sub, 'delete', statusId);
      }
    }
  }

  private async deliverNotification(data: { notificationId: string; accountId: string }): Promise<void> {
    // A token without read:notifications hears no notifications, on `user` as on `user:notification`.
    const recipients = [...this.clients].filter((c) => c.auth?.accountId === data.accountId && scopeAllows(c.auth.scopes, 'read:notifications'));
    if (recipients.length === 0) return;
    const row = await findNotification(this.ctx.db, data.accountId, data.notificationId);
    if (!row || row.filtered) return;
    const [entity] = await renderNotifications(this.ctx, data.accountId, [row]);
    if (!entity) return; // about a status the recipient may no longer see
    const payload = JSON.stringify(entity);
    for (const client of recipients) {
      for (const sub of client.subscriptions.values()) {
        if (sub.name === 'user' || sub.name === 'user:notification') this.send(client, sub, 'notification', payload);
      }
    }
  }
}

/** The access token may also come as the WebSocket subprotocol, as Mastodon allows. */
function protocolToken(request: FastifyRequest): string | undefined {
  const header = request.headers['sec-websocket-protocol'];
  const first = typeof header === 'string' ? header.split(',')[0]!.trim() : '';
  return first || undefined;
}

/**
 * The web UI authenticates the socket with its session cookie. A WebSocket handshake carries no
 * custom header, so the CSRF token comes as a query parameter, and the Origin must be ours
 * (cross-site WebSocket hijacking).
 */
function webSessionCsrf(request: FastifyRequest): string | undefined {
  if (!readCookie(request, SESSION_COOKIE)) return undefined;
  const csrf = (request.query as Record<string, unknown>).csrf_token;
  let originHost: string | undefined;
  try { originHost = new URL(request.headers.origin ?? '').host; } catch { originHost = undefined; }
  return typeof csrf === 'string' && originHost === request.headers.host ? csrf : undefined;
}

declare module 'fastify' {
  interface FastifyRequest { streamingAuth?: { auth: Auth | null; initial: Subscription | null } }
}

export default async function streaming(app: FastifyInstance, ctx: AppContext) {
  const hub = new StreamHub(ctx);
  await hub.start();
  app.addHook('onClose', async () => { await hub.stop(); });
  await app.register(websocket, {
    options: {
      maxPayload: 4096,
      // Echo the subprotocol the client offered (it may be the access token); browsers require it.
      handleProtocols: (protocols) => protocols.values().next().value ?? false,
    },
  });

  app.get('/api/v1/streaming/health', async (_request, reply) => reply.type('text/plain').send('OK'));

  app.route({
    method: 'GET',
    url: '/api/v1/streaming',
    config: { queryToken: true },
    // Authentication and the first stream are checked before the upgrade, so failures are plain
    // HTTP answers (401, 403, 400) that any client can read.
    preValidation: async (request) => {
      const q = request.query as Record<string, unknown>;
      const token = protocolToken(request);
      const auth = await authenticate(ctx, request, { token, csrfToken: token ? undefined : webSessionCsrf(request) });
      let initial: Subscription | null = null;
      try {
        if (q.stream !== undefined) initial = subscriptionFor(auth, q.stream, q.tag);
      } catch (err) {
        const e = err as StreamingError;
        throw e.status === 401 ? unauthorized(e.message) : e.status === 403 ? forbidden(e.message) : new ApiError('bad_request', e.message);
      }
      request.streamingAuth = { auth, initial };
    },
    handler: async (_request, reply) => reply.code(400).send({ error: 'This endpoint needs a WebSocket upgrade' }),
    wsHandler: (socket, request) => {
      // The admission slot (src/overload) covered the handshake: authentication, the first stream.
      // An open socket does no work until an event comes, so it must not keep the slot: otherwise a
      // dozen open pages would fill the concurrency limit and every other request would be shed.
      request.overloadSlot?.release();
      request.overloadSlot = null;
      const { auth, initial } = request.streamingAuth!;
      const client: Client = { socket, auth, subscriptions: new Map() };
      if (initial) client.subscriptions.set(initial.key, initial);
      hub.add(client);
      let alive = true;
      socket.on('pong', () => { alive = true; });
      // Proxies drop idle connections; a ping every 30 s keeps the socket open and finds dead peers.
      const heartbeat = setInterval(() => {
        if (!alive) { socket.terminate(); return; }
        alive = false;
        socket.ping();
      }, HEARTBEAT_MS);
      socket.on('close', () => { clearInterval(heartbeat); hub.remove(client); });
      socket.on('error', () => socket.terminate());
      socket.on('message', (raw) => {
        let message: { type?: unknown; stream?: unknown; tag?: unknown };
        try { message = JSON.parse(String(raw)); } catch { socket.send(JSON.stringify({ error: 'Invalid JSON', status: 400 })); return; }
        try {
          const sub = subscriptionFor(auth, message.stream, message.tag);
          if (message.type === 'subscribe') {
            if (client.subscriptions.size >= MAX_SUBSCRIPTIONS) throw new StreamingError(400, 'Too many subscriptions');
            client.subscriptions.set(sub.key, sub);
          } else if (message.type === 'unsubscribe') client.subscriptions.delete(sub.key);
          else throw new StreamingError(400, 'Unknown message type');
        } catch (err) {
          const e = err as StreamingError;
          socket.send(JSON.stringify({ error: e.message, status: e.status ?? 400 }));
        }
      });
    },
  });
}
