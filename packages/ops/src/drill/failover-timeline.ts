// Where a failover's time goes, as seen from outside every component at once: the etcd leader, who
// holds Patroni's leader key and who is its synchronous standby, when a node first answers SQL as the
// primary (from the split-brain probe's samples), when the edge takes app servers out of rotation,
// when each app server's failure detector lost and found the primary (their logs), and when writes
// were acknowledged again. Polled every 100 ms from the fault on; times are ms after the fault.
// Polling lags on a loaded machine (Patroni's API answered seconds late in drills), so the steps of
// the promotion itself come from Patroni's and PostgreSQL's own log lines, timestamped as they happen.
import { readFileSync } from 'node:fs';
import { edgeView } from '../cluster/haproxy.js';
import { getJson } from '../cluster/http.js';
import { appServers, ETCD_CLIENT_PORT, PATRONI_PORT, supervisor, type DataCenter, type Layout } from '../cluster/layout.js';
import { isIsolated } from '../cluster/netns.js';
import { logFile, sleep } from '../cluster/proc.js';
import type { RoleSample } from './probe.js';

export interface TimelineEvent { t: number; what: string }

interface ClusterView { leader: string | null; sync: string[] }

async function patroniView(layout: Layout): Promise<ClusterView | undefined> {
  for (const dc of layout.dcs.filter((d) => !isIsolated(d))) {
    const { body } = await getJson<{ members?: Array<{ name: string; role: string }> }>(`http://${dc.ip}:${PATRONI_PORT}/cluster`, 300);
    if (!body?.members) continue;
    return {
      leader: body.members.find((m) => m.role === 'leader')?.name ?? null,
      sync: body.members.filter((m) => m.role === 'sync_standby').map((m) => m.name),
    };
  }
  return undefined;
}

async function etcdLeader(layout: Layout): Promise<string | null | undefined> {
  const statuses = await Promise.all(layout.dcs.filter((d) => !isIsolated(d)).map(async (dc) => {
    try {
      const res = await fetch(`http://${dc.ip}:${ETCD_CLIENT_PORT}/v3/maintenance/status`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(300) });
      const body = await res.json() as { header?: { member_id?: string }; leader?: string };
      return { dc, member: body.header?.member_id, leader: body.leader };
    } catch { return undefined; }
  }));
  const answers = statuses.filter((s): s is { dc: DataCenter; member: string | undefined; leader: string | undefined } => s !== undefined);
  if (answers.length === 0) return undefined;
  const leaderId = answers.find((a) => a.leader && a.leader !== '0')?.leader;
  if (!leaderId) return null;
  return answers.find((a) => a.member === leaderId)?.dc.name ?? 'a member that does not answer';
}

export class FailoverTimeline {
  private readonly events: TimelineEvent[] = [];
  private stopping = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(private readonly layout: Layout, private readonly faultAt: number) {}

  private note(what: string): void {
    this.events.push({ t: Date.now() - this.faultAt, what });
  }

  start(): void {
    this.loop = this.poll();
  }

  private async poll(): Promise<void> {
    let patroni: ClusterView | undefined;
    let etcd: string | null | undefined;
    const edge = new Map<string, string>();
    for (const s of (await edgeView(this.layout)) ?? []) edge.set(s.name, s.status);
    patroni = await patroniView(this.layout);
    etcd = await etcdLeader(this.layout);
    while (!this.stopping) {
      const started = Date.now();
      const [p, e, servers] = await Promise.all([patroniView(this.layout), etcdLeader(this.layout), edgeView(this.layout)]);
      if (p && (p.leader !== patroni?.leader)) this.note(p.leader ? `Patroni: ${p.leader} holds the leader key` : 'Patroni: no member holds the leader key');
      if (p && p.sync.join() !== patroni?.sync.join()) this.note(p.sync.length ? `Patroni: ${p.sync.join(', ')} is the synchronous standby` : 'Patroni: no synchronous standby');
      if (p) patroni = p;
      if (e !== undefined && e !== etcd) this.note(e ? `etcd: ${e} leads` : 'etcd: no leader');
      if (e !== undefined) etcd = e;
      for (const s of servers ?? []) {
        if (edge.get(s.name) !== s.status) this.note(`edge: ${s.name} ${s.status}`);
        edge.set(s.name, s.status);
      }
      await sleep(Math.max(0, 100 - (Date.now() - started)));
    }
  }

