// Web Push (methods/push.md): one subscription per access token, with the alerts and policy it
// asked for; the VAPID key pair that signs our pushes, made once and kept in the database so that
// every app server signs alike; and the worker that drains the delivery queue (push-queue.ts).
//
// Payloads are Mastodon's (Web::NotificationSerializer): access_token, preferred_locale,
// notification_id (a number, stable: a push sent twice carries the same one), notification_type,
// icon, title, body. Clients use access_token to tell which of their accounts a push is for, so a
// subscription keeps its token as it is: the one exception to "tokens are stored hashed", gone with
// the subscription, and with the token when it is revoked (tokens.ts). Encryption is RFC 8291
// (aes128gcm) for subscriptions that ask for the standard (`subscription[standard]`, Mastodon 4.4),
// the older draft (aesgcm) otherwise, as Mastodon does; both by the `web-push` library.
//
// Endpoints are the subscriber's URLs, fetched by us: https only, and never an address inside our
// networks (loopback, private, link-local...) unless configured (FIREBREAK_PUSH_ALLOWED_PRIVATE):
// the address is checked where the connection is made, so a name cannot be re-pointed after the check.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import webpush from 'web-push';
import type { AppContext } from '../context.js';
import type { Db, Queryable } from '../db/index.js';
import { notFound, unprocessable } from '../errors.js';
import { anyDue, claimDeliveries, settleDeliveries, type ClaimedDelivery, type Settlement } from './push-queue.js';
import { can } from './roles.js';
import { SerialRunner } from './serial-runner.js';

export const PUSH_ALERTS = ['mention', 'status', 'reblog', 'follow', 'follow_request', 'favourite', 'poll', 'update', 'quote', 'quoted_update', 'admin.sign_up', 'admin.report'] as const;
export type PushAlert = (typeof PUSH_ALERTS)[number];
export const PUSH_POLICIES = ['all', 'followed', 'follower', 'none'] as const;
export type PushPolicy = (typeof PUSH_POLICIES)[number];

export interface VapidKeys { publicKey: string; privateKey: string }

/** The instance's VAPID key pair: made by the first server to start, the same for all of them after. */
export async function ensureVapidKeys(db: Db): Promise<VapidKeys> {
  return db.transaction(async (tx) => {
    const fresh = webpush.generateVAPIDKeys();
    await tx.query(`insert into instance_settings (key, value) values ('vapid', $1::jsonb) on conflict (key) do nothing`, [JSON.stringify(fresh)]);
    const [row] = await tx.query<{ value: VapidKeys | string }>(`select value from instance_settings where key = 'vapid'`);
    return (typeof row!.value === 'string' ? JSON.parse(row!.value) : row!.value) as VapidKeys;
  });
}

export interface SubscriptionRow {
  id: string; token_id: string; account_id: string; endpoint: string; alerts: PushAlert[]; policy: PushPolicy; standard: boolean;
}

const SUBSCRIPTION_COLUMNS = 'id, token_id, account_id, endpoint, alerts, policy, standard';

export interface NewSubscription { endpoint: string; p256dh: string; auth: string; standard: boolean; alerts: PushAlert[]; policy: PushPolicy }

export const ENDPOINT_MAX = 2000;

/** A key as Mastodon and browsers send it (base64, either alphabet), as base64url; `bytes` it must decode to. */
function pushKey(name: string, value: string, check: (b: Buffer) => boolean): string {
  const buffer = /^[A-Za-z0-9+/_-]+={0,2}$/.test(value) ? Buffer.from(value, 'base64') : Buffer.alloc(0);
  if (!check(buffer)) throw unprocessable(`Validation failed: subscription[keys][${name}] is invalid`);
  return buffer.toString('base64url');
}

/** Checks an endpoint before it is stored: an absolute https URL (or one to an allowed private address). */
export function validEndpoint(raw: string, allowed: BlockList): string {
  let url: URL;
  try { url = new URL(raw); } catch { throw unprocessable('Validation failed: subscription[endpoint] must be an absolute URL'); }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const literal = isIP(host) ? host : null;
  const allowedLiteral = literal !== null && allowed.check(literal, isIP(literal) === 6 ? 'ipv6' : 'ipv4');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowedLiteral)) throw unprocessable('Validation failed: subscription[endpoint] must be an https URL');
  if (literal && !allowedLiteral && isInternal(literal)) throw unprocessable('Validation failed: subscription[endpoint] must not be an internal address');
  if (url.username || url.password) throw unprocessable('Validation failed: subscription[endpoint] must not carry credentials');
  return url.toString();
}

