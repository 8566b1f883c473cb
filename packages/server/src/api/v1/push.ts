// /api/v1/push/subscription (methods/push.md): the calling token's Web Push subscription. Creating
// again replaces it (same token, same row: a retry changes nothing); deleting one that is gone is {}.
// Parameters come as JSON (`{"subscription": {"endpoint": ...}}`) or forms (`subscription[endpoint]`).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { notFound, unprocessable } from '../../errors.js';
import { allowedPrivate, ENDPOINT_MAX, findSubscription, PUSH_ALERTS, PUSH_POLICIES, subscribe, unsubscribe, updateSubscription, type PushAlert, type PushPolicy, type SubscriptionRow } from '../../domain/push.js';
import { presentedToken, rule, viewer, viewerRole } from '../auth.js';
import { bodyOf, flag, type Params } from '../params.js';
import { serializeSubscription } from '../serializers/push.js';

/** `path` of a nested parameter, from JSON objects or from bracketed form keys. */
function nested(body: Params, path: string[]): unknown {
  const flat = body[`${path[0]}${path.slice(1).map((p) => `[${p}]`).join('')}`];
  if (flat !== undefined) return flat;
  let value: unknown = body;
  for (const key of path) value = value && typeof value === 'object' && !Array.isArray(value) ? (value as Params)[key] : undefined;
  return value;
}

function text(body: Params, path: string[], max: number): string | undefined {
  const v = nested(body, path);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length > max) throw unprocessable(`Validation failed: ${path[0]}[${path.slice(1).join('][')}] must be a string of at most ${max} characters`);
  return v;
}

/** The alerts asked for: known ones only (an unknown alert is refused, not ignored). Undefined when none were given. */
function alerts(body: Params): PushAlert[] | undefined {
  const given = nested(body, ['data', 'alerts']);
  const flatKeys = Object.keys(body).filter((k) => k.startsWith('data[alerts]['));
  if (given === undefined && flatKeys.length === 0) return undefined;
  const names = new Set([...(given && typeof given === 'object' ? Object.keys(given) : []), ...flatKeys.map((k) => k.slice('data[alerts]['.length, -1))]);
  const unknown = [...names].filter((n) => !(PUSH_ALERTS as readonly string[]).includes(n));
  if (unknown.length) throw unprocessable(`Validation failed: unknown alert${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`);
  const on: PushAlert[] = [];
  for (const name of names) {
    const value = nested(body, ['data', 'alerts', name]);
    if (flag({ value }, 'value')) on.push(name as PushAlert);
  }
  return on;
}

function policy(body: Params): PushPolicy | undefined {
  const value = text(body, ['data', 'policy'], 20) ?? (typeof body.policy === 'string' ? body.policy : undefined);
  if (value === undefined || value === '') return undefined;
  if (!(PUSH_POLICIES as readonly string[]).includes(value)) throw unprocessable(`Validation failed: policy must be one of ${PUSH_POLICIES.join(', ')}`);
  return value as PushPolicy;
}

export default async function push(app: FastifyInstance, ctx: AppContext) {
  const allowed = allowedPrivate(ctx.config.pushAllowedPrivate);
  const scope = rule('user', 'push');
  const render = (row: SubscriptionRow) => serializeSubscription(row, ctx.vapid.publicKey, PUSH_ALERTS);
  /**
   * The token the payloads will carry (clients tell their accounts apart by it). Not the web UI's
   * session token: that one stays in its HttpOnly cookie, out of reach of any script.
   */
  const payloadToken = (request: FastifyRequest) => {
    const presented = presentedToken(request);
    return presented && presented.csrf === undefined ? presented.token : '';
  };

  app.post('/api/v1/push/subscription', { config: scope }, async (request) => {
    const body = bodyOf(request.body);
    const endpoint = text(body, ['subscription', 'endpoint'], ENDPOINT_MAX);
    const p256dh = text(body, ['subscription', 'keys', 'p256dh'], 200);
    const auth = text(body, ['subscription', 'keys', 'auth'], 200);
    if (!endpoint || !p256dh || !auth) throw unprocessable("Validation failed: subscription[endpoint] and subscription[keys][p256dh] and [auth] can't be blank");
    const standardValue = nested(body, ['subscription', 'standard']);
    const row = await subscribe(ctx.db, { id: request.auth!.tokenId, accountId: viewer(request), accessToken: payloadToken(request), roleId: viewerRole(request) }, {
      endpoint, p256dh, auth, standard: flag({ standardValue }, 'standardValue') ?? false, alerts: alerts(body) ?? [], policy: policy(body) ?? 'all',
    }, allowed);
    return render(row);
  });

  app.get('/api/v1/push/subscription', { config: scope }, async (request) => {
    const row = await findSubscription(ctx.db, request.auth!.tokenId);
    if (!row) throw notFound();
    return render(row);
  });

  app.put('/api/v1/push/subscription', { config: scope }, async (request) => {
    const body = bodyOf(request.body);
    return render(await updateSubscription(ctx.db, request.auth!.tokenId, viewerRole(request), { alerts: alerts(body), policy: policy(body) }));
  });

  app.delete('/api/v1/push/subscription', { config: scope }, async (request) => {
    await unsubscribe(ctx.db, request.auth!.tokenId);
    return {};
  });
}
