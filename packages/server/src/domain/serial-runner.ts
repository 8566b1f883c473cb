// How the background workers (push delivery, the feed outbox) run their drain: woken by events and
// timers, one drain at a time on this server, and a wake-up during a drain asks for one more drain
// after it, however many came, so that nothing queued meanwhile waits for the next timer.
export class SerialRunner {
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(private readonly task: () => Promise<void>, private readonly failed: (err: unknown) => void) {}

  /** Whether stop() was called: a long task checks it between its steps. */
  get stopping(): boolean { return this.stopped; }

  /** Whether a run is in progress (a run() now only asks for one more after it). */
  get busy(): boolean { return this.running !== null; }

  /** Runs the task now, or once more after the run in progress. */
  run(): void {
    if (this.stopped) return;
    if (this.running) { this.again = true; return; }
    this.running = this.task()
      .catch((err) => this.failed(err))
      .finally(() => {
        this.running = null;
        if (this.again) { this.again = false; this.run(); }
      });
  }

  /** No more runs; waits for the one in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }
}