/** Creates the token's subscription, or replaces it (Mastodon: a new subscription replaces the old). */
export async function subscribe(db: Db, token: { id: string; accountId: string; accessToken: string; roleId: number }, input: NewSubscription, allowed: BlockList): Promise<SubscriptionRow> {
  const endpoint = validEndpoint(input.endpoint, allowed);
  const p256dh = pushKey('p256dh', input.p256dh, (b) => b.length === 65 && b[0] === 4);
  const auth = pushKey('auth', input.auth, (b) => b.length >= 16 && b.length <= 64);
  const [row] = await db.transaction((tx) => tx.query<SubscriptionRow>(
    `insert into push_subscriptions (token_id, account_id, access_token, endpoint, p256dh, auth, standard, alerts, policy)
     values ($1, $2, $3, $4, $5, $6, $7, $8::text[], $9)
     on conflict (token_id) do update set endpoint = excluded.endpoint, p256dh = excluded.p256dh, auth = excluded.auth, standard = excluded.standard,
       alerts = excluded.alerts, policy = excluded.policy, updated_at = now()
     returning ${SUBSCRIPTION_COLUMNS}`,
    [token.id, token.accountId, token.accessToken, endpoint, p256dh, auth, input.standard, permitted(input.alerts, token.roleId), input.policy]));
  return row!;
}

/** Staff alerts for staff only (Mastodon quietly turns them off for others). */
const permitted = (alerts: PushAlert[], roleId: number) => alerts.filter((a) =>
  (a !== 'admin.sign_up' || can(roleId, 'manage_users')) && (a !== 'admin.report' || can(roleId, 'manage_reports')));

export async function findSubscription(db: Queryable, tokenId: string): Promise<SubscriptionRow | undefined> {
  const [row] = await db.query<SubscriptionRow>(`select ${SUBSCRIPTION_COLUMNS} from push_subscriptions where token_id = $1`, [tokenId]);
  return row;
}

/** PUT: only the alerts and the policy change; 404 without a subscription. */
export async function updateSubscription(db: Db, tokenId: string, roleId: number, change: { alerts?: PushAlert[]; policy?: PushPolicy }): Promise<SubscriptionRow> {
  const [row] = await db.transaction((tx) => tx.query<SubscriptionRow>(
    `update push_subscriptions set alerts = coalesce($2::text[], alerts), policy = coalesce($3, policy), updated_at = now()
     where token_id = $1 returning ${SUBSCRIPTION_COLUMNS}`, [tokenId, change.alerts ? permitted(change.alerts, roleId) : null, change.policy ?? null]));
  if (!row) throw notFound();
  return row;
}

export async function unsubscribe(db: Db, tokenId: string): Promise<void> {
  await db.transaction((tx) => tx.query('delete from push_subscriptions where token_id = $1', [tokenId]));
}

// --- Delivery ------------------------------------------------------------------------------------------

const INTERNAL = new BlockList();
for (const [net, bits] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24],
  ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) INTERNAL.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96]] as const) INTERNAL.addSubnet(net, bits, 'ipv6');

function isInternal(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return INTERNAL.check(mapped, 'ipv4');
  return INTERNAL.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/** FIREBREAK_PUSH_ALLOWED_PRIVATE: CIDRs of internal addresses pushes may go to (tests, a push relay inside the network). */
export function allowedPrivate(list: string): BlockList {
  const allowed = new BlockList();
  for (const entry of list.split(',').map((e) => e.trim()).filter(Boolean)) {
    const [net, bits] = entry.split('/');
    const family = isIP(net!) === 6 ? 'ipv6' : 'ipv4';
    allowed.addSubnet(net!, Number(bits ?? (family === 'ipv6' ? 128 : 32)), family);
  }
  return allowed;
}

/** A DNS lookup that refuses internal addresses not explicitly allowed: the check happens at connect time. */
function guardedLookup(allowed: BlockList) {
  return (hostname: string, options: object, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 4);
      const list = addresses as LookupAddress[];
      const ok = list.filter((a) => !isInternal(a.address) || allowed.check(a.address, a.family === 6 ? 'ipv6' : 'ipv4'));
      if (ok.length === 0) return callback(Object.assign(new Error(`push endpoint ${hostname} resolves to an internal address`), { code: 'EINTERNAL' }), '', 4);
      if ((options as { all?: boolean }).all) return callback(null, ok);
      callback(null, ok[0]!.address, ok[0]!.family);
    });
  };
}

const PUSH_TIMEOUT_MS = 10_000;
/** A day: a notification older than that is not worth waking a phone for. */
const PUSH_TTL_SECONDS = 86_400;

interface PushResponse { status: number; retryAfterSeconds: number | null }