  /**
   * Stops polling and returns every event, sorted: the polled ones, a node's first answer as the
   * primary (other than `oldPrimary`), the app servers' failure detectors, and the first write
   * acknowledged after the fault.
   */
  async stop(probeSamples: RoleSample[], oldPrimary: string | null, firstAckMs: number | null): Promise<TimelineEvent[]> {
    this.stopping = true;
    await this.loop;
    const promoted = probeSamples.find((s) => s.t >= this.faultAt && s.primary === true && s.dc !== oldPrimary);
    if (promoted) this.events.push({ t: promoted.t - this.faultAt, what: `${promoted.dc} answers SQL as the primary` });
    for (const app of appServers(this.layout)) {
      for (const e of detectorEvents(logFile(supervisor(this.layout), app.name), this.faultAt)) this.events.push({ t: e.t, what: `${app.name}: ${e.what}` });
    }
    const until = Date.now();
    for (const dc of this.layout.dcs) {
      for (const e of databaseEvents(logFile(supervisor(this.layout), `${dc.name}-patroni`), this.faultAt, until)) this.events.push({ t: e.t, what: `${dc.name}: ${e.what}` });
    }
    if (firstAckMs !== null) this.events.push({ t: firstAckMs, what: 'first write acknowledged after the fault' });
    return this.events.sort((a, b) => a.t - b.t);
  }
}

/** The failure detector's log lines (db.primary_lost / db.primary_found) at or after the fault. */
export function detectorEvents(path: string, faultAt: number): TimelineEvent[] {
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch { return []; }
  const out: TimelineEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.includes('"db.primary_')) continue;
    let entry: { time?: number; event?: string; host?: string; reason?: string };
    try { entry = JSON.parse(line); } catch { continue; }
    if (typeof entry.time !== 'number' || entry.time < faultAt) continue;
    out.push({
      t: entry.time - faultAt,
      what: entry.event === 'db.primary_lost' ? `failure detector: the primary stopped answering (${entry.reason ?? '?'})` : `failure detector: found the primary at ${entry.host ?? '?'}`,
    });
  }
  return out;
}

/** Log lines of a Patroni member (its own and its PostgreSQL's) that mark a step of a failover. */
const DATABASE_STEPS: Array<[RegExp, (m: RegExpMatchArray) => string]> = [
  [/promoted self to leader by acquiring session lock/, () => 'Patroni took the leader key (log)'],
  [/Demoting self/, () => 'Patroni demotes its PostgreSQL (log)'],
  [/database system is ready to accept connections/, () => 'PostgreSQL accepts writes (log)'],
  [/(?:started streaming WAL|restarted WAL streaming) .*on timeline (\d+)/, (m) => `streams WAL from the primary, timeline ${m[1]} (log)`],
  [/parameter "synchronous_standby_names" changed to "(.*)"/, (m) => `synchronous_standby_names = '${m[1]}' (log)`],
  [/Synchronous standby status assigned to \[(.*)\]/, (m) => `Patroni recorded ${m[1].replace(/'/g, '')} as the synchronous standby (log)`],
];

/**
 * The failover steps in one member's log at or after the fault and before `until`. Patroni writes
 * local time with a comma before the milliseconds; PostgreSQL writes "UTC".
 */
export function databaseEvents(path: string, faultAt: number, until = Infinity): TimelineEvent[] {
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch { return []; }
  const out: TimelineEvent[] = [];
  for (const line of text.split('\n')) {
    const stamp = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)[.,](\d{3})( UTC)?/.exec(line);
    if (!stamp) continue;
    const at = new Date(`${stamp[1]}T${stamp[2]}.${stamp[3]}${stamp[4] ? 'Z' : ''}`).getTime();
    if (!(at >= faultAt && at < until)) continue;
    for (const [pattern, describe] of DATABASE_STEPS) {
      const m = pattern.exec(line);
      if (m) { out.push({ t: at - faultAt, what: describe(m) }); break; }
    }
  }
  return out;
}
