// The cluster's state file (run/cluster/state.json): the options it was brought up with, its secrets,
// and what drills did to it (burned DCs). Written by `up`, a fire and `revive`; removed by `down`.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { buildLayout, defaultOptions, defaultRunDir, type ClusterOptions, type Layout, type Secrets } from './layout.js';

export interface ClusterState {
  options: ClusterOptions;
  secrets: Secrets;
  createdAt: string;
  latency: { applied: boolean; detail: string };
  /** DCs burned by a fire drill and not yet revived. */
  burned: string[];
  /** Access token of the status service's probe account (created through the edge by `up`). */
  statusProbeToken?: string;
}

export const secret = () => randomBytes(12).toString('hex');

function statePath(runDir: string): string {
  return `${runDir}/state.json`;
}

/** A new cluster's state: the requested options over the defaults, fresh secrets, nothing burned. */
export function newState(requested: Partial<ClusterOptions>): ClusterState {
  return {
    options: { ...defaultOptions, ...requested },
    secrets: { superuser: secret(), replication: secret(), rewind: secret(), app: secret(), statusAdmin: secret(), metrics: secret(), media: secret() },
    createdAt: new Date().toISOString(),
    latency: { applied: false, detail: 'not applied yet' },
    burned: [],
  };
}

export function loadState(runDir = defaultRunDir()): ClusterState | undefined {
  try { return JSON.parse(readFileSync(statePath(runDir), 'utf8')) as ClusterState; } catch { return undefined; }
}

export function saveState(runDir: string, state: ClusterState): void {
  mkdirSync(runDir, { recursive: true });
  writeFileSync(statePath(runDir), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

export function removeState(runDir: string): void {
  rmSync(statePath(runDir), { force: true });
}

/** Records that a fire burned the DC (true) or that it was revived (false). */
export function markBurned(runDir: string, dcName: string, burned: boolean): void {
  const state = loadState(runDir);
  if (!state) return;
  if (burned && !state.burned.includes(dcName)) { state.burned.push(dcName); saveState(runDir, state); }
  if (!burned) { state.burned = state.burned.filter((n) => n !== dcName); saveState(runDir, state); }
}

export function layoutFromState(state: ClusterState, runDir = defaultRunDir()): Layout {
  return buildLayout(state.options, runDir, state.secrets);
}
