// registerOverloadProtection(app, ctx): everything that keeps floods from starving real users, in the
// order a request meets it (all before any database work unless noted):
//   1. classify (app-level onRequest): known signed-in token or anonymous, route cost, priority;
//   2. rate limits (route-level onRequest, @fastify/rate-limit): per account or per address;
//   3. under-attack mode: anonymous requests to expensive routes must carry a solved proof of work;
//   4. priority admission under the adaptive concurrency limit: shed with a cheap 503 + Retry-After
//      (password logins: once their small body is parsed, see 4b);
//   5. deadline (preHandler, before auth's token lookup): no database work starts past the budget.
// Login brute force is handled where the password is checked (src/domain/login-limiter.ts).
// Registered before the auth hook and the routes, so its hooks run first and see every route.
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { AppContext } from '../context.js';
import { isTrustedAddress } from '../domain/login-attempts.js';
import { classify, isExempt, KnownTokens, routeKey, tokenOf, type RequestClass } from './classify.js';
import { capsForPool, GradientLimit, PriorityAdmission, type Priority, type Slot } from './concurrency-limit.js';
import { CHALLENGE_HEADER, ProofOfWork } from './challenge.js';
import { deadlineStorage } from './deadline.js';
import { overloadMetrics, type OverloadMetrics } from './metrics.js';
import { registerRateLimits } from './rate-limits.js';
import { ADMIN_PREFIX, registerAdminRoutes } from './admin.js';

/** Retry-After for shed requests: soon, but spread out a little so retries do not arrive as one wave. */
const SHED_RETRY_AFTER_SECONDS = 2;

export interface OverloadState {
  underAttack: boolean;
  readonly admission: PriorityAdmission;
  readonly knownTokens: KnownTokens;
  readonly proofOfWork: ProofOfWork;
  readonly metrics: OverloadMetrics;
}

declare module 'fastify' {
  interface FastifyInstance { overload: OverloadState }
  interface FastifyRequest { overloadClass: RequestClass | null; overloadSlot: Slot | null; receivedAt: number; rateLimited: boolean }
}

function challengeSecret(ctx: AppContext): Buffer {
  // App servers behind one edge must agree on the key; the admin token is the one shared secret they have.
  if (ctx.config.adminToken) return createHash('sha256').update(`firebreak-pow:${ctx.config.adminToken}`).digest();
  return randomBytes(32);
}

export interface OverloadOptions { admission?: PriorityAdmission; proofOfWork?: ProofOfWork }

