// LISTEN across pool generations.
//
// LISTEN holds one dedicated connection of the primary pool; postgres.js re-subscribes by itself
// when that connection reconnects (target_session_attrs=primary sends it to the new primary after a
// failover). An abandoned generation takes its listener connection with it, so listeners move on.

/** What a listener needs of a pool generation: postgres.js's listen. */
export interface ListenTarget {
  sql: { listen(channel: string, onPayload: (payload: string) => void, onListen?: () => void): Promise<{ unlisten(): Promise<void> }> };
}

interface Listener {
  channel: string;
  onPayload: (payload: string) => void;
  /** postgres.js calls it on every LISTEN it sends: the first, and again after each reconnection. */
  onSubscribed: (() => void) | undefined;
  /** The generation this listener is subscribed on, if any. */
  pool: ListenTarget | undefined;
  unlisten: (() => Promise<void>) | undefined;
  /** An attach loop is running for this listener. */
  attaching: boolean;
}

export class Listeners {
  private readonly listeners = new Set<Listener>();
  private closed = false;

  /** current: the primary pool's generation now. */
  constructor(private readonly current: () => ListenTarget) {}

  /** Subscribes onPayload to channel (waiting until a primary takes the LISTEN); resolves to its unsubscribe. */
  async add(channel: string, onPayload: (payload: string) => void, onSubscribed?: () => void): Promise<() => Promise<void>> {
    const listener: Listener = { channel, onPayload, onSubscribed, pool: undefined, unlisten: undefined, attaching: false };
    this.listeners.add(listener);
    await this.attach(listener);
    return async () => { this.listeners.delete(listener); await listener.unlisten?.().catch(() => {}); };
  }

  /** The primary pool has a new generation: every listener moves to it. */
  reattach(): void {
    for (const l of this.listeners) void this.attach(l);
  }

  /** The pools are closing: no listener attaches again (each would open a connection, or retry for ever). */
  close(): void { this.closed = true; }

  /**
   * One loop per listener, which runs until the listener is on the current generation. A second loop
   * started while the first waits (the primary pool abandoned twice in a row, as a failover does)
   * subscribed the listener twice on the newest generation: every payload came twice, and
   * unsubscribing removed only one of them.
   */
  private async attach(l: Listener): Promise<void> {
    if (l.attaching) return; // the running loop checks the current generation after every try
    l.attaching = true;
    try {
      for (let delay = 250; !this.closed && this.listeners.has(l) && l.pool !== this.current(); delay = Math.min(delay * 2, 5000)) {
        const pool = this.current();
        try {
          const { unlisten } = await pool.sql.listen(l.channel, l.onPayload, () => l.onSubscribed?.());
          if (pool !== this.current() || !this.listeners.has(l) || this.closed) { await unlisten().catch(() => {}); continue; }
          l.pool = pool;
          l.unlisten = unlisten;
        } catch {
          await new Promise((r) => setTimeout(r, delay));
        }
      }
    } finally {
      l.attaching = false;
    }
  }
}
