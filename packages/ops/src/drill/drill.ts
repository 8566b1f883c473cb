// Running one drill: workload through the edge, one fault, recovery, audit, report.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import postgres from 'postgres';
import { appReady, startApp } from '../cluster/apps.js';
import { adminSocket, edgeView } from '../cluster/haproxy.js';
import { getJson } from '../cluster/http.js';
import { appServers, databaseUrl, defaultRunDir, findDc, HOST_IP, PATRONI_PORT, supervisor, type DataCenter, type Layout } from '../cluster/layout.js';
import { preflight } from '../cluster/lifecycle.js';
import { heal, isIsolated, isolate } from '../cluster/netns.js';
import { patroniCluster, waitPatroniHealthy, type PatroniMember } from '../cluster/patroni.js';
import { log, sleep, stopGracefully } from '../cluster/proc.js';
import { layoutFromState, loadState } from '../cluster/state.js';
import { auditControls, auditFeeds, auditMedia, auditPushes, auditWrites, failureStats, splitBrain, timing, type ControlRow, type DbRow, type FeedRow, type FetchedFile, type MediaAudit, type WriteAudit } from './audit.js';
import { FailoverTimeline } from './failover-timeline.js';
import { burn } from './fire.js';
import { PrimaryProbe } from './probe.js';
import { StatusWatch } from './status-watch.js';
import { verdict, type DrillReport } from './report.js';
import { PushReceiver } from './push-receiver.js';
import { Recorder, createSessions, startWorkload, type Session, type WorkloadOptions } from './workload.js';

export type DrillKind = 'fire' | 'partition' | 'restart';

export interface DrillOptions {
  kind: DrillKind;
  /** A DC name, or 'primary' for the DC holding the primary (fire and partition). */
  target: string;
  durationMs: number;
  warmupMs: number;
  partitionMs: number;
  writers: number;
  readers: number;
  writerPauseMs: number;
  readerPauseMs: number;
  /** Loops posting only with a picture (0: none), beside the writers. */
  pictureWriters: number;
  /** Loops writing lists and filters (issue 17), and the pause between their operations. */
  curators: number;
  curatorPauseMs: number;
  runDir?: string;
}

export const drillDefaults = {
  durationMs: 40_000, warmupMs: 8_000, partitionMs: 30_000, writers: 40, readers: 100, writerPauseMs: 250, readerPauseMs: 500, pictureWriters: 5, curators: 8, curatorPauseMs: 1_000,
  // A few clients filing reports and mentioning the push subscriber, beside the writers' load.
  reporters: 2, reporterPauseMs: 1000, notifiers: 2, notifierPauseMs: 1000,
};

type Events = Array<{ t: number; what: string }>;

async function leaderName(layout: Layout): Promise<string | null> {
  const members = await patroniCluster(layout);
  return members?.find((m) => m.role === 'leader' && m.state === 'running')?.name ?? null;
}

async function edgeServerState(layout: Layout, name: string): Promise<string | undefined> {
  return (await edgeView(layout))?.find((s) => s.name === name)?.status;
}

/** Checks every 200 ms until `check` holds or `timeoutMs` has passed; whether it held. */
async function poll(timeoutMs: number, check: () => Promise<boolean>): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) return false;
    await sleep(200);
  }
  return true;
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  if (!(await poll(timeoutMs, check))) throw new Error(`timed out waiting for ${what}`);
}

/**
 * How long a rolling restart waits for an app server's requests to end once the edge sends it no new
 * ones. A request may run past its 10 s budget (FIREBREAK_REQUEST_BUDGET_MS: no database work starts
 * after it, but a transaction that began runs to its end), and on a loaded machine some do; the edge
 * itself waits 40 s (`timeout server`). Past this wait the server is stopped anyway: SIGTERM lets it
 * finish what it holds (Fastify's close), as an orchestrator's grace period would.
 */
const DRAIN_WAIT_MS = 30_000;

