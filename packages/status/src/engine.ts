// The engine turns probe results and report counts into component statuses, a site-wide level and
// incidents. Production drives it with timers (start/stop); tests with a manual clock call
// probeAll() and evaluate() themselves, so the decisions are the same code either way.
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { StatusConfig, Target } from './config.js';
import {
  DEFAULT_DETECTOR, DAY_MS, LevelTracker, SLOT_MS, assessWindow, expectedPerSlot, slotStart,
  type Assessment, type Baseline, type DetectorSettings, type ReportLevel, type SlotCounts,
} from './detector.js';
import { probePost, probeRead, probeReady, type ProbeKind, type ProbeResult } from './probes.js';
import type { AffectedComponent, ComponentStatus, Impact, Incident, IncidentStatus, StatusStore } from './store.js';

export type Overall = 'none' | 'possible' | 'problems';

export interface ComponentView {
  id: string;
  name: string;
  /** Targets are probed servers; derived components (posting, timelines, login) combine probes and reports. */
  kind: 'target' | 'derived';
  /**
   * A data center behind an edge: losing it costs redundancy, not service (the edge routes around
   * it), so site-wide it counts as degraded at most. Its own status stays exact.
   */
  redundant: boolean;
  status: ComponentStatus;
  updatedAt: Date;
  /** Why it has this status, for people ("readyz: timeout after 1500 ms"). */
  reason: string;
  latencyMs: number | null;
}

/** Report series watched: every report, and the types that map to a component. */
const REPORT_SERIES = { all: null, posting: 'posting', timeline: 'timelines', login: 'login' } as const;
type Series = keyof typeof REPORT_SERIES;

const DERIVED = [
  { id: 'posting', name: 'Posting', series: 'posting' as Series },
  { id: 'timelines', name: 'Timelines', series: 'timeline' as Series },
  { id: 'login', name: 'Login', series: 'login' as Series },
];

const RANK: Record<ComponentStatus, number> = { operational: 0, degraded_performance: 1, partial_outage: 2, major_outage: 3 };
const worst = (...s: ComponentStatus[]): ComponentStatus => s.reduce((a, b) => (RANK[b] > RANK[a] ? b : a), 'operational');
/** How much a component's status weighs site-wide (see ComponentView.redundant). */
export const siteWeight = (c: { status: ComponentStatus; redundant: boolean }): ComponentStatus =>
  c.redundant && RANK[c.status] > 1 ? 'degraded_performance' : c.status;
export const HUMAN_STATUS: Record<ComponentStatus, string> = {
  operational: 'operational', degraded_performance: 'degraded performance', partial_outage: 'partial outage', major_outage: 'major outage',
};

interface ProbeState {
  failures: number;
  slow: number;
  last: ProbeResult | undefined;
}

export interface ReportSeriesView extends Assessment {
  series: Series;
  /** Level after the persistence rule (what the page shows). */
  reported: ReportLevel;
}

export class StatusEngine {
  private readonly probeState = new Map<string, ProbeState>();
  private readonly trackers = new Map<Series, LevelTracker>();
  private readonly assessments = new Map<Series, ReportSeriesView>();
  private components = new Map<string, ComponentView>();
  private baseline: { slot: number; history: Map<string, SlotCounts>; since: number } | undefined;
  private firstStarted = 0;
  private lastEvaluated: number | undefined;
  private lastPostProbe = new Map<string, number>();
  private openIncident: Incident | undefined;
  /** Component statuses as of the open incident's last update (for affected_components). */
  private incidentStatuses = new Map<string, ComponentStatus>();
  private incidentSignature = '';
  private clearSince: number | undefined;
  /** An operator resolved the automatic incident while problems persisted: wait for all-clear. */
  private suppressedUntilClear = false;
  private timers = new Set<NodeJS.Timeout>();
  private running = new Set<Promise<unknown>>();
  /** The synthetic post probe running for each target, at most one. */
  private postsInFlight = new Map<string, Promise<void>>();
  private stopped = true;

