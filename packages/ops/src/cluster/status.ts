// `firebreak cluster status`: each DC's network, etcd, Patroni role and lag, and the edge's view.
import postgres from 'postgres';
import { clientUrl } from './etcd.js';
import { edgeView, type EdgeServerView } from './haproxy.js';
import { getJson } from './http.js';
import { PATRONI_PORT, databaseUrl, supervisor, type Layout } from './layout.js';
import { isIsolated, namespaces } from './netns.js';
import { patroniCluster, type PatroniMember } from './patroni.js';
import { isRunning } from './proc.js';
import { loadState, type ClusterState } from './state.js';
import { swiftReady } from './swift.js';

export interface DcStatus {
  name: string;
  ip: string;
  network: 'up' | 'isolated' | 'absent';
  burned: boolean;
  etcd: 'healthy' | 'unhealthy' | 'down';
  patroni: { running: boolean; role: string; state: string; timeline?: number; lag?: number | string };
  /** The DC's Swift node and S3 proxy all answer their healthchecks. */
  swift: 'up' | 'down';
  apps: Array<{ name: string; running: boolean; edge: string }>;
}

export interface ClusterStatus {
  edgeUrl: string;
  latency: string;
  primaryDc: string | null;
  syncStandbyDc: string | null;
  dcs: DcStatus[];
  edge: { running: boolean; servers: EdgeServerView[] | null };
  statusPage: { url: string; running: boolean; indicator: string | null; description: string | null };
  /** Media attachments (their files in the DCs' Swift) and processing jobs waiting; null when the primary did not answer. */
  media: { attachments: number; jobsWaiting: number } | null;
}

async function mediaSummary(layout: Layout): Promise<ClusterStatus['media']> {
  const sql = postgres(databaseUrl(layout, undefined), { max: 1, connect_timeout: 2, idle_timeout: 1, onnotice: () => {} });
  let timer: NodeJS.Timeout | undefined;
  try {
    const query = sql<Array<{ attachments: string; jobs: string }>>`
      select (select count(*) from media_attachments) as attachments, (select count(*) from media_jobs) as jobs`;
    query.catch(() => {});
    const [row] = await Promise.race([query, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('timeout')), 3000); })]);
    return { attachments: Number(row!.attachments), jobsWaiting: Number(row!.jobs) };
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
    await sql.end({ timeout: 0 }).catch(() => {});
  }
}

export async function collectStatus(layout: Layout, state: ClusterState | undefined = loadState(layout.runDir)): Promise<ClusterStatus> {
  const sup = supervisor(layout);
  const nss = namespaces();
  const members: PatroniMember[] = (await patroniCluster(layout)) ?? [];
  const edge = await edgeView(layout);
  const dcs = await Promise.all(layout.dcs.map(async (dc): Promise<DcStatus> => {
    const network = !nss.includes(dc.ns) ? 'absent' : isIsolated(dc) ? 'isolated' : 'up';
    const etcdRunning = isRunning(sup, `${dc.name}-etcd`);
    const health = network === 'up' ? (await getJson<{ health: string }>(`${clientUrl(dc)}/health`)).body : undefined;
    const member = members.find((m) => m.name === dc.name);
    let role = member?.role ?? 'unknown';
    let pstate = member?.state ?? (isRunning(sup, `${dc.name}-patroni`) ? 'not in cluster view' : 'stopped');
    if (!member && network === 'up') {
      const own = await getJson<{ role: string; state: string }>(`http://${dc.ip}:${PATRONI_PORT}/patroni`);
      if (own.body) { role = own.body.role; pstate = own.body.state; }
    }
    return {
      name: dc.name,
      ip: dc.ip,
      network,
      burned: state?.burned.includes(dc.name) ?? false,
      etcd: health?.health === 'true' ? 'healthy' : etcdRunning ? 'unhealthy' : 'down',
      patroni: { running: isRunning(sup, `${dc.name}-patroni`), role, state: pstate, timeline: member?.timeline, lag: member?.lag },
      swift: network === 'up' && await swiftReady(dc) ? 'up' : 'down',
      apps: dc.apps.map((a) => {
        const view = edge?.find((s) => s.name === a.name);
        return { name: a.name, running: isRunning(sup, a.name), edge: view ? `${view.status}${view.check ? ` (${view.check})` : ''}` : 'unknown' };
      }),
    };
  }));
  const page = (await getJson<{ status?: { indicator: string; description: string } }>(`${layout.statusUrl}/api/v2/status.json`)).body;
  const leader = members.find((m) => m.role === 'leader' && m.state === 'running');
  const sync = members.find((m) => m.role === 'sync_standby');
  return {
    edgeUrl: layout.edgeUrl,
    latency: state ? (state.latency.applied ? `${layout.options.latency} one way between DCs (${state.latency.detail.replace(/ on dc\d+ (egress|ingress)/, '')})` : `none (${state.latency.detail})`) : 'unknown',
    primaryDc: leader?.name ?? null,
    syncStandbyDc: sync?.name ?? null,
    dcs,
    edge: { running: isRunning(sup, 'edge-haproxy'), servers: edge ?? null },
    statusPage: { url: layout.statusUrl, running: isRunning(sup, 'status'), indicator: page?.status?.indicator ?? null, description: page?.status?.description ?? null },
    media: leader ? await mediaSummary(layout) : null,
  };
}

export function formatStatus(s: ClusterStatus): string {
  const rows = [['DC', 'address', 'network', 'etcd', 'postgres (Patroni)', 'timeline', 'lag', 'swift', 'app servers: edge view']];
  for (const dc of s.dcs) {
    rows.push([
      dc.name + (dc.burned ? ' (burned)' : ''),
      dc.ip,
      dc.network,
      dc.etcd,
      `${dc.patroni.role} ${dc.patroni.state}`,
      dc.patroni.timeline === undefined ? '-' : String(dc.patroni.timeline),
      dc.patroni.lag === undefined || dc.patroni.lag === '' ? '-' : String(dc.patroni.lag),
      dc.swift,
      dc.apps.map((a) => `${a.name} ${a.running ? '' : '(stopped) '}${a.edge}`).join(', '),
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const table = rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
  return [
    `edge:     ${s.edgeUrl} (HAProxy ${s.edge.running ? 'running' : 'NOT running'})`,
    `primary:  ${s.primaryDc ?? 'NONE'}   synchronous standby: ${s.syncStandbyDc ?? 'NONE'}`,
    `latency:  ${s.latency}`,
    `status:   ${s.statusPage.url} (${s.statusPage.running ? s.statusPage.description ?? 'not answering' : 'NOT running'})`,
    `media:    ${s.media ? `files in Swift (three replicas, one per DC): ${s.media.attachments} attachments; ${s.media.jobsWaiting} processing jobs waiting` : 'unknown (no primary answered)'}`,
    '',
    table,
  ].join('\n');
}
