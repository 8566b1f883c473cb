// The status service's own storage: an embedded PGlite database in its own folder, never the main
// database (the status page must stay up when the main service is down). Every query lives here.
import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { PGlite } from '@electric-sql/pglite';
import { DAY_MS, SLOT_MS, slotStart, type ProblemType, type SlotCounts } from './detector.js';

export type ComponentStatus = 'operational' | 'degraded_performance' | 'partial_outage' | 'major_outage';
export const COMPONENT_STATUSES: ComponentStatus[] = ['operational', 'degraded_performance', 'partial_outage', 'major_outage'];
export type IncidentStatus = 'investigating' | 'identified' | 'monitoring' | 'resolved';
export type Impact = 'none' | 'minor' | 'major' | 'critical';

export interface AffectedComponent {
  code: string;
  name: string;
  old_status: ComponentStatus;
  new_status: ComponentStatus;
}

export interface IncidentUpdate {
  id: string;
  incidentId: string;
  status: IncidentStatus;
  body: string;
  createdAt: Date;
  affected: AffectedComponent[];
}

export interface Incident {
  id: string;
  name: string;
  status: IncidentStatus;
  impact: Impact;
  automatic: boolean;
  createdAt: Date;
  updatedAt: Date;
  monitoringAt: Date | null;
  resolvedAt: Date | null;
  components: string[];
  updates: IncidentUpdate[];
}

export interface ComponentDay {
  component: string;
  day: string;
  ms: Record<ComponentStatus, number>;
}

export interface WebhookDelivery {
  id: number;
  url: string;
  payload: string;
  attempts: number;
}

// Retention: every table has a bound (the machine running the status page is small too).
const RETENTION = {
  reportsMs: 7 * DAY_MS,
  slotsMs: 90 * DAY_MS,
  probeMinutesMs: 7 * DAY_MS,
  componentDaysMs: 100 * DAY_MS,
  webhooksMs: 7 * DAY_MS,
  maxPendingWebhooks: 1000,
};

const SCHEMA = `
create table if not exists meta (key text primary key, value text not null);
create table if not exists reports (
  id bigserial primary key,
  at timestamptz not null,
  problem text not null,
  body text,
  reporter text not null,
  address text not null,
  hour_start timestamptz not null
);
create unique index if not exists reports_one_per_reporter_hour on reports (reporter, hour_start);
create index if not exists reports_address_hour on reports (address, hour_start);
create index if not exists reports_at on reports (at);
create table if not exists report_slots (
  slot_start timestamptz not null,
  problem text not null,
  count integer not null,
  primary key (slot_start, problem)
);
create table if not exists probe_minutes (
  minute timestamptz not null,
  target text not null,
  kind text not null,
  total integer not null,
  failures integer not null,
  latency_sum_ms bigint not null,
  latency_max_ms integer not null,
  last_error text,
  primary key (minute, target, kind)
);
create table if not exists component_days (
  component text not null,
  day date not null,
  operational_ms bigint not null default 0,
  degraded_performance_ms bigint not null default 0,
  partial_outage_ms bigint not null default 0,
  major_outage_ms bigint not null default 0,
  primary key (component, day)
);
create table if not exists incidents (
  id text primary key,
  name text not null,
  status text not null,
  impact text not null,
  automatic boolean not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  monitoring_at timestamptz,
  resolved_at timestamptz,
  components jsonb not null
);
create index if not exists incidents_created on incidents (created_at desc);
create table if not exists incident_updates (
  id text primary key,
  incident_id text not null references incidents(id) on delete cascade,
  status text not null,
  body text not null,
  created_at timestamptz not null,
  affected jsonb not null
);
create index if not exists incident_updates_incident on incident_updates (incident_id, created_at);
create table if not exists webhook_outbox (
  id bigserial primary key,
  url text not null,
  payload text not null,
  attempts integer not null default 0,
  next_attempt_at timestamptz not null,
  delivered_at timestamptz,
  failed_at timestamptz,
  last_error text,
  created_at timestamptz not null
);
create index if not exists webhook_outbox_due on webhook_outbox (next_attempt_at) where delivered_at is null and failed_at is null;
`;