  constructor(
    private readonly config: StatusConfig,
    private readonly store: StatusStore,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly onIncidentChange: (event: 'incident.created' | 'incident.updated' | 'incident.resolved', incident: Incident) => Promise<void>,
    readonly detector: DetectorSettings = DEFAULT_DETECTOR,
  ) {
    for (const s of Object.keys(REPORT_SERIES) as Series[]) this.trackers.set(s, new LevelTracker(detector.persistMs, detector.clearMs));
    const now = new Date(clock.now());
    const hasEdge = config.targets.some((t) => t.name === 'edge');
    for (const t of config.targets) {
      this.components.set(t.name, { id: t.name, name: t.name, kind: 'target', redundant: hasEdge && t.name !== 'edge', status: 'operational', updatedAt: now, reason: 'not probed yet', latencyMs: null });
    }
    for (const d of DERIVED) this.components.set(d.id, { id: d.id, name: d.name, kind: 'derived', redundant: false, status: 'operational', updatedAt: now, reason: '', latencyMs: null });
  }

  async init(): Promise<void> {
    this.firstStarted = Number(await this.store.metaValue('first_started_ms', () => String(this.clock.now())));
    this.openIncident = (await this.store.unresolvedIncidents()).find((i) => i.automatic);
    if (this.openIncident) {
      this.incidentSignature = 'restored';
      for (const c of this.components.values()) this.incidentStatuses.set(c.id, c.status);
    }
  }

  // ---- probes ----

  async probeTarget(target: Target): Promise<ProbeResult[]> {
    const opts = { timeoutMs: this.config.probeTimeoutMs, now: () => this.clock.now(), probeToken: this.config.probeToken };
    const lastPost = this.lastPostProbe.get(target.name);
    if (this.config.probeToken && !this.postsInFlight.has(target.name)
      && (lastPost === undefined || this.clock.now() - lastPost >= this.config.syntheticPostIntervalMs)) {
      this.lastPostProbe.set(target.name, this.clock.now());
      // Two writes, each replicated to another DC before it is acknowledged: the synthetic post gets a
      // writer's patience, not a health check's (a post and its deletion through a DC without the
      // primary took 0.6 to 0.9 s unloaded, and past 1.5 s under load after a revive, which kept the
      // revived DC "degraded"), and runs beside the readiness and read probes instead of holding them up.
      const post = probePost(target, { ...opts, timeoutMs: this.config.postTimeoutMs })
        .then((r) => this.recordProbe(r))
        .catch((err) => this.log.error({ err }, 'synthetic post probe failed'))
        .finally(() => this.postsInFlight.delete(target.name));
      this.postsInFlight.set(target.name, post);
    }
    const results = await Promise.all([probeReady(target, opts), probeRead(target, opts)]);
    for (const r of results) await this.recordProbe(r);
    return results;
  }

  /** Every target probed once; waits for synthetic posts too, so a simulated clock sees their outcome. */
  async probeAll(): Promise<void> {
    await Promise.all(this.config.targets.map((t) => this.probeTarget(t)));
    await Promise.all(this.postsInFlight.values());
  }

  async recordProbe(r: ProbeResult): Promise<void> {
    const key = `${r.target}/${r.kind}`;
    const state = this.probeState.get(key) ?? { failures: 0, slow: 0, last: undefined };
    state.failures = r.ok ? 0 : state.failures + 1;
    state.slow = r.ok && r.latencyMs > this.config.slowProbeMs ? state.slow + 1 : 0;
    state.last = r;
    this.probeState.set(key, state);
    await this.store.recordProbe({ at: new Date(r.at), target: r.target, kind: r.kind, ok: r.ok, latencyMs: r.latencyMs, error: r.error });
  }

  private probe(target: string, kind: ProbeKind): { down: boolean; slow: boolean; state: ProbeState | undefined } {
    const state = this.probeState.get(`${target}/${kind}`);
    const n = this.config.failuresToDown;
    return { down: (state?.failures ?? 0) >= n, slow: (state?.slow ?? 0) >= n, state };
  }

  private targetStatus(target: Target): { status: ComponentStatus; reason: string; latencyMs: number | null } {
    const ready = this.probe(target.name, 'readyz');
    const read = this.probe(target.name, 'read');
    const post = this.probe(target.name, 'post');
    const failing = (['readyz', 'read', 'post'] as ProbeKind[])
      .map((k) => ({ k, s: this.probe(target.name, k) }))
      .filter(({ s }) => s.down)
      .map(({ k, s }) => `${k}: ${s.state?.last?.error}`);
    let status: ComponentStatus = 'operational';
    if (ready.down && read.down) status = 'major_outage';
    else if (ready.down || read.down) status = 'partial_outage';
    else if (ready.slow || read.slow || post.down) status = 'degraded_performance';
    const latency = ready.state?.last?.ok ? Math.round(ready.state.last.latencyMs) : null;
    const reason = failing.length ? failing.join('; ')
      : status === 'degraded_performance' ? `slow: ${latency ?? '?'} ms` : ready.state ? 'probes pass' : 'not probed yet';
    return { status, reason, latencyMs: latency };
  }

