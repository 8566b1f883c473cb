// What happened, on every app server: the domain publishes events on this server after a write
// commits (events.ts); the relay hands them to this server's subscribers at once and passes them on
// through PostgreSQL NOTIFY, so the subscribers of the other app servers on the same database get
// them too (each skips its own relayed copies). Subscribers: the streaming hub (live updates) and the
// token cache (revocations).
//
// The relay's NOTIFY is sent just after the commit, and is lost if this server dies in between or the
// database fails over. That is fine for live updates, not for what decides access: revocations are
// therefore sent by the revoking transaction itself (shareWithCommit), so PostgreSQL delivers them
// if and only if the revocation commits. A listener that was reconnecting still misses them:
// subscribers that keep state hear `onResubscribed` then (the token cache empties itself).
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Db, Queryable } from '../db/index.js';
import type { AppEvents, DomainEvents } from './events.js';

const CHANNEL = 'firebreak_events';
const RELAY_DELAY_MS = 5;
const RELAY_MAX_BYTES = 7000;

/** The events other servers hear (`media.queued` only wakes this server's processing loop). */
const SHARED = ['status.created', 'status.deleted', 'status.updated', 'notification.created', 'notifications.merged', 'filters.changed', 'tokens.revoked'] as const;

/** Those the writing transaction sends itself (shareWithCommit): the relay delivers them here only. */
const SENT_WITH_COMMIT: ReadonlySet<string> = new Set(['tokens.revoked']);

export type SharedEvent = { [K in (typeof SHARED)[number]]: { event: K; data: DomainEvents[K][0] } }[(typeof SHARED)[number]];
type SentWithCommit = Extract<SharedEvent, { event: 'tokens.revoked' }>;

interface Subscriber { onEvent(event: SharedEvent): void; onResubscribed?(): void }

type Relayed = SharedEvent & { origin: string };

export class EventRelay {
  private readonly origin = randomUUID();
  private readonly subscribers = new Set<Subscriber>();
  private readonly detach: Array<() => void> = [];
  private stopListening: (() => Promise<void>) | undefined;
  private pending: string[] = [];
  private pendingBytes = 0;
  private relayTimer: NodeJS.Timeout | undefined;
  private subscribedOnce = false;

  constructor(private readonly db: Db, private readonly events: AppEvents, private readonly logger: Logger) {}

  /** Hears every shared event, this server's and the others'; returns its unsubscribe. */
  subscribe(subscriber: Subscriber): () => void {
    this.subscribers.add(subscriber);
    return () => { this.subscribers.delete(subscriber); };
  }

  async start(): Promise<void> {
    for (const event of SHARED) {
      // The listener is generic over the event names.
      const onLocal = (data: any) => {
        const message = { event, data } as SharedEvent;
        this.deliver(message);
        if (!SENT_WITH_COMMIT.has(event)) this.relay({ ...message, origin: this.origin });
      };
      this.events.on(event, onLocal);
      this.detach.push(() => this.events.off(event, onLocal));
    }
    this.stopListening = await this.db.listen(CHANNEL, (payload) => {
      let messages: Relayed[];
      try { messages = [JSON.parse(payload) as Relayed | Relayed[]].flat(); } catch { return; }
      for (const { origin, ...message } of messages) if (origin !== this.origin) this.deliver(message as SharedEvent);
    }, () => {
      // The first subscription is the start; any later one follows a reconnection that may have lost events.
      if (!this.subscribedOnce) { this.subscribedOnce = true; return; }
      this.logger.warn({ event: 'events.resubscribed' }, 'event relay: listening again; events sent meanwhile were lost');
      for (const s of this.subscribers) s.onResubscribed?.();
    });
  }

  async stop(): Promise<void> {
    for (const off of this.detach.splice(0)) off();
    this.flush();
    await this.stopListening?.().catch(() => {});
    this.stopListening = undefined;
  }

  /**
   * Sends `message` to the other servers as part of `tx`: PostgreSQL delivers a NOTIFY when, and only
   * if, its transaction commits. (This server hears it as the domain's event, published after commit.)
   */
  async shareWithCommit(tx: Queryable, message: SentWithCommit): Promise<void> {
    await tx.query('select pg_notify($1, $2)', [CHANNEL, JSON.stringify([{ ...message, origin: this.origin }])]);
  }

  private deliver(message: SharedEvent): void {
    for (const s of this.subscribers) {
      try { s.onEvent(message); } catch (err) { this.logger.error({ err, event: message.event }, 'event subscriber failed'); }
    }
  }

  /**
   * Batched: every NOTIFY is a round trip and a commit that takes PostgreSQL's global notify lock,
   * one or two per post otherwise. Events wait at most RELAY_DELAY_MS and go as one JSON array, a
   * NOTIFY per RELAY_MAX_BYTES (PostgreSQL's payload limit is 8000 bytes).
   */
  private relay(message: Relayed): void {
    const text = JSON.stringify(message);
    if (this.pendingBytes + text.length + 1 > RELAY_MAX_BYTES) this.flush();
    this.pending.push(text);
    this.pendingBytes += text.length + 1;
    this.relayTimer ??= setTimeout(() => this.flush(), RELAY_DELAY_MS);
  }

  private flush(): void {
    clearTimeout(this.relayTimer);
    this.relayTimer = undefined;
    if (this.pending.length === 0) return;
    const payload = `[${this.pending.join(',')}]`;
    this.pending = [];
    this.pendingBytes = 0;
    this.db.notify(CHANNEL, payload).catch((err) => this.logger.warn({ err }, 'could not relay events to other servers'));
  }
}
