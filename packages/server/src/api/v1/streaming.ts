// The Mastodon streaming API, over WebSocket (GET /api/v1/streaming?stream=user, or subscribe
// messages on an open socket) and over Server-Sent Events (GET /api/v1/streaming/user,
// /user/notification, /public[/local|/remote][?only_media=true], /hashtag[/local]?tag=,
// /list?list=, /direct), plus GET /api/v1/streaming/health. Which streams there are and what each
// hears: streaming-hub.ts. Authentication and the stream are checked before a stream opens, so
// failures are plain HTTP answers (401, 403, 400) any client can read.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import websocket from '@fastify/websocket';
import type { WebSocket } from 'ws';
import type { AppContext } from '../../context.js';
import { ApiError, forbidden, unauthorized } from '../../errors.js';
import { authenticate, readCookie, SESSION_COOKIE, type Auth } from '../auth.js';
import { flag } from '../params.js';
import { MAX_SUBSCRIPTIONS, StreamHub, StreamingError, subscriptionFor, type Client, type StreamName, type Subscription } from './streaming-hub.js';

const HEARTBEAT_MS = 30_000;
/** SSE connections get a comment this often, so proxies and the server's idle timeout keep them open. */
const SSE_HEARTBEAT_MS = 15_000;

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

/** A streaming error as the HTTP answer to the request that asked for the stream. */
function httpError(err: unknown): never {
  if (!(err instanceof StreamingError)) throw err;
  throw err.status === 401 ? unauthorized(err.message) : err.status === 403 ? forbidden(err.message) : new ApiError('bad_request', err.message);
}

/** SSE paths and the stream each names (Mastodon's channelNameFromPath); only_media picks the :media variant. */
const SSE_PATHS: Array<[string, StreamName, StreamName?]> = [
  ['/api/v1/streaming/user', 'user'],
  ['/api/v1/streaming/user/notification', 'user:notification'],
  ['/api/v1/streaming/public', 'public', 'public:media'],
  ['/api/v1/streaming/public/local', 'public:local', 'public:local:media'],
  ['/api/v1/streaming/public/remote', 'public:remote', 'public:remote:media'],
  ['/api/v1/streaming/hashtag', 'hashtag'],
  ['/api/v1/streaming/hashtag/local', 'hashtag:local'],
  ['/api/v1/streaming/list', 'list'],
  ['/api/v1/streaming/direct', 'direct'],
];

declare module 'fastify' {
  interface FastifyRequest { streamingAuth?: { auth: Auth | null; initial: Subscription | null } }
}

/**
 * An open stream does no work until an event comes, so it must not keep its admission slot
 * (src/overload): otherwise a dozen open pages would fill the concurrency limit and every other
 * request would be shed.
 */
function releaseSlot(request: FastifyRequest): void {
  request.overloadSlot?.release();
  request.overloadSlot = null;
}

function openEventStream(hub: StreamHub, request: FastifyRequest, reply: FastifyReply, auth: Auth | null, sub: Subscription): void {
  releaseSlot(request);
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no', connection: 'keep-alive' });
  res.write(':)\n\n');
  const client: Client = {
    auth,
    subscriptions: new Map([[sub.key, sub]]),
    // Over SSE the payload is sent as it is (a JSON document, or an id), not as a JSON string.
    send: (_stream, event, payload) => { if (!res.writableEnded) res.write(`event: ${event}\ndata: ${payload ?? 'undefined'}\n\n`); },
    close: () => res.end(),
  };
  hub.add(client);
  const heartbeat = setInterval(() => res.write(':thump\n\n'), SSE_HEARTBEAT_MS);
  const done = () => { clearInterval(heartbeat); hub.remove(client); };
  res.on('close', done);
  res.on('error', done);
}

export default async function streaming(app: FastifyInstance, ctx: AppContext) {
  const hub = new StreamHub(ctx);
  hub.start();
  app.addHook('onClose', async () => { hub.stop(); });
  await app.register(websocket, {
    options: {
      maxPayload: 4096,
      // Echo the subprotocol the client offered (it may be the access token); browsers require it.
      handleProtocols: (protocols) => protocols.values().next().value ?? false,
    },
  });

  app.get('/api/v1/streaming/health', async (_request, reply) => reply.type('text/plain').send('OK'));

  for (const [url, stream, mediaStream] of SSE_PATHS) {
    app.get(url, { config: { queryToken: true } }, async (request, reply) => {
      const q = request.query as Record<string, unknown>;
      const auth = await authenticate(ctx, request);
      const name = mediaStream && flag(q, 'only_media') ? mediaStream : stream;
      const sub = await subscriptionFor(ctx, auth, name, { tag: q.tag, list: q.list }).catch(httpError);
      openEventStream(hub, request, reply, auth, sub);
    });
  }

  app.route({
    method: 'GET',
    url: '/api/v1/streaming',
    config: { queryToken: true },
    preValidation: async (request) => {
      const q = request.query as Record<string, unknown>;
      const token = protocolToken(request);
      const auth = await authenticate(ctx, request, { token, csrfToken: token ? undefined : webSessionCsrf(request) });
      const initial = q.stream === undefined ? null : await subscriptionFor(ctx, auth, q.stream, { tag: q.tag, list: q.list }).catch(httpError);
      request.streamingAuth = { auth, initial };
    },
    handler: async (_request, reply) => reply.code(400).send({ error: 'This endpoint needs a WebSocket upgrade' }),
    wsHandler: (socket: WebSocket, request) => {
      releaseSlot(request);
      const { auth, initial } = request.streamingAuth!;
      const client: Client = {
        auth,
        subscriptions: new Map(),
        send: (stream, event, payload) => {
          if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ stream, event, ...(payload === undefined ? {} : { payload }) }));
        },
        close: (code, reason) => socket.close(code, reason),
      };
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
      socket.on('message', async (raw) => {
        let message: { type?: unknown; stream?: unknown; tag?: unknown; list?: unknown };
        try { message = JSON.parse(String(raw)); } catch { socket.send(JSON.stringify({ error: 'Invalid JSON', status: 400 })); return; }
        try {
          if (message.type !== 'subscribe' && message.type !== 'unsubscribe') throw new StreamingError(400, 'Unknown message type');
          const sub = await subscriptionFor(ctx, auth, message.stream, { tag: message.tag, list: message.list });
          if (message.type === 'subscribe') {
            if (client.subscriptions.size >= MAX_SUBSCRIPTIONS) throw new StreamingError(400, 'Too many subscriptions');
            client.subscriptions.set(sub.key, sub);
          } else client.subscriptions.delete(sub.key);
        } catch (err) {
          const e = err as StreamingError;
          if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ error: e.message, status: e.status ?? 400 }));
        }
      });
    },
  });
}