export async function registerOverloadProtection(app: FastifyInstance, ctx: AppContext, options: OverloadOptions = {}): Promise<void> {
  const metrics = overloadMetrics(ctx);
  const state: OverloadState = {
    underAttack: ctx.config.underAttack,
    admission: options.admission ?? new PriorityAdmission(new GradientLimit(), capsForPool(ctx.config.databaseUrl ? ctx.config.dbPoolSize : 1)),
    knownTokens: new KnownTokens(),
    proofOfWork: options.proofOfWork ?? new ProofOfWork(challengeSecret(ctx)),
    metrics,
  };
  metrics.underAttack.set(state.underAttack ? 1 : 0);
  app.decorate('overload', state);
  app.decorateRequest('overloadClass', null);
  app.decorateRequest('overloadSlot', null);
  app.decorateRequest('receivedAt', 0);
  app.decorateRequest('rateLimited', false);

  const isPasswordLogin = (request: FastifyRequest) =>
    request.method === 'POST' && request.routeOptions.config.rateLimitClass === 'login' && !request.overloadClass?.signedIn;

  // 1. Classify: no I/O, a hash of the bearer token at most.
  app.addHook('onRequest', async (request) => {
    request.receivedAt = performance.now();
    if (!isExempt(request)) request.overloadClass = classify(request, state.knownTokens);
  });

  // 2. Rate limits (route-level onRequest hooks, installed by the plugin for each route).
  if (ctx.config.rateLimitsEnabled) {
    await registerRateLimits(app, {
      requestClass: (request) => request.overloadClass ?? undefined,
      exempt: isExempt,
      onLimited: (request) => {
        request.rateLimited = true;
        metrics.reject('rate_limited', routeKey(request));
      },
    });
  }

  const gauges = () => {
    metrics.inflight.set(state.admission.inFlight);
    metrics.queued.set(state.admission.queued);
    metrics.concurrencyLimit.set(state.admission.limiter.limit);
  };
  gauges();

  // 3 and 4, appended to each route's onRequest hooks after the rate limiter's.
  const gate: onRequestHookHandler = async (request, reply) => {
    const who = request.overloadClass;
    if (!who) return;
    const route = routeKey(request);
    if (state.underAttack && !who.signedIn && who.expensive) {
      const verdict = state.proofOfWork.verify(request.headers[CHALLENGE_HEADER]);
      metrics.challenges.inc({ outcome: verdict });
      if (verdict !== 'ok') {
        metrics.reject('challenged', route);
        return sendChallenge(reply, state, verdict);
      }
    }
    // The operator must be able to switch on under-attack mode in the middle of an attack.
    if (route.includes(ADMIN_PREFIX)) return;
    if (isPasswordLogin(request)) return; // admitted once its body is read, below
    return admit(request, reply, who.priority);
  };

  const admit = async (request: FastifyRequest, reply: FastifyReply, priority: Priority) => {
    const route = routeKey(request);
    // Listening from before the wait: a client that leaves while queued must not be handed a slot it
    // never gives back (its 'close' has fired by then). Those leaked slots piled up under the flood
    // drill until the whole limit was held by nobody and every request queued and timed out.
    let gone = false;
    reply.raw.once('close', () => { gone = true; releaseSlot(request); });
    const acquiring = state.admission.acquire(priority);
    gauges();
    const slot = await acquiring;
    if (gone) {
      slot?.release();
      metrics.reject('abandoned', route);
      gauges();
      return reply.code(503).send({ error: 'The client went away' }); // nobody reads it; ends the request here
    }
    if (!slot) {
      metrics.reject('shed', route);
      gauges();
      return reply.code(503).header('retry-after', String(SHED_RETRY_AFTER_SECONDS)).send({ error: 'The server is busy; try again shortly' });
    }
    request.overloadSlot = slot;
    metrics.admitted.inc({ priority });
    gauges();
    // Freed by the 'close' listener above (response sent, or connection gone) or in onResponse.
  };

  // 4b. Password logins, admitted after the body is parsed (cheap: a small form), because who is
  // logging in decides: guesses at an account that is locked for this address are refused before
  // they take a slot (or they would fill the anonymous share and shed everyone else's logins), and the
  // owner at an address they have logged in from before outranks anonymous traffic, so a brute force
  // against an account does not keep its owner out.
  app.addHook('preHandler', async (request, reply) => {
    const who = request.overloadClass;
    if (!who || request.overloadSlot || !isPasswordLogin(request)) return;
    const body = request.body as Record<string, unknown> | undefined;
    const login = typeof body?.username === 'string' ? body.username : typeof body?.login === 'string' ? body.login : undefined;
    let priority = who.priority;
    if (login) {
      const identity = ctx.loginLimiter.identityOf(login);
      if (ctx.loginLimiter.check(identity, request.ip) === 'account-locked') {
        // One primary-key read, not a slot: the owner may have proved this address through another server.
        if (!(await isTrustedAddress(ctx.db, identity, request.ip))) throw ctx.loginLimiter.accountRefusal(identity);
        ctx.loginLimiter.trust(identity, request.ip);
      }
      if (ctx.loginLimiter.isTrusted(identity, request.ip)) priority = 'authenticated';
    }
    return admit(request, reply, priority);
  });
  app.addHook('onRoute', (route) => {
    route.onRequest = [...(Array.isArray(route.onRequest) ? route.onRequest : route.onRequest ? [route.onRequest] : []), gate];
  });

  const releaseSlot = (request: FastifyRequest, recordLatency = true) => {
    if (!request.overloadSlot) return;
    request.overloadSlot.release(recordLatency);
    request.overloadSlot = null;
    gauges();
  };

  // 5. The deadline, carried to the data layer. Callback style: the rest of the request runs inside
  // done(), so the store reaches the auth hook and the handler.
  app.addHook('preHandler', (request, _reply, done) => {
    // A request parked while the database fails over uses no server capacity: it gives its slot
    // back, so signed-in reads keep being admitted while writes wait for the new primary.
    const onDatabaseWait = () => releaseSlot(request, false);
    deadlineStorage.run({ expiresAt: request.receivedAt + ctx.config.requestBudgetMs, route: routeKey(request), onDatabaseWait }, done);
  });

  app.addHook('onResponse', async (request, reply) => {
    releaseSlot(request);
    // Remember tokens that worked, forget ones that did not: this is what makes classification cheap.
    const token = tokenOf(request);
    if (token && request.auth) state.knownTokens.remember(token, request.auth.accountId);
    else if (token && reply.statusCode === 401) state.knownTokens.forget(token);
    // 429s not from the rate limiter come from the brute-force limiter on password checks.
    if (reply.statusCode === 429 && request.routeOptions.config.rateLimitClass === 'login' && !request.rateLimited) {
      metrics.reject('login_limited', routeKey(request));
    }
  });

  await registerAdminRoutes(app, ctx, state);
}

function sendChallenge(reply: FastifyReply, state: OverloadState, verdict: string) {
  return reply.code(403).header('cache-control', 'no-store').send({
    error: 'This server is under attack: solve the proof-of-work challenge and send it in the X-Firebreak-PoW header',
    reason: verdict,
    challenge: state.proofOfWork.issue(),
  });
}