  /** Users reach the service through the edge when there is one; otherwise through any data center. */
  private entryProbeStatus(kind: ProbeKind): ComponentStatus {
    const edge = this.config.targets.find((t) => t.name === 'edge');
    const entries = edge ? [edge] : this.config.targets;
    if (entries.length === 0) return 'operational';
    const states = entries.map((t) => this.probe(t.name, kind));
    const down = states.filter((s) => s.down).length;
    if (down === entries.length) return 'major_outage';
    if (down > 0) return 'partial_outage';
    return states.some((s) => s.slow) ? 'degraded_performance' : 'operational';
  }

  // ---- reports ----

  private async refreshBaseline(now: number): Promise<void> {
    const slot = slotStart(now);
    if (this.baseline?.slot === slot) return;
    const from = new Date(slot - (this.detector.historyDays + 1) * DAY_MS);
    const history = await this.store.slotHistory(from);
    const firstReport = await this.store.firstReportSlot();
    const since = Math.min(this.firstStarted, firstReport ?? Infinity);
    this.baseline = { slot, history, since };
    await this.store.prune(now);
  }

  /** Expected reports per 15-minute slot for a series, at the slot starting at `slot`. */
  expected(series: Series, slot: number): Baseline {
    const b = this.baseline;
    if (!b) return { perSlot: this.detector.priorPerSlot, days: 0 };
    const history = b.history.get(series) ?? new Map<number, number>();
    // Per-type series get the prior split over the problem types: most reports are about one thing.
    const settings = series === 'all' ? this.detector : { ...this.detector, priorPerSlot: this.detector.priorPerSlot / 3 };
    return expectedPerSlot(history, slot, b.since, settings);
  }

  private async assessReports(now: number): Promise<void> {
    const counts = await this.store.reportCountsBetween(new Date(now - this.detector.windowMs), new Date(now));
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    for (const series of Object.keys(REPORT_SERIES) as Series[]) {
      const observed = series === 'all' ? total : counts.get(series) ?? 0;
      const a = assessWindow(observed, this.expected(series, slotStart(now)), this.detector);
      const reported = this.trackers.get(series)!.update(now, a.level);
      this.assessments.set(series, { ...a, series, reported });
    }
  }

  reportLevel(series: Series = 'all'): ReportSeriesView | undefined {
    return this.assessments.get(series);
  }

  // ---- evaluation ----

  async evaluate(): Promise<void> {
    const now = this.clock.now();
    await this.refreshBaseline(now);
    await this.assessReports(now);

    const next = new Map<string, ComponentView>();
    const set = (id: string, status: ComponentStatus, reason: string, latencyMs: number | null) => {
      const prev = this.components.get(id)!;
      next.set(id, { ...prev, status, reason, latencyMs, updatedAt: prev.status === status ? prev.updatedAt : new Date(now) });
    };
    for (const t of this.config.targets) {
      const s = this.targetStatus(t);
      set(t.name, s.status, s.reason, s.latencyMs);
    }
    const fromReports = (level: ReportLevel | undefined): ComponentStatus =>
      level === 'problems' ? 'partial_outage' : level === 'possible' ? 'degraded_performance' : 'operational';
    const postingProbe = this.config.probeToken ? this.entryProbeStatus('post') : this.entryProbeStatus('readyz');
    const probeFor: Record<string, ComponentStatus> = {
      posting: postingProbe, timelines: this.entryProbeStatus('read'), login: this.entryProbeStatus('readyz'),
    };
    for (const d of DERIVED) {
      const a = this.assessments.get(d.series);
      const byReports = fromReports(a?.reported);
      const status = worst(probeFor[d.id]!, byReports);
      const reason = byReports !== 'operational' && a ? `${a.observed} reports in ${this.detector.windowMs / 60_000} min (about ${a.expected.toFixed(1)} expected)`
        : probeFor[d.id] !== 'operational' ? 'probes failing' : '';
      set(d.id, status, reason, null);
    }

    const elapsed = this.lastEvaluated === undefined ? 0 : Math.min(now - this.lastEvaluated, 60_000);
    this.lastEvaluated = now;
    this.components = next;
    await this.store.addComponentTime(new Date(now), elapsed, new Map([...next].map(([id, c]) => [id, c.status])));
    await this.updateIncidents(now);
  }

