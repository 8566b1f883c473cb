// The readiness probe behind /readyz (DESIGN §2 rule 5).
import type { Connector, Role, Sql } from './connector.js';
import type { Generation, Pools } from './generations.js';
import { withTimeout } from './stall.js';

/**
 * Readiness probes ask on a connection of their own per pool generation: behind a busy pool's queue
 * the ping timed out under load, the edge took the server out of rotation, and a busy server became
 * an outage (flood drill).
 */
export class ReadinessProbes {
  private readonly connections = new Map<Generation, Sql>();

  constructor(private readonly pools: Pools, private readonly connector: Connector) {}

  /**
   * Ready means "can serve": reach the primary, or in a cluster mid-failover at least a standby,
   * since reads are then still served and writes held (DESIGN §2 rules 4 and 5). Both are asked at
   * once so the answer comes within timeoutMs even when the primary's host has gone silent; each
   * on its probe connection.
   */
  async ping(timeoutMs: number): Promise<void> {
    const ask = (role: Role) => withTimeout(this.connection(role)`select 1`, timeoutMs);
    if (!this.pools.standby) { await ask('primary'); return; }
    try {
      await Promise.any([ask('primary'), ask('standby')]);
    } catch (err) {
      throw (err as AggregateError).errors?.[0] ?? err;
    }
  }

  /**
   * Whether the primary is `localHost` (host:port, this app server's own DC's database, the first
   * host of its URL), asked on the primary probe connection: the edge sends writes to app servers
   * that answer yes, so a write crosses the links between DCs only for the synchronous commit.
   */
  async primaryIs(localHost: string, timeoutMs: number): Promise<boolean> {
    const rows = await withTimeout(this.connection('primary')<Array<{ addr: string | null; port: number | null }>>`select host(inet_server_addr()) as addr, inet_server_port() as port`, timeoutMs);
    const [host, port] = [localHost.slice(0, localHost.lastIndexOf(':')) || localHost, localHost.includes(':') ? Number(localHost.slice(localHost.lastIndexOf(':') + 1)) : 5432];
    return rows[0]?.addr === host && rows[0]?.port === port;
  }

  /** generation was abandoned: its probe connection goes with it. */
  forget(generation: Generation): void {
    this.connections.get(generation)?.end({ timeout: 0 }).catch(() => {});
    this.connections.delete(generation);
  }

  async end(timeoutSeconds: number): Promise<void> {
    await Promise.all([...this.connections.values()].map((sql) => sql.end({ timeout: timeoutSeconds })));
  }

  private connection(role: Role): Sql {
    const generation = role === 'primary' ? this.pools.primary : this.pools.standby!;
    let sql = this.connections.get(generation);
    if (!sql) this.connections.set(generation, sql = this.connector.open(1, role));
    return sql;
  }
}