/** Rolling restart: drain at the edge, stop gracefully, start, wait ready, back in rotation. */
async function rollingRestart(layout: Layout, faultAt: number, events: Events): Promise<void> {
  const sup = supervisor(layout);
  for (const dc of layout.dcs) {
    for (const app of dc.apps) {
      // Drained in both backends: reads, and writes (which go to the primary's DC).
      const servers = [`be_app/${app.name}`, `be_app_writes/${app.name}`];
      for (const server of servers) await adminSocket(layout.edge.statsSocket, `set server ${server} state drain`);
      const sessions = async (backend: string) => (await edgeView(layout, backend))?.find((s) => s.name === app.name)?.sessions ?? 0;
      let left = 0;
      await poll(DRAIN_WAIT_MS, async () => (left = (await sessions('be_app')) + (await sessions('be_app_writes'))) === 0);
      events.push({ t: Date.now() - faultAt, what: left === 0 ? `${app.name} drained at the edge, SIGTERM` : `${app.name}: ${left} requests still in flight after ${DRAIN_WAIT_MS / 1000} s of drain, SIGTERM (it finishes them before it exits)` });
      await stopGracefully(sup, app.name, 15_000);
      startApp(layout, dc, app);
      await until(`${app.name} to be ready again`, 60_000, () => appReady(app));
      for (const server of servers) await adminSocket(layout.edge.statsSocket, `set server ${server} state ready`);
      await until(`${app.name} UP at the edge`, 15_000, async () => (await edgeServerState(layout, app.name)) === 'UP');
      events.push({ t: Date.now() - faultAt, what: `${app.name} restarted and back in rotation` });
    }
  }
}

/**
 * The audit reads from the primary. With no primary (the failover itself failed) postgres.js would
 * cycle through the hosts forever: each attempt is bounded, and after two minutes the drill reports
 * that the audit could not run instead of hanging.
 */
async function readFromPrimary<T>(layout: Layout, read: (sql: postgres.Sql) => Promise<T>, deadlineMs = 120_000): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const reachable = layout.dcs.filter((d) => !isIsolated(d));
    const sql = postgres(databaseUrl({ ...layout, dcs: reachable }, undefined), { max: 1, connect_timeout: 2, onnotice: () => {} });
    let timer: NodeJS.Timeout | undefined;
    try {
      const query = read(sql);
      query.catch(() => {});
      return await Promise.race([query, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('no primary answered within 10 s')), 10_000); })]);
    } catch (err) {
      if (Date.now() > until) throw new Error(`no primary to audit against after ${deadlineMs / 1000} s (${(err as Error).message})`);
      await sleep(1000);
    } finally {
      clearTimeout(timer);
      await sql.end({ timeout: 0 }).catch(() => {});
    }
  }
}

/** Every picture an acknowledged post showed, read back through the edge (retried for up to a minute each). */
async function readBackFiles(urls: string[], deadlineMs = 60_000): Promise<Map<string, FetchedFile>> {
  const out = new Map<string, FetchedFile>();
  const until = Date.now() + deadlineMs;
  for (const url of new Set(urls)) {
    for (;;) {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
        const bytes = Buffer.from(await res.arrayBuffer());
        out.set(url, { status: res.status, sha256: res.ok ? createHash('sha256').update(bytes).digest('hex') : undefined });
        if (res.status < 500 || Date.now() > until) break;
      } catch (err) {
        out.set(url, { status: 0, error: (err as Error).message });
        if (Date.now() > until) break;
      }
      await sleep(500);
    }
  }
  return out;
}

/** What the audit reads back from the database after the drill. */
interface DrillRows { statuses: DbRow[]; media: Set<string>; controls: ControlRow[]; reports: DbRow[]; mentions: DbRow[]; notifications: string[]; feeds: FeedRow[]; outboxLeft: number }

/** How long the audit waits for the feed outbox to drain (app servers drain it at once, and poll every 0.5 s). */
const OUTBOX_WAIT_MS = 60_000;