  componentViews(): ComponentView[] {
    return [...this.components.values()];
  }

  overall(): Overall {
    const statuses = [...this.components.values()].map(siteWeight);
    const site = this.assessments.get('all')?.reported;
    if (statuses.some((s) => RANK[s] >= 2) || site === 'problems') return 'problems';
    if (statuses.includes('degraded_performance') || [...this.assessments.values()].some((a) => a.reported !== 'none')) return 'possible';
    return 'none';
  }

  // ---- incidents ----

  private serious(): ComponentView[] {
    return [...this.components.values()].filter((c) => RANK[c.status] >= 2);
  }

  private describeNow(): string {
    const lines = [...this.components.values()].filter((c) => c.status !== 'operational')
      .map((c) => `${c.name}: ${HUMAN_STATUS[c.status]}${c.reason ? ` (${c.reason})` : ''}.`);
    const site = this.assessments.get('all');
    if (site && site.reported !== 'none') {
      lines.push(`Users reported problems: ${site.observed} reports in the last ${this.detector.windowMs / 60_000} minutes, about ${site.expected.toFixed(1)} expected.`);
    }
    return lines.join('\n') || 'All components operational.';
  }

  private impactNow(): Impact {
    const top = worst(...[...this.components.values()].map(siteWeight));
    if (top === 'major_outage') return 'critical';
    if (top === 'partial_outage' || this.assessments.get('all')?.reported === 'problems') return 'major';
    return top === 'degraded_performance' ? 'minor' : 'none';
  }

  private affectedSince(previous: Map<string, ComponentStatus>): AffectedComponent[] {
    return [...this.components.values()]
      .filter((c) => (previous.get(c.id) ?? 'operational') !== c.status)
      .map((c) => ({ code: c.id, name: c.name, old_status: previous.get(c.id) ?? 'operational', new_status: c.status }));
  }

  private snapshotStatuses(): Map<string, ComponentStatus> {
    return new Map([...this.components.values()].map((c) => [c.id, c.status]));
  }

  private async updateIncidents(now: number): Promise<void> {
    const serious = this.serious();
    const siteProblems = this.assessments.get('all')?.reported === 'problems';
    const bad = serious.length > 0 || siteProblems;
    const signature = [...this.components.values()].filter((c) => c.status !== 'operational').map((c) => `${c.id}:${c.status}`).join(',') + (siteProblems ? ',reports' : '');
    const at = new Date(now);

    if (!this.openIncident) {
      if (!bad) this.suppressedUntilClear = false;
      if (!bad || this.suppressedUntilClear) return;
      // Name the incident after the probed servers when they are the cause, else what users feel.
      const targets = serious.filter((c) => c.kind === 'target');
      const named = targets.length ? targets : serious;
      const name = named.length === 0 ? `Users report problems with ${this.config.pageName}`
        : named.length === 1 ? `${named[0]!.name}: ${HUMAN_STATUS[named[0]!.status]}`
        : `Problems with ${named.map((c) => c.name).join(', ')}`;
      this.openIncident = await this.store.createIncident({
        name, status: 'investigating', impact: this.impactNow(), automatic: true, at,
        components: serious.map((c) => c.id), body: `Detected automatically.\n${this.describeNow()}`,
        affected: this.affectedSince(new Map()),
      });
      this.incidentStatuses = this.snapshotStatuses();
      this.incidentSignature = signature;
      this.clearSince = undefined;
      this.log.warn({ incident: this.openIncident.id, name }, 'incident opened');
      await this.onIncidentChange('incident.created', this.openIncident);
      return;
    }
    if (!this.openIncident.automatic) return;

    if (bad) {
      this.clearSince = undefined;
      if (signature !== this.incidentSignature) {
        const components = [...new Set([...this.openIncident.components, ...serious.map((c) => c.id)])];
        await this.autoUpdate('identified', `Status changed.\n${this.describeNow()}`, at, components);
        this.incidentSignature = signature;
      }
      return;
    }
    if (this.clearSince === undefined) {
      this.clearSince = now;
      await this.autoUpdate('monitoring', 'Probes pass and reports are back to normal; monitoring.', at);
      this.incidentSignature = signature;
    }
    if (now - this.clearSince >= this.config.resolveAfterMs) {
      await this.autoUpdate('resolved', 'Resolved automatically: everything stayed operational.', at);
    }
  }

