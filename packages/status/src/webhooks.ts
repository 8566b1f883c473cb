// Outgoing webhooks on incident changes. Events go to a durable outbox first (they survive a
// restart), then a delivery loop POSTs them with a timeout and bounded exponential retries.
import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { StatusConfig } from './config.js';
import type { StatusStore } from './store.js';

const BATCH = 20;
const MAX_BACKOFF_MS = 5 * 60_000;

export class WebhookSender {
  constructor(
    private readonly config: StatusConfig,
    private readonly store: StatusStore,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  async enqueue(event: string, payload: object): Promise<void> {
    if (this.config.webhookUrls.length === 0) return;
    const body = JSON.stringify({ meta: { event, generated_at: new Date(this.clock.now()).toISOString() }, ...payload });
    await this.store.enqueueWebhooks(this.config.webhookUrls, body, new Date(this.clock.now()));
  }

  /** Sends every due delivery once (in parallel, at most BATCH). Returns how many were attempted. */
  async deliverDue(): Promise<number> {
    const due = await this.store.dueWebhooks(new Date(this.clock.now()), BATCH);
    await Promise.all(due.map(async (d) => {
      const error = await this.post(d.url, d.payload);
      const at = new Date(this.clock.now());
      if (error === null) return this.store.webhookDelivered(d.id, at);
      const attempts = d.attempts + 1;
      const retryAt = attempts >= this.config.webhookMaxAttempts ? null
        : new Date(this.clock.now() + Math.min(1000 * 2 ** (attempts - 1), MAX_BACKOFF_MS));
      this.log.warn({ url: d.url, attempts, error, giveUp: retryAt === null }, 'webhook delivery failed');
      return this.store.webhookFailed(d.id, error, retryAt, at);
    }));
    return due.length;
  }

  private async post(url: string, payload: string): Promise<string | null> {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'firebreak-status-webhook' };
    const event = (JSON.parse(payload) as { meta: { event: string } }).meta.event;
    headers['x-firebreak-event'] = event;
    if (this.config.webhookSecret) {
      headers['x-firebreak-signature'] = `sha256=${createHmac('sha256', this.config.webhookSecret).update(payload).digest('hex')}`;
    }
    try {
      const res = await fetch(url, { method: 'POST', body: payload, headers, redirect: 'manual', signal: AbortSignal.timeout(this.config.webhookTimeoutMs) });
      await res.body?.cancel();
      return res.status >= 200 && res.status < 300 ? null : `HTTP ${res.status}`;
    } catch (err) {
      if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return `timeout after ${this.config.webhookTimeoutMs} ms`;
      const cause = (err as { cause?: { code?: string } }).cause;
      return cause?.code ?? (err instanceof Error ? err.message : String(err));
    }
  }
}
