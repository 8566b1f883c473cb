// Split-brain probe: asks every node's PostgreSQL, about ten times a second, whether it is a primary
// (pg_is_in_recovery() = false). It connects over each node's Unix socket, which works from the host
// even while a DC's network is cut, so an isolated old primary is still seen.
import postgres from 'postgres';
import type { DataCenter } from '../cluster/layout.js';

export interface RoleSample { t: number; dc: string; primary: boolean | null }

export class PrimaryProbe {
  samples: RoleSample[] = [];
  private stopping = false;
  private loops: Promise<void>[] = [];

  constructor(private readonly dcs: DataCenter[], private readonly periodMs = 100) {}

  start(): void {
    for (const dc of this.dcs) this.loops.push(this.loop(dc));
  }

  private async loop(dc: DataCenter): Promise<void> {
    const open = () => postgres({ path: `${dc.pgDir}/.s.PGSQL.5432`, user: 'postgres', database: 'postgres', max: 1, connect_timeout: 1, idle_timeout: 0, fetch_types: false, onnotice: () => {} });
    let sql = open();
    while (!this.stopping) {
      const t = Date.now();
      let primary: boolean | null = null;
      let timer: NodeJS.Timeout | undefined;
      try {
        const query = sql`select pg_is_in_recovery() as r`;
        query.catch(() => {}); // a timed-out query fails later, when its connection is dropped
        const rows = await Promise.race([
          query,
          new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('probe timeout')), 500); }),
        ]);
        primary = rows[0]?.r === false;
      } catch {
        sql.end({ timeout: 0 }).catch(() => {});
        sql = open();
      } finally { clearTimeout(timer); }
      this.samples.push({ t, dc: dc.name, primary });
      await new Promise((r) => setTimeout(r, Math.max(0, this.periodMs - (Date.now() - t))));
    }
    await sql.end({ timeout: 0 }).catch(() => {});
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
  }
}