function post(endpoint: string, headers: Record<string, string | number>, body: Buffer | null, allowed: BlockList): Promise<PushResponse> {
  const url = new URL(endpoint);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method: 'POST', headers, lookup: guardedLookup(allowed) as never, timeout: PUSH_TIMEOUT_MS }, (res) => {
      res.resume(); // the body is not needed; draining frees the socket
      res.on('end', () => {
        const retryAfter = Number(res.headers['retry-after']);
        resolve({ status: res.statusCode ?? 0, retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('push endpoint timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

const TITLES: Record<string, (name: string) => string> = {
  mention: (n) => `${n} mentioned you`, status: (n) => `${n} just posted`, reblog: (n) => `${n} reposted your post`,
  follow: (n) => `${n} followed you`, follow_request: (n) => `${n} asked to follow you`, favourite: (n) => `${n} liked your post`,
  poll: () => 'A poll has ended', update: (n) => `${n} edited a post`, quote: (n) => `${n} quoted your post`,
  quoted_update: (n) => `${n} edited a post you quoted`, 'admin.sign_up': (n) => `${n} signed up`, 'admin.report': (n) => `${n} filed a report`,
  moderation_warning: () => 'A moderator took action on your account',
};

/** The payload for one delivery (Mastodon's), or undefined when there is nothing to push any more. */
function payloadFor(ctx: AppContext, d: ClaimedDelivery): string | undefined {
  if (!d.pushable) return undefined;
  const name = d.from_display_name.trim() || `@${d.from_username}`;
  const body = d.spoiler_text || (d.text ?? '');
  const json = JSON.stringify({
    access_token: d.access_token, preferred_locale: 'en', notification_id: 0, notification_type: d.type,
    icon: `${ctx.config.publicUrl}/avatars/original/missing.png`, title: (TITLES[d.type] ?? ((x: string) => x))(name),
    body: body.length > 140 ? `${body.slice(0, 139)}…` : body,
  });
  // Ids are 64-bit: written as the exact integer (clients read it as one), not through a JS number.
  return json.replace('"notification_id":0', `"notification_id":${BigInt(d.notification_id).toString()}`);
}

export type DeliveryOutcome = 'delivered' | 'gone' | 'dropped' | 'retry';

/** Sends one claimed delivery (no database work: the batch is settled together). */
async function deliver(ctx: AppContext, vapid: VapidKeys, allowed: BlockList, d: ClaimedDelivery): Promise<{ outcome: DeliveryOutcome; error?: string; attempts?: number }> {
  const payload = payloadFor(ctx, d);
  if (!payload) return { outcome: 'dropped' };
  const details = webpush.generateRequestDetails({ endpoint: d.endpoint, keys: { p256dh: d.p256dh, auth: d.auth } }, payload, {
    vapidDetails: { subject: `mailto:admin@${ctx.config.domain.split(':')[0]}`, publicKey: vapid.publicKey, privateKey: vapid.privateKey },
    contentEncoding: d.standard ? 'aes128gcm' : 'aesgcm', TTL: PUSH_TTL_SECONDS, urgency: 'normal',
  });
  let response: PushResponse;
  try {
    response = await post(details.endpoint, details.headers as Record<string, string | number>, details.body as Buffer | null, allowed);
  } catch (err) {
    return { outcome: 'retry', error: (err as Error).message, attempts: d.attempts };
  }
  if (response.status >= 200 && response.status < 300) return { outcome: 'delivered' };
  if (response.status === 404 || response.status === 410) return { outcome: 'gone' };
  if (response.status === 429 || response.status >= 500) {
    return { outcome: 'retry', error: `HTTP ${response.status}`, attempts: Math.max(d.attempts, Math.ceil(Math.log2(response.retryAfterSeconds ?? 1))) };
  }
  // Any other refusal (400, 401, 413...) will not change by trying again.
  ctx.logger.warn({ status: response.status, subscription: d.subscription_id }, 'push endpoint refused a delivery');
  return { outcome: 'dropped' };
}

const BATCH = 20;
const POLL_MS = 1000;

/**
 * Drains the queue on this server: at once when a notification is made here, and every second for
 * those made elsewhere or due for a retry. Several servers drain together (deliveries are leased).
 */
export class PushWorker {
  private timer: NodeJS.Timeout | undefined;
  private readonly runner = new SerialRunner(() => this.drain(), (err) => this.ctx.logger.warn({ err }, 'push delivery: could not drain the queue'));
  private readonly onNotification = () => this.kick();

  constructor(private readonly ctx: AppContext, private readonly allowed: BlockList) {}

  start(): void {
    this.ctx.events.on('notification.created', this.onNotification);
    this.timer = setInterval(() => this.kick(), POLL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.ctx.events.off('notification.created', this.onNotification);
    await this.runner.stop();
  }

  /** Drains now, or once more after the drain in progress. */
  kick(): void {
    this.runner.run();
  }

  private async drain(): Promise<void> {
    if (!(await anyDue(this.ctx.db))) return;
    for (;;) {
      const batch = await claimDeliveries(this.ctx.db, BATCH);
      const results = await Promise.all(batch.map((d) => deliver(this.ctx, this.ctx.vapid, this.allowed, d).catch((err) => {
        this.ctx.logger.warn({ err, delivery: d.id }, 'push delivery failed');
        return { outcome: 'retry' as const, error: (err as Error).message, attempts: d.attempts };
      })));
      const settlement: Settlement = { done: [], retry: [], gone: [] };
      batch.forEach((d, i) => {
        const r = results[i]!;
        this.ctx.metrics.pushDeliveries.inc({ outcome: r.outcome });
        if (r.outcome === 'retry') settlement.retry.push({ id: d.id, attempts: r.attempts ?? d.attempts, error: r.error ?? '' });
        else if (r.outcome === 'gone') settlement.gone.push(d.subscription_id);
        else settlement.done.push(d.id);
      });
      await settleDeliveries(this.ctx.db, settlement);
      if (batch.length < BATCH || this.runner.stopping) return;
    }
  }
}