  private async autoUpdate(status: IncidentStatus, body: string, at: Date, components?: string[]): Promise<void> {
    const incident = await this.store.addIncidentUpdate({
      incidentId: this.openIncident!.id, status, body, at, components,
      impact: status === 'resolved' || status === 'monitoring' ? undefined : this.impactNow(),
      affected: this.affectedSince(this.incidentStatuses),
    });
    this.incidentStatuses = this.snapshotStatuses();
    this.openIncident = status === 'resolved' ? undefined : incident;
    if (status === 'resolved') this.clearSince = undefined;
    this.log.info({ incident: incident.id, status }, 'incident updated');
    await this.onIncidentChange(status === 'resolved' ? 'incident.resolved' : 'incident.updated', incident);
  }

  /** Operator action (admin token checked by the caller). */
  async operatorUpdate(incidentId: string, status: IncidentStatus, body: string): Promise<Incident | undefined> {
    const current = await this.store.incident(incidentId);
    if (!current) return undefined;
    const incident = await this.store.addIncidentUpdate({ incidentId, status, body, at: new Date(this.clock.now()), affected: [] });
    if (this.openIncident?.id === incidentId) {
      if (status === 'resolved') {
        this.openIncident = undefined;
        this.suppressedUntilClear = this.serious().length > 0 || this.assessments.get('all')?.reported === 'problems';
      } else this.openIncident = incident;
    }
    await this.onIncidentChange(status === 'resolved' ? 'incident.resolved' : 'incident.updated', incident);
    return incident;
  }

  async operatorCreate(name: string, status: IncidentStatus, body: string, impact: Impact, components: string[]): Promise<Incident> {
    const incident = await this.store.createIncident({
      name, status, impact, automatic: false, components, body, at: new Date(this.clock.now()), affected: [],
    });
    await this.onIncidentChange('incident.created', incident);
    return incident;
  }

  knownComponent(id: string): boolean {
    return this.components.has(id);
  }

  // ---- chart ----

  /** The last 24 hours in 15-minute slots: counted reports against the learned baseline. */
  async chart(): Promise<{ slots: { start: number; reports: number; baseline: number }[]; slotMs: number }> {
    const now = this.clock.now();
    await this.refreshBaseline(now);
    const current = slotStart(now);
    const fresh = (await this.store.slotHistory(new Date(current - DAY_MS))).get('all')!;
    const slots = [];
    for (let t = current - DAY_MS + SLOT_MS; t <= current; t += SLOT_MS) {
      slots.push({ start: t, reports: fresh.get(t) ?? 0, baseline: Math.round(this.expected('all', t).perSlot * 100) / 100 });
    }
    return { slots, slotMs: SLOT_MS };
  }

  // ---- timers ----

  /** Runs probes, evaluation and `extra` loops on real timers until stop(). */
  start(extra: { intervalMs: number; run: () => Promise<void> }[] = []): void {
    this.stopped = false;
    for (const t of this.config.targets) this.loop(this.config.probeIntervalMs, () => this.probeTarget(t));
    this.loop(this.config.evaluateIntervalMs, () => this.evaluate());
    for (const e of extra) this.loop(e.intervalMs, e.run);
  }

  private loop(intervalMs: number, fn: () => Promise<unknown>): void {
    const tick = async () => {
      if (this.stopped) return;
      const started = Date.now();
      const run = fn().catch((err) => this.log.error({ err }, 'status loop failed'));
      this.running.add(run);
      await run;
      this.running.delete(run);
      if (this.stopped) return;
      const timer = setTimeout(() => { this.timers.delete(timer); void tick(); }, Math.max(0, intervalMs - (Date.now() - started)));
      this.timers.add(timer);
    };
    void tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.all([...this.running, ...this.postsInFlight.values()]);
  }
}