const newId = () => randomBytes(8).toString('hex');

export class StatusStore {
  private constructor(private readonly db: PGlite) {}

  static async open(storage: string): Promise<StatusStore> {
    if (!storage.startsWith('memory://')) mkdirSync(storage, { recursive: true });
    // PostgreSQL's WASM stays on V8's baseline code, as in the app server (server/src/db/pglite.ts):
    // optimizing one of its functions took a 604 MB compiler zone, more than this service holds in all.
    setFlagsFromString('--no-wasm-dynamic-tiering');
    setFlagsFromString('--no-wasm-tier-up');
    const db = await PGlite.create(storage);
    await db.exec(SCHEMA);
    return new StatusStore(db);
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  /** A value kept across restarts, created once by `create` (e.g. the reporter salt). */
  async metaValue(key: string, create: () => string): Promise<string> {
    await this.db.query('insert into meta (key, value) values ($1, $2) on conflict (key) do nothing', [key, create()]);
    const { rows } = await this.db.query<{ value: string }>('select value from meta where key = $1', [key]);
    return rows[0]!.value;
  }

  // ---- reports ----

  /**
   * Stores a report if it is the reporter's (the source's, reports.ts) first this hour. Returns
   * whether it was counted. Counted reports also bump the slot table the baseline learns from.
   */
  async addReport(r: { at: Date; problem: ProblemType; body: string | null; reporter: string }): Promise<boolean> {
    const hourStart = new Date(Math.floor(r.at.getTime() / 3600_000) * 3600_000);
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query(
        `insert into reports (at, problem, body, reporter, address, hour_start) values ($1, $2, $3, $4, $4, $5)
         on conflict (reporter, hour_start) do nothing returning id`,
        [r.at, r.problem, r.body, r.reporter, hourStart]);
      if (rows.length === 0) return false;
      await tx.query(
        `insert into report_slots (slot_start, problem, count) values ($1, $2, 1)
         on conflict (slot_start, problem) do update set count = report_slots.count + 1`,
        [new Date(slotStart(r.at.getTime())), r.problem]);
      return true;
    });
  }

  /** Adds counted reports in bulk to the slot history (demo data for screenshots, imports). */
  async addSlotCounts(rows: { slot: number; problem: ProblemType; count: number }[]): Promise<void> {
    for (const row of rows) {
      await this.db.query(
        `insert into report_slots (slot_start, problem, count) values ($1, $2, $3)
         on conflict (slot_start, problem) do update set count = report_slots.count + excluded.count`,
        [new Date(slotStart(row.slot)), row.problem, row.count]);
    }
  }

  /** Counted reports per problem type in (from, to]. */
  async reportCountsBetween(from: Date, to: Date): Promise<Map<string, number>> {
    const { rows } = await this.db.query<{ problem: string; n: number }>(
      'select problem, count(*)::int as n from reports where at > $1 and at <= $2 group by problem', [from, to]);
    return new Map(rows.map((r) => [r.problem, r.n]));
  }

  /** Slot counts since `from`: one series per problem type and the total under key "all". */
  async slotHistory(from: Date): Promise<Map<string, SlotCounts>> {
    const { rows } = await this.db.query<{ slot_start: Date; problem: string; count: number }>(
      'select slot_start, problem, count from report_slots where slot_start >= $1', [from]);
    const series = new Map<string, SlotCounts>([['all', new Map()]]);
    for (const row of rows) {
      const t = row.slot_start.getTime();
      if (!series.has(row.problem)) series.set(row.problem, new Map());
      series.get(row.problem)!.set(t, row.count);
      const all = series.get('all')!;
      all.set(t, (all.get(t) ?? 0) + row.count);
    }
    return series;
  }

  /** The earliest slot with any reports: history before it is unknown rather than quiet. */
  async firstReportSlot(): Promise<number | null> {
    const { rows } = await this.db.query<{ first: Date | null }>('select min(slot_start) as first from report_slots');
    return rows[0]?.first ? rows[0].first.getTime() : null;
  }

  // ---- probes ----

  async recordProbe(p: { at: Date; target: string; kind: string; ok: boolean; latencyMs: number; error: string | null }): Promise<void> {
    const minute = new Date(Math.floor(p.at.getTime() / 60_000) * 60_000);
    await this.db.query(
      `insert into probe_minutes (minute, target, kind, total, failures, latency_sum_ms, latency_max_ms, last_error)
       values ($1, $2, $3, 1, $4, $5, $6, $7)
       on conflict (minute, target, kind) do update set
         total = probe_minutes.total + 1,
         failures = probe_minutes.failures + excluded.failures,
         latency_sum_ms = probe_minutes.latency_sum_ms + excluded.latency_sum_ms,
         latency_max_ms = greatest(probe_minutes.latency_max_ms, excluded.latency_max_ms),
         last_error = coalesce(excluded.last_error, probe_minutes.last_error)`,
      [minute, p.target, p.kind, p.ok ? 0 : 1, Math.round(p.latencyMs), Math.round(p.latencyMs), p.error?.slice(0, 200) ?? null]);
  }

  // ---- uptime ----

  /** Adds `ms` spent in each component's current status to today's row (uptime bars). */
  async addComponentTime(at: Date, ms: number, statuses: Map<string, ComponentStatus>): Promise<void> {
    if (ms <= 0 || statuses.size === 0) return;
    const day = at.toISOString().slice(0, 10);
    for (const [component, status] of statuses) {
      const column = `${status}_ms`; // from the closed ComponentStatus union, never user input
      await this.db.query(
        `insert into component_days (component, day, ${column}) values ($1, $2, $3)
         on conflict (component, day) do update set ${column} = component_days.${column} + excluded.${column}`,
        [component, day, Math.round(ms)]);
    }
  }

  async componentDays(from: Date): Promise<ComponentDay[]> {
    const { rows } = await this.db.query<Record<string, unknown>>(
      `select component, to_char(day, 'YYYY-MM-DD') as day, operational_ms, degraded_performance_ms, partial_outage_ms, major_outage_ms
       from component_days where day >= $1::date order by day`, [from.toISOString().slice(0, 10)]);
    return rows.map((r) => ({
      component: String(r.component),
      day: String(r.day),
      ms: Object.fromEntries(COMPONENT_STATUSES.map((s) => [s, Number(r[`${s}_ms`])])) as Record<ComponentStatus, number>,
    }));
  }

  // ---- incidents ----

  async createIncident(i: { name: string; status: IncidentStatus; impact: Impact; automatic: boolean; components: string[]; at: Date; body: string; affected: AffectedComponent[] }): Promise<Incident> {
    const id = newId();
    await this.db.transaction(async (tx) => {
      await tx.query(
        `insert into incidents (id, name, status, impact, automatic, created_at, updated_at, components)
         values ($1, $2, $3, $4, $5, $6, $6, $7)`,
        [id, i.name, i.status, i.impact, i.automatic, i.at, JSON.stringify(i.components)]);
      await tx.query('insert into incident_updates (id, incident_id, status, body, created_at, affected) values ($1, $2, $3, $4, $5, $6)',
        [newId(), id, i.status, i.body, i.at, JSON.stringify(i.affected)]);
    });
    return (await this.incident(id))!;
  }

  async addIncidentUpdate(u: { incidentId: string; status: IncidentStatus; body: string; at: Date; impact?: Impact; components?: string[]; affected: AffectedComponent[] }): Promise<Incident> {
    await this.db.transaction(async (tx) => {
      await tx.query('insert into incident_updates (id, incident_id, status, body, created_at, affected) values ($1, $2, $3, $4, $5, $6)',
        [newId(), u.incidentId, u.status, u.body, u.at, JSON.stringify(u.affected)]);
      await tx.query(
        `update incidents set status = $2, updated_at = $3,
           impact = coalesce($4, impact),
           components = coalesce($5::jsonb, components),
           monitoring_at = case when $2 = 'monitoring' and monitoring_at is null then $3 else monitoring_at end,
           resolved_at = case when $2 = 'resolved' then $3 else null end
         where id = $1`,
        [u.incidentId, u.status, u.at, u.impact ?? null, u.components ? JSON.stringify(u.components) : null]);
    });
    return (await this.incident(u.incidentId))!;
  }

  async incident(id: string): Promise<Incident | undefined> {
    return (await this.loadIncidents('where id = $1', [id]))[0];
  }

  async recentIncidents(limit: number): Promise<Incident[]> {
    return this.loadIncidents('order by created_at desc limit $1', [limit]);
  }

  async unresolvedIncidents(): Promise<Incident[]> {
    return this.loadIncidents("where status <> 'resolved' order by created_at desc limit 50", []);
  }

  private async loadIncidents(tail: string, params: unknown[]): Promise<Incident[]> {
    const { rows } = await this.db.query<Record<string, any>>(`select * from incidents ${tail}`, params);
    if (rows.length === 0) return [];
    const { rows: updates } = await this.db.query<Record<string, any>>(
      'select * from incident_updates where incident_id = any($1) order by created_at desc, id', [rows.map((r) => r.id)]);
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      status: r.status,
      impact: r.impact,
      automatic: r.automatic,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      monitoringAt: r.monitoring_at,
      resolvedAt: r.resolved_at,
      components: r.components,
      updates: updates.filter((u) => u.incident_id === r.id).map((u) => ({
        id: u.id, incidentId: u.incident_id, status: u.status, body: u.body, createdAt: u.created_at, affected: u.affected,
      })),
    }));
  }

  // ---- webhooks ----

  async enqueueWebhooks(urls: string[], payload: string, at: Date): Promise<void> {
    for (const url of urls) {
      await this.db.query('insert into webhook_outbox (url, payload, next_attempt_at, created_at) values ($1, $2, $3, $3)', [url, payload, at]);
    }
    // Bound the queue: a receiver that is down for days must not grow it forever.
    await this.db.query(
      `update webhook_outbox set failed_at = $1, last_error = 'dropped: queue full'
       where id in (select id from webhook_outbox where delivered_at is null and failed_at is null
                    order by id desc offset $2)`, [at, RETENTION.maxPendingWebhooks]);
  }

  async dueWebhooks(now: Date, limit: number): Promise<WebhookDelivery[]> {
    const { rows } = await this.db.query<WebhookDelivery>(
      `select id, url, payload, attempts from webhook_outbox
       where delivered_at is null and failed_at is null and next_attempt_at <= $1 order by id limit $2`, [now, limit]);
    return rows;
  }

  async webhookDelivered(id: number, at: Date): Promise<void> {
    await this.db.query('update webhook_outbox set delivered_at = $2, attempts = attempts + 1, last_error = null where id = $1', [id, at]);
  }

  async webhookFailed(id: number, error: string, retryAt: Date | null, at: Date): Promise<void> {
    await this.db.query(
      `update webhook_outbox set attempts = attempts + 1, last_error = $2,
         next_attempt_at = coalesce($3, next_attempt_at), failed_at = case when $3::timestamptz is null then $4::timestamptz else null end
       where id = $1`, [id, error.slice(0, 300), retryAt, at]);
  }

  async webhookStats(): Promise<{ pending: number; delivered: number; failed: number }> {
    const { rows } = await this.db.query<{ pending: number; delivered: number; failed: number }>(
      `select count(*) filter (where delivered_at is null and failed_at is null)::int as pending,
              count(*) filter (where delivered_at is not null)::int as delivered,
              count(*) filter (where failed_at is not null)::int as failed from webhook_outbox`);
    return rows[0]!;
  }

  // ---- retention ----

  async prune(now: number): Promise<void> {
    const before = (ms: number) => new Date(now - ms);
    await this.db.query('delete from reports where at < $1', [before(RETENTION.reportsMs)]);
    await this.db.query('delete from report_slots where slot_start < $1', [before(RETENTION.slotsMs + SLOT_MS)]);
    await this.db.query('delete from probe_minutes where minute < $1', [before(RETENTION.probeMinutesMs)]);
    await this.db.query('delete from component_days where day < $1::date', [before(RETENTION.componentDaysMs).toISOString().slice(0, 10)]);
    await this.db.query('delete from webhook_outbox where created_at < $1 and (delivered_at is not null or failed_at is not null)', [before(RETENTION.webhooksMs)]);
  }
}
