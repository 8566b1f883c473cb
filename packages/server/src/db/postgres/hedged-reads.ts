// Reads on a cluster are hedged: a slow or failed primary costs a reader under a second, not a stall
// timeout plus a retry (DESIGN §2 rule 4).
import type { Row } from '../db.js';
import type { RetryObserver } from '../retry.js';
import { isRetryable } from '../retry.js';
import { runPrepared } from './connector.js';
import type { Pools } from './generations.js';

export class HedgedReads {
  constructor(
    private readonly pools: Pools,
    private readonly detector: { readonly primaryAnswering: boolean },
    private readonly hedgeMs: number,
    private readonly observer?: RetryObserver,
  ) {}

  /**
   * One read attempt. On a cluster it is hedged: when the primary has not answered within
   * hedgeMs, or has failed, the same read goes to a standby too and the first answer wins. A lost
   * primary then costs readers under a second, not a stall timeout plus a retry.
   */
  attempt<T extends Row>(text: string, params?: unknown[]): Promise<T[]> {
    const read = (role: 'primary' | 'standby') => this.pools.guarded(role, (sql) => runPrepared<T>(sql, text, params));
    if (!this.pools.standby) return read('primary');
    // While the heartbeat says the primary is failing, a standby is asked first: a request makes
    // several reads in a row, and each waiting out the hedge delay would add up to seconds.
    const [first, second] = this.detector.primaryAnswering ? ['primary', 'standby'] as const : ['standby', 'primary'] as const;
    return new Promise<T[]>((resolve, reject) => {
      let failures = 0;
      let secondStarted = false;
      const fail = (err: unknown) => {
        if (!isRetryable(err) || ++failures === 2) { clearTimeout(timer); reject(err); return; }
        startSecond();
      };
      const startSecond = () => {
        if (secondStarted) return;
        secondStarted = true;
        this.observer?.onHedge?.();
        read(second).then(resolve, fail);
      };
      const timer = setTimeout(startSecond, this.hedgeMs);
      read(first).then((rows) => { clearTimeout(timer); resolve(rows); }, fail);
    });
  }
}
