// The failure detector of a cluster: a heartbeat on the primary, and when it fails, a primary finder
// that asks every host which one is primary now and reorders the hosts accordingly.
import postgres from 'postgres';
import type { Connector } from './connector.js';
import type { Pools } from './generations.js';
import { withHosts, type HostOrder } from './hosts.js';
import { StalledError, withTimeout } from './stall.js';
import type { RetryObserver } from '../retry.js';

const HEARTBEAT_PERIOD_MS = 500;
const FINDER_ROUND_MS = 750;

type HostRole = 'primary' | 'standby' | 'silent';

/**
 * A connection of its own asks the primary `select 1` twice a second. When the answer does not come
 * within timeoutMs the primary's host has gone silent (a fire, a cut link), and the primary pool is
 * abandoned at once rather than each operation waiting out its own stall timeout. A quick refusal
 * (no primary mid-election) abandons nothing: there is nothing stuck to free.
 */
export class FailureDetector {
  private answering = true;
  private stopped = false;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly connector: Connector, private readonly pools: Pools, private readonly timeoutMs: number, private readonly observer: RetryObserver = {}) {}

  /** The heartbeat's last word on the primary (always true without a heartbeat). */
  get primaryAnswering(): boolean { return this.answering; }

  /** Starts the heartbeat: only on a cluster, and only with a timeout (0 turns it off). */
  start(): void {
    if (this.connector.cluster && this.timeoutMs > 0) this.running = this.heartbeat();
  }

  /** Stops the heartbeat and waits for its connection to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async heartbeat(): Promise<void> {
    let sql = this.connector.open(1, 'primary');
    while (!this.stopped) {
      // Twice a second while all is well; four times a second while looking for a new primary.
      await new Promise((r) => setTimeout(r, this.answering ? HEARTBEAT_PERIOD_MS : HEARTBEAT_PERIOD_MS / 2));
      if (this.stopped) break;
      if (this.answering) {
        const generation = this.pools.primary;
        try {
          const query = sql`select 1`;
          query.catch(() => {});
          await withTimeout(query, this.timeoutMs, 'the primary stopped answering');
          continue;
        } catch (err) {
          this.answering = false;
          this.observer.onPrimaryLost?.((err as Error).message);
          if (err instanceof StalledError) this.pools.abandon('primary', generation, err);
        }
      }
      // The primary is gone or moving: ask every host at once which one is primary now, and point
      // new connections there instead of letting each try the hosts one by one.
      const found = await this.findPrimary();
      if (this.stopped || !found) continue;
      // The new order first, then the abandons: the fresh generations open with it. (Set after them,
      // the new primary pool tried the old, silent primary first, a connect timeout per connection.)
      const previous = this.connector.order;
      this.connector.order = found;
      if (found.primary[0] !== previous.primary[0]) this.pools.abandon('primary', this.pools.primary, new StalledError('the primary moved'));
      if (found.standby[0] !== previous.standby[0] && this.pools.standby) this.pools.abandon('standby', this.pools.standby, new StalledError('the standby order changed'));
      sql.end({ timeout: 0 }).catch(() => {});
      sql = this.connector.open(1, 'primary');
      this.answering = true;
      this.observer.onPrimaryFound?.(found.primary[0]!);
    }
    await sql.end({ timeout: 0 }).catch(() => {});
  }

  /**
   * Asks every host directly, in parallel, whether it is in recovery, and orders the hosts by the
   * answers. It settles as soon as one host says "primary", or after FINDER_ROUND_MS: a silent host
   * would otherwise hold the answer for a whole timeout. Hosts that have not answered go last.
   */
  private findPrimary(): Promise<HostOrder | undefined> {
    const { hosts } = this.connector;
    const roles = new Map<string, HostRole>();
    return new Promise((resolve) => {
      let settled = false;
      const settle = () => {
        if (settled) return;
        settled = true;
        const having = (role: HostRole) => hosts.filter((h) => roles.get(h) === role);
        const [primaries, standbys] = [having('primary'), having('standby')];
        const rest = hosts.filter((h) => !primaries.includes(h) && !standbys.includes(h));
        // None, or two at once (an isolated old primary not yet demoted): keep the order we have.
        if (primaries.length !== 1) { resolve(undefined); return; }
        resolve({ primary: [...primaries, ...standbys, ...rest], standby: [...standbys, ...primaries, ...rest] });
      };
      // A round is short; the next one starts a moment later and sees a promotion that happens now.
      setTimeout(settle, FINDER_ROUND_MS);
      let pending = hosts.length;
      for (const host of hosts) {
        void this.askRole(host).then((role) => {
          roles.set(host, role);
          if (role === 'primary' || --pending === 0) settle();
        });
      }
    });
  }

  private async askRole(host: string): Promise<HostRole> {
    // Without target_session_attrs: a standby must answer too, to be told apart from a silent host.
    const sql = postgres(withHosts(this.connector.url, [host]).replace(/([?&])target_session_attrs=[^&]*&?/, '$1').replace(/[?&]$/, ''), {
      max: 1, connect_timeout: 1, fetch_types: false, idle_timeout: 1, onnotice: () => {},
      connection: { application_name: 'firebreak-primary-finder' },
    });
    try {
      const query = sql<Array<{ standby: boolean }>>`select pg_is_in_recovery() as standby`;
      query.catch(() => {});
      const [row] = await withTimeout(query, this.timeoutMs);
      return row?.standby ? 'standby' : 'primary';
    } catch {
      return 'silent';
    } finally {
      sql.end({ timeout: 0 }).catch(() => {});
    }
  }
}
