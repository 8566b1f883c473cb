// Public JSON in the Atlassian Statuspage v2 shape (summary, status, components, incidents), so
// existing status tooling can read it. Pure functions of the engine's and the store's data.
import { siteWeight, type ComponentView, type Overall } from './engine.js';
import type { ComponentStatus, Incident } from './store.js';

export interface PageInfo {
  name: string;
  url: string;
  updatedAt: Date;
}

const PAGE_ID = 'firebreak';

export function pageJson(p: PageInfo) {
  return { id: PAGE_ID, name: p.name, url: p.url, time_zone: 'Etc/UTC', updated_at: p.updatedAt.toISOString() };
}

const RANK: Record<ComponentStatus, number> = { operational: 0, degraded_performance: 1, partial_outage: 2, major_outage: 3 };

/** Statuspage indicator from the worst component (redundant DCs weigh as degraded), raised by what users report. */
export function statusJson(components: ComponentView[], overall: Overall) {
  const top = Math.max(0, ...components.map((c) => RANK[siteWeight(c)]));
  const fromReports = overall === 'problems' ? 2 : overall === 'possible' ? 1 : 0;
  const level = Math.max(top, fromReports);
  const indicator = (['none', 'minor', 'major', 'critical'] as const)[level]!;
  const description = ['All Systems Operational', 'Minor Service Outage', 'Partial System Outage', 'Major System Outage'][level]!;
  return { indicator, description };
}

export function componentJson(c: ComponentView, position: number, createdAt: Date) {
  return {
    id: c.id,
    name: c.name,
    status: c.status,
    created_at: createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
    position,
    description: c.reason || null,
    showcase: true,
    start_date: createdAt.toISOString().slice(0, 10),
    group_id: null,
    page_id: PAGE_ID,
    group: false,
    only_show_if_degraded: false,
  };
}

export function incidentJson(i: Incident, pageUrl: string) {
  return {
    id: i.id,
    name: i.name,
    status: i.status,
    created_at: i.createdAt.toISOString(),
    updated_at: i.updatedAt.toISOString(),
    monitoring_at: i.monitoringAt?.toISOString() ?? null,
    resolved_at: i.resolvedAt?.toISOString() ?? null,
    started_at: i.createdAt.toISOString(),
    impact: i.impact,
    shortlink: `${pageUrl}/incidents/${i.id}`,
    page_id: PAGE_ID,
    automatic: i.automatic,
    components: i.components.map((id) => ({ id, name: id })),
    incident_updates: i.updates.map((u) => ({
      id: u.id,
      status: u.status,
      body: u.body,
      incident_id: i.id,
      created_at: u.createdAt.toISOString(),
      updated_at: u.createdAt.toISOString(),
      display_at: u.createdAt.toISOString(),
      affected_components: u.affected.length ? u.affected : null,
    })),
  };
}
