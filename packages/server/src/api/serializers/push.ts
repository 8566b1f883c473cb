// Mastodon's WebPushSubscription (entities/WebPushSubscription.md), with the 4.4 fields `standard` and `policy`.
import type { SubscriptionRow } from '../../domain/push.js';
import type { Entity } from '../serializers.js';

/** `alertNames`: every alert there is (each shown true or false). */
export function serializeSubscription(row: SubscriptionRow, serverKey: string, alertNames: readonly string[]): Entity {
  return {
    id: row.id, endpoint: row.endpoint, standard: row.standard, policy: row.policy,
    alerts: Object.fromEntries(alertNames.map((a) => [a, (row.alerts as string[]).includes(a)])),
    server_key: serverKey,
  };
}

