// Browser notifications, the page's side: the service worker (web/worker/service-worker.ts, whose push
// handling is web/worker/push.ts) receives our Web Push messages; this subscribes the browser with the instance's
// VAPID key and registers the subscription for this session's token (POST /api/v1/push/subscription),
// RFC 8291 encryption asked for (`standard`).
import { get, post, request } from './api.js';

export const WORKER_URL = '/web/worker/service-worker.js';

/** The alerts the page offers, with what they are called. */
export const ALERTS: Array<[string, string]> = [
  ['mention', 'Mentions and replies'], ['follow', 'New followers'], ['follow_request', 'Follow requests'], ['favourite', 'Likes'],
  ['reblog', 'Reposts'], ['quote', 'Quotes'], ['status', 'Posts by people you asked to hear from'], ['update', 'Edits of posts you reposted'],
];

export const pushSupported = () => 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;

export interface PushState { subscribed: boolean; alerts: Record<string, boolean>; policy: string }

async function registration(): Promise<ServiceWorkerRegistration> {
  await navigator.serviceWorker.register(WORKER_URL, { type: 'module', scope: '/' });
  return navigator.serviceWorker.ready;
}

/** What the server has for this session (a subscription is per token), or not subscribed. */
export async function pushState(): Promise<PushState> {
  try {
    const s = await get<{ alerts: Record<string, boolean>; policy: string }>('/api/v1/push/subscription');
    return { subscribed: true, alerts: s.alerts, policy: s.policy };
  } catch {
    return { subscribed: false, alerts: {}, policy: 'all' };
  }
}

const keyBytes = (base64url: string) => Uint8Array.from(atob(base64url.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

/** Asks the browser for permission, subscribes it, and tells the server which alerts to push. */
export async function enablePush(alerts: Record<string, boolean>, policy: string): Promise<void> {
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') throw new Error('Notifications are blocked for this site in the browser');
  const instance = await get<{ configuration: { vapid: { public_key: string } } }>('/api/v2/instance');
  const reg = await registration();
  const existing = await reg.pushManager.getSubscription();
  const subscription = existing ?? await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(instance.configuration.vapid.public_key) });
  const json = subscription.toJSON();
  await post('/api/v1/push/subscription', {
    subscription: { endpoint: json.endpoint, keys: json.keys, standard: true },
    data: { alerts, policy },
  });
}

export async function updatePush(alerts: Record<string, boolean>, policy: string): Promise<void> {
  await request('PUT', '/api/v1/push/subscription', { data: { alerts, policy } });
}

export async function disablePush(): Promise<void> {
  await request('DELETE', '/api/v1/push/subscription');
  const reg = await navigator.serviceWorker.getRegistration('/');
  await (await reg?.pushManager.getSubscription())?.unsubscribe();
}
