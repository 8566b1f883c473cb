// Priority load shedding behind an adaptive concurrency limit.
//
// The limit follows Netflix's Gradient2 idea: compare the short-term latency of admitted requests
// with a long-term baseline; when latency rises above the baseline (queues are forming somewhere:
// the event loop, the database pool, PGlite's single thread) the limit shrinks, and when latency is
// flat it grows by a small "queue allowance". Nothing has to be tuned per machine.
//
// Admission is by priority: each class may use only a share of the limit, so under saturation the
// low classes (anonymous, expensive) are refused first while signed-in timeline reads and posts keep
// the headroom above them. High classes may wait briefly in a queue for a slot; low classes never
// wait, they get an immediate (cheap) refusal.

// 'background': the server's own deferred work (media processing), below every request.
export const PRIORITIES = ['critical', 'authenticated', 'anonymous', 'anonymous_expensive', 'background'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Fraction of the concurrency limit each class may fill. */
const SHARE_OF_LIMIT: Record<Priority, number> = { critical: 1, authenticated: 0.9, anonymous: 0.6, anonymous_expensive: 0.35, background: 0.25 };
/** How long a class may wait for a slot before it is refused (0: refused at once). */
const MAX_QUEUE_WAIT_MS: Record<Priority, number> = { critical: 2000, authenticated: 1000, anonymous: 0, anonymous_expensive: 0, background: 0 };
/**
 * Waiters at most, for memory's sake; the wait budget above is what bounds the queue in time. (A bound
 * of one limit's worth shed signed-in users within milliseconds whenever the limit had shrunk: under a
 * flood the machine is slower, the limit shrinks, and a few dozen ordinary requests filled the queue.)
 */
export const MAX_WAITERS = 5000;

export interface GradientOptions {
  initialLimit: number;
  minLimit: number;
  maxLimit: number;
  /** Latency may grow to this multiple of the baseline before the limit shrinks. */
  tolerance: number;
  /** Weight of a new estimate (0..1): smaller reacts slower but steadier. */
  smoothing: number;
  /** Latency samples are averaged over windows of this length; one limit update per window. */
  windowMs: number;
  minSamplesPerWindow: number;
  /** Number of windows the long-term baseline averages over. */
  baselineWindows: number;
  now: () => number;
}

export const defaultGradientOptions: GradientOptions = {
  initialLimit: 20, minLimit: 4, maxLimit: 1000, tolerance: 2, smoothing: 0.2,
  windowMs: 100, minSamplesPerWindow: 5, baselineWindows: 100, now: () => performance.now(),
};

export class GradientLimit {
  private current: number;
  private baselineMs = 0;
  private windowStart: number;
  private windowSumMs = 0;
  private windowSamples = 0;
  private windowMaxInflight = 0;
  readonly options: GradientOptions;

  constructor(options: Partial<GradientOptions> = {}) {
    this.options = { ...defaultGradientOptions, ...options };
    this.current = this.options.initialLimit;
    this.windowStart = this.options.now();
  }

  get limit(): number { return this.current; }

  /** One finished request: how long it took and how many were in flight when it started. */
  sample(latencyMs: number, inflight: number): void {
    this.windowSumMs += latencyMs;
    this.windowSamples++;
    this.windowMaxInflight = Math.max(this.windowMaxInflight, inflight);
    const now = this.options.now();
    if (now - this.windowStart < this.options.windowMs || this.windowSamples < this.options.minSamplesPerWindow) return;
    this.update(this.windowSumMs / this.windowSamples, this.windowMaxInflight);
    this.windowStart = now;
    this.windowSumMs = 0;
    this.windowSamples = 0;
    this.windowMaxInflight = 0;
  }

  private update(shortMs: number, maxInflight: number): void {
    const o = this.options;
    this.baselineMs = this.baselineMs === 0 ? shortMs : this.baselineMs + (shortMs - this.baselineMs) / o.baselineWindows;
    // Latency fell well below the baseline (load went away): let the baseline catch up quickly.
    if (this.baselineMs / shortMs > 2) this.baselineMs *= 0.95;
    // Far below the limit the latency says nothing about it; growing it then would only let a burst through.
    if (maxInflight < this.current / 2) return;
    const gradient = Math.max(0.5, Math.min(1, (o.tolerance * this.baselineMs) / shortMs));
    const queueAllowance = Math.sqrt(this.current);
    const estimate = this.current * gradient + queueAllowance;
    const next = this.current * (1 - o.smoothing) + estimate * o.smoothing;
    this.current = Math.max(o.minLimit, Math.min(o.maxLimit, next));
  }
}

interface Waiter { priority: Priority; grant: (slot: Slot | undefined) => void; timer: NodeJS.Timeout }

/**
 * A slot held by an admitted request; release it exactly once when the request is done, or earlier
 * with recordLatency false when it stops using the server (parked waiting for a new primary): such
 * a wait says nothing about this server's capacity and must not shrink the limit.
 */
export interface Slot { release(recordLatency?: boolean): void }

/**
 * Absolute caps on what one class may hold at once, whatever the limit. The limit measures the app's
 * concurrency, but expensive queries queue for the database pool, which is first come, first served:
 * the flood drill saw 22 anonymous searches (35% of a limit of 63) fill a pool of 10 and hold signed-in
 * timelines behind them for seconds, while the limit, with most of it unused, never moved.
 */
export type ClassCaps = Partial<Record<Priority, number>>;

/** Anonymous expensive requests may hold about a quarter of the database pool. */
export const capsForPool = (poolSize: number): ClassCaps => ({ anonymous_expensive: Math.max(1, Math.floor(poolSize / 4)), background: 1 });

export class PriorityAdmission {
  private inflight = 0;
  private readonly inflightByClass: Record<Priority, number> = { critical: 0, authenticated: 0, anonymous: 0, anonymous_expensive: 0, background: 0 };
  private readonly waiting: Waiter[] = [];

  constructor(readonly limiter: GradientLimit = new GradientLimit(), private readonly caps: ClassCaps = {}, private readonly now: () => number = () => performance.now()) {}

  get inFlight(): number { return this.inflight; }
  get queued(): number { return this.waiting.length; }

  private ceiling(priority: Priority): number {
    return Math.max(1, Math.floor(this.limiter.limit * SHARE_OF_LIMIT[priority]));
  }

  private hasRoom(priority: Priority): boolean {
    return this.inflight < this.ceiling(priority) && this.inflightByClass[priority] < (this.caps[priority] ?? Infinity);
  }

  /** Takes a slot now if the class is under its share (and its cap), else undefined. Never waits. */
  tryAcquire(priority: Priority): Slot | undefined {
    if (!this.hasRoom(priority)) return undefined;
    return this.take(priority);
  }

  /** Takes a slot, waiting up to the class's queue budget; resolves undefined when refused. */
  async acquire(priority: Priority): Promise<Slot | undefined> {
    const slot = this.tryAcquire(priority);
    const maxWait = MAX_QUEUE_WAIT_MS[priority];
    if (slot || maxWait === 0 || this.waiting.length >= MAX_WAITERS) return slot;
    return new Promise<Slot | undefined>((grant) => {
      const waiter: Waiter = { priority, grant, timer: setTimeout(() => { this.remove(waiter); grant(undefined); }, maxWait) };
      this.waiting.push(waiter);
    });
  }

  private take(priority: Priority): Slot {
    const startedAt = this.now();
    const inflightAtStart = ++this.inflight;
    this.inflightByClass[priority]++;
    let released = false;
    return {
      release: (recordLatency = true) => {
        if (released) return;
        released = true;
        this.inflight--;
        this.inflightByClass[priority]--;
        if (recordLatency) this.limiter.sample(this.now() - startedAt, inflightAtStart);
        this.wakeWaiters();
      },
    };
  }

  private remove(waiter: Waiter): void {
    const i = this.waiting.indexOf(waiter);
    if (i >= 0) this.waiting.splice(i, 1);
  }

  /** Hands freed capacity to the highest-priority waiter first (FIFO within a class). */
  private wakeWaiters(): void {
    while (this.waiting.length) {
      let best = 0;
      for (let i = 1; i < this.waiting.length; i++) {
        if (PRIORITIES.indexOf(this.waiting[i]!.priority) < PRIORITIES.indexOf(this.waiting[best]!.priority)) best = i;
      }
      const waiter = this.waiting[best]!;
      if (!this.hasRoom(waiter.priority)) return;
      this.waiting.splice(best, 1);
      clearTimeout(waiter.timer);
      waiter.grant(this.take(waiter.priority));
    }
  }
}
