// Per-account and per-address request limits (@fastify/rate-limit, fixed windows in memory), with
// Mastodon's headers: X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset as an ISO 8601
// time; past the limit a 429 with Retry-After and {"error":"Too many requests"}.
//
// Each request counts against exactly one bucket: its route's class (config.rateLimitClass, default
// 'default') for its principal: the account behind a known token, else the client address. The
// numbers follow Mastodon's Rack::Attack defaults where it has one.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { rateLimited } from '../errors.js';
import type { RequestClass } from './classify.js';

export type RateLimitClass = 'default' | 'login' | 'register' | 'post' | 'search' | 'admin' | 'media';

declare module 'fastify' {
  interface FastifyContextConfig { rateLimitClass?: RateLimitClass }
}

interface ClassLimit { perAccount: number; perAddress: number; windowMs: number }

const MINUTE = 60_000;
export const RATE_LIMITS: Record<RateLimitClass, ClassLimit> = {
  default: { perAccount: 1500, perAddress: 300, windowMs: 5 * MINUTE },
  // Password guesses per address; per-account guessing is the login limiter's job (failures only).
  login: { perAccount: 25, perAddress: 25, windowMs: 5 * MINUTE },
  register: { perAccount: 5, perAddress: 5, windowMs: 30 * MINUTE },
  post: { perAccount: 300, perAddress: 300, windowMs: 3 * 60 * MINUTE },
  search: { perAccount: 300, perAddress: 60, windowMs: 5 * MINUTE },
  // Uploads (media, avatars, headers): Mastodon's 30 per 30 minutes.
  media: { perAccount: 30, perAddress: 30, windowMs: 30 * MINUTE },
  // Guessing the admin token must be slow.
  admin: { perAccount: 10, perAddress: 10, windowMs: MINUTE },
};

function classOf(request: FastifyRequest): RateLimitClass {
  return request.routeOptions.config.rateLimitClass ?? 'default';
}

function limitFor(request: FastifyRequest, who: RequestClass | undefined): ClassLimit & { max: number } {
  const limit = RATE_LIMITS[classOf(request)];
  return { ...limit, max: who?.signedIn ? limit.perAccount : limit.perAddress };
}

export interface RateLimitHooks {
  /** The request's class; set by an earlier onRequest hook. */
  requestClass(request: FastifyRequest): RequestClass | undefined;
  exempt(request: FastifyRequest): boolean;
  onLimited(request: FastifyRequest): void;
}

export async function registerRateLimits(app: FastifyInstance, hooks: RateLimitHooks): Promise<void> {
  await app.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    // Enough keys that a spray from many addresses does not evict the counters of real users.
    cache: 100_000,
    allowList: (request) => hooks.exempt(request),
    keyGenerator: (request) => `${classOf(request)}|${hooks.requestClass(request)?.principal ?? `address:${request.ip}`}`,
    max: (request) => limitFor(request, hooks.requestClass(request)).max,
    timeWindow: (request) => limitFor(request, hooks.requestClass(request)).windowMs,
    onExceeded: (request) => hooks.onLimited(request),
    errorResponseBuilder: (_request, context) => rateLimited(Math.ceil(context.ttl / 1000)),
  });
  // Mastodon clients expect X-RateLimit-Reset as a time, not the seconds the plugin writes.
  app.addHook('onSend', async (_request, reply, payload) => {
    const reset = reply.getHeader('x-ratelimit-reset');
    if (reset !== undefined && /^\d+$/.test(String(reset))) {
      reply.header('x-ratelimit-reset', new Date(Date.now() + Number(reset) * 1000).toISOString());
    }
    return payload;
  });
}
