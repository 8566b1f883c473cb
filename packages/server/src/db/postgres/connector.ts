// Opens postgres.js pools on the URL's hosts, in the order the failure detector last chose, with the
// connection settings every pool of the data layer shares.
import postgres from 'postgres';
import type { Row } from '../db.js';
import { urlHosts, withHosts, type HostOrder } from './hosts.js';

export type Sql = ReturnType<typeof postgres>;

/** The primary pool serves writes and reads; in a cluster the standby pool serves reads the primary is slow to. */
export type Role = 'primary' | 'standby';

export class Connector {
  readonly hosts: string[];
  /**
   * Where new connections go first. After a failover the hosts are reordered (see
   * FailureDetector.findPrimary): the primary first for the primary pool, live standbys first for the
   * standby pool, silent hosts last. Pools opened before a change keep the order they were opened with.
   */
  order: HostOrder;

  constructor(readonly url: string) {
    this.hosts = urlHosts(url);
    this.order = { primary: this.hosts, standby: this.hosts };
  }

  /** A multi-host URL: there are standbys to read from and a primary that can move. */
  get cluster(): boolean { return this.hosts.length > 1; }

  /** A pool of up to max connections; a standby pool prefers standbys and falls back to any node. */
  open(max: number, role: Role): Sql {
    const standby = role === 'standby';
    return postgres(withHosts(this.url, standby ? this.order.standby : this.order.primary), {
      max,
      // A dead primary must be noticed in about a second, not the default 30 s (DESIGN §1).
      connect_timeout: 1,
      keep_alive: 1,
      idle_timeout: 60,
      max_lifetime: 60 * 30,
      onnotice: () => {},
      ...(standby ? { target_session_attrs: 'prefer-standby' as const } : {}),
      // No statement_timeout and no cancel request: a commit waiting for the synchronous standby must
      // never be cancelled on a live primary (DESIGN §2 rule 2).
      connection: { application_name: 'firebreak' },
    });
  }
}

/** One statement with $n parameters, prepared, on a pool or inside a transaction. */
export function runPrepared<T extends Row>(target: { unsafe: Sql['unsafe'] }, text: string, params?: unknown[]): Promise<T[]> {
  return target.unsafe(text, (params ?? []) as any[], { prepare: true }) as unknown as Promise<T[]>;
}