/** Waits until the feed outbox is empty (for OUTBOX_WAIT_MS at most); returns what is left in it. */
async function waitOutboxDrained(layout: Layout): Promise<number> {
  const until = Date.now() + OUTBOX_WAIT_MS;
  for (;;) {
    const n = await readFromPrimary(layout, async (sql) => (await sql<Array<{ n: number }>>`select count(*)::int as n from feed_outbox`)[0]!.n);
    if (n === 0 || Date.now() > until) return n;
    await sleep(1000);
  }
}

/** Everything the drill wrote, as the database has it after recovery, and the push subscriber's notifications. */
async function readDrillRows(layout: Layout, runId: string, mediaIds: string[], subscriber: Session, readers: Session[]): Promise<DrillRows> {
  const outboxLeft = await waitOutboxDrained(layout);
  return readFromPrimary(layout, async (sql) => {
    const statuses = await sql<Array<{ id: string; text: string; media_ids: string[] }>>`select id::text as id, text, media_ids::text[] as media_ids from statuses where text like ${`drill ${runId} %`}`;
    const media = await sql<Array<{ id: string }>>`select id::text as id from media_attachments where id = any(${mediaIds}::bigint[]) and state <> 'failed'`;
    // The curators' filters and lists (workload.ts's controlTitle), each with its keyword or member.
    const controls = await sql<ControlRow[]>`
      select 'filter' as kind, f.title, k.keyword as detail from filters f left join filter_keywords k on k.filter_id = f.id where f.title like ${`f${runId}-%`}
      union all
      select 'list', l.title, la.account_id::text from lists l left join list_accounts la on la.list_id = l.id where l.title like ${`l${runId}-%`}`;
    const reports = await sql<DbRow[]>`select id::text as id, comment as text from reports where comment like ${`drill ${runId} %`}`;
    const mentions = await sql<DbRow[]>`select id::text as id, text from statuses where text like ${`@${subscriber.username} drill ${runId} %`}`;
    const notifications = await sql<Array<{ id: string }>>`select id::text as id from notifications where account_id = ${subscriber.id} and type = 'mention'`;
    // The writers' statuses (plain, with pictures, mentions) each reader's home feed holds.
    const written = [...statuses, ...mentions].map((r) => r.id);
    const feeds = await sql<Array<{ reader: string; floor: string | null; status_ids: string[] }>>`
      select a.id::text as reader, a.home_feed_floor::text as floor, coalesce(array_agg(h.status_id::text) filter (where h.status_id is not null), '{}') as status_ids
      from accounts a left join home_feed h on h.account_id = a.id and h.status_id = any(${written}::bigint[])
      where a.id = any(${readers.map((r) => r.id)}::bigint[]) group by a.id`;
    return {
      statuses: statuses.map((r) => ({ id: r.id, text: r.text, media_ids: r.media_ids })),
      media: new Set(media.map((m) => m.id)),
      controls: controls.map((r) => ({ kind: r.kind, title: r.title, detail: r.detail })),
      reports: [...reports], mentions: [...mentions], notifications: notifications.map((n) => n.id),
      feeds: feeds.map((f) => ({ reader: f.reader, floor: f.floor, statusIds: f.status_ids })), outboxLeft,
    };
  });
}

/** How long the drill waits after the workload for every notification to be pushed (retries back off). */
const PUSH_WAIT_MS = 90_000;
async function waitRejoined(layout: Layout, dc: DataCenter, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const own = await getJson<{ role: string; state: string; replication_state?: string }>(`http://${dc.ip}:${PATRONI_PORT}/patroni`);
    const members: PatroniMember[] = (await patroniCluster(layout)) ?? [];
    const m = members.find((x) => x.name === dc.name);
    if (own.body && own.body.role === 'replica' && own.body.state === 'running' && m && m.role !== 'leader' && m.state === 'running') return true;
    await sleep(500);
  }
  return false;
}

export async function runDrill(opts: DrillOptions): Promise<DrillReport> {
  const problems = preflight();
  if (problems.length) throw new Error(`cannot run a drill:\n  - ${problems.join('\n  - ')}`);
  const runDir = opts.runDir ?? defaultRunDir();
  const state = loadState(runDir);
  if (!state) throw new Error('no cluster here: run `firebreak cluster up` first');
  if (state.burned.length) throw new Error(`${state.burned.join(', ')} burned by an earlier fire: run \`firebreak cluster revive\` first`);
  const layout = layoutFromState(state, runDir);
  const all = layout.dcs.map((d) => d.name);
  log('checking the cluster is healthy');
  await waitPatroniHealthy(layout, all, 60_000);
  const apps = appServers(layout);
  await until('every app server UP at the edge', 60_000, async () => (await edgeView(layout))?.filter((s) => s.status === 'UP').length === apps.length);
  const primaryBefore = await leaderName(layout);
  let target: DataCenter | null = null;
  if (opts.kind !== 'restart') target = opts.target === 'primary' ? findDc(layout, primaryBefore ?? 'dc1') : findDc(layout, opts.target);

  const runId = Date.now().toString(36);
  // The push subscriber's push service, on the host: the app servers reach it over the bridge.
  const receiver = new PushReceiver();
  await receiver.start(HOST_IP, `/push/${runId}`);
  const wopts: WorkloadOptions = {
    edgeUrl: layout.edgeUrl, writers: opts.writers, readers: opts.readers,
    writerAccounts: Math.min(8, opts.writers), readerAccounts: Math.min(4, Math.max(1, opts.readers)),
    writerPauseMs: opts.writerPauseMs, readerPauseMs: opts.readerPauseMs,
    writeDeadlineMs: 60_000, readDeadlineMs: 20_000, runId, pictureWriters: opts.pictureWriters, curators: opts.curators, curatorPauseMs: opts.curatorPauseMs,
    reporters: drillDefaults.reporters, reporterPauseMs: drillDefaults.reporterPauseMs,
    notifiers: drillDefaults.notifiers, notifierPauseMs: drillDefaults.notifierPauseMs, pushEndpoint: receiver.url,
  };
  log(`drill ${runId}: creating drill accounts through the edge`);
  const sessions = await createSessions(wopts);
  const probe = new PrimaryProbe(layout.dcs);
  probe.start();
  const statusWatch = target ? await StatusWatch.open(layout.statusUrl, target.name) : undefined;
  const rec = new Recorder();
  const startedAt = new Date();
  const t0 = Date.now();
  log(`workload: ${opts.writers} writers, ${opts.readers} readers, ${opts.curators} curators of lists and filters; fault in ${opts.warmupMs / 1000} s`);
  const workload = startWorkload(rec, wopts, sessions);
  await sleep(opts.warmupMs);

  const faultAt = Date.now();
  statusWatch?.start(faultAt);
  const failover = opts.kind === 'restart' ? undefined : new FailoverTimeline(layout, faultAt);
  failover?.start();
  const events: Events = [];
  let healAt: number | null = null;
  let rejoin: Promise<boolean> | null = null;
  let faultError: string | null = null;
  try {
    if (opts.kind === 'fire' && target) {
      isolate(target);
      events.push({ t: 0, what: `${target.name}: network blackholed (link cut, silence both ways)` });
      log(events.at(-1)!.what);
      await sleep(500);
      const killed = await burn(layout, target);
      events.push({ t: Date.now() - faultAt, what: `${target.name}: ${killed} processes SIGKILLed, data directory deleted` });
      log(events.at(-1)!.what);
    } else if (opts.kind === 'partition' && target) {
      isolate(target);
      events.push({ t: 0, what: `${target.name}: partitioned (link cut, silence both ways) for ${opts.partitionMs / 1000} s` });
      log(events.at(-1)!.what);
      await sleep(opts.partitionMs);
      heal(target);
      healAt = Date.now();
      events.push({ t: healAt - faultAt, what: `${target.name}: partition healed` });
      log(events.at(-1)!.what);
      rejoin = waitRejoined(layout, target, 90_000);
    } else {
      events.push({ t: 0, what: 'rolling restart begins' });
      await rollingRestart(layout, faultAt, events);
      events.push({ t: Date.now() - faultAt, what: 'rolling restart done' });
      log(events.at(-1)!.what);
    }
  } catch (err) {
    faultError = (err as Error).message;
    events.push({ t: Date.now() - faultAt, what: `fault injection error: ${faultError}` });
    log(events.at(-1)!.what);
  }

  const minEnd = Math.max(t0 + opts.durationMs, Date.now() + (opts.kind === 'restart' ? 5_000 : 10_000));
  await sleep(Math.max(0, minEnd - Date.now()));
  log('stopping the workload (in-flight operations finish)');
  await workload.stop();
  const endAt = Date.now();
  let rejoinMs: number | null = null;
  if (rejoin && healAt !== null) {
    if (await rejoin) rejoinMs = Date.now() - healAt;
    events.push({ t: Date.now() - faultAt, what: rejoinMs !== null ? `${target!.name}: back as a replica` : `${target!.name}: did not rejoin within 90 s` });
  }
  await probe.stop();
  // Plain posts: a post with a picture waits for its processing (niced, the lowest priority), and is
  // reported apart (media in the report).
  const recovery = timing(rec.writes.filter((w) => !w.media), rec.reads, faultAt, endAt);
  const failoverTimeline = (await failover?.stop(probe.samples, primaryBefore, recovery.recoveryMs)) ?? [];
  const statusPage = (await statusWatch?.stop()) ?? null;
  const primaryAfter = await leaderName(layout);

  let rows: DrillRows = { statuses: [], media: new Set(), controls: [], reports: [], mentions: [], notifications: [], feeds: [], outboxLeft: 0 };
  let auditError: string | null = null;
  try {
    rows = await readDrillRows(layout, runId, rec.uploads.map((u) => u.mediaId), sessions.subscriber.session, sessions.readers);
  } catch (err) {
    auditError = (err as Error).message;
  }
  const writes: WriteAudit = auditWrites(rec.writes, rows.statuses);
  const files = await readBackFiles(rec.writes.flatMap((w) => (w.result === 'acked' && w.media?.url ? [w.media.url] : [])));
  const media: MediaAudit = auditMedia(rec.writes, rec.uploads, rows.statuses, rows.media, files);
  const controls = auditControls(rec.controls, rows.controls);
  // Every notification of a mention that landed must reach the subscriber's push service, however
  // the failover fell: wait for the queue to drain (a delivery may be in its retry's backoff).
  const pushDeadline = Date.now() + PUSH_WAIT_MS;
  let received = receiver.received(sessions.subscriber.keys);
  while (rows.notifications.some((id) => !received.byId.has(id)) && Date.now() < pushDeadline) {
    await sleep(1000);
    received = receiver.received(sessions.subscriber.keys);
  }
  await receiver.stop();
  const pushes = auditPushes(rows.notifications, received.byId, received.unreadable);
  const partial: Omit<DrillReport, 'verdict'> = {
    drill: opts.kind,
    target: target?.name ?? null,
    targetWasPrimary: target !== null && target.name === primaryBefore,
    primaryBefore,
    primaryAfter,
    startedAt: startedAt.toISOString(),
    workload: { writers: opts.writers, readers: opts.readers, durationMs: endAt - t0, faultAtMs: faultAt - t0 },
    events,
    faultError,
    writes,
    media,
    controls,
    reports: auditWrites(rec.reports, rows.reports),
    mentions: auditWrites(rec.mentions, rows.mentions),
    pushes,
    feeds: auditFeeds([...rows.statuses, ...rows.mentions], rows.feeds, rows.outboxLeft),
    failures: failureStats(rec.attempts, rec.writes, rec.reads, faultAt),
    timing: recovery,
    failoverTimeline,
    splitBrain: splitBrain(probe.samples, faultAt),
    rejoinMs,
    statusPage,
    auditError,
  };
  const report: DrillReport = { ...partial, verdict: verdict(partial) };
  const dir = `${runDir}/drills`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/${opts.kind}-${runId}.json`, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}
