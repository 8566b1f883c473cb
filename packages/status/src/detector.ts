// Outage detection from user reports, Downdetector-style: compare the reports in a short trailing
// window with what is normal for this time of day, and flag only counts that are both large and
// very unlikely under a Poisson model. Pure functions and one small state machine, no I/O, so the
// same code runs in the service and in week-long simulations.

export const PROBLEM_TYPES = ['login', 'posting', 'timeline', 'notifications', 'website', 'app', 'other'] as const;
export type ProblemType = (typeof PROBLEM_TYPES)[number];

export type ReportLevel = 'none' | 'possible' | 'problems';
const LEVEL_RANK: Record<ReportLevel, number> = { none: 0, possible: 1, problems: 2 };

export const SLOT_MS = 15 * 60_000;
export const DAY_MS = 24 * 3600_000;

export interface DetectorSettings {
  /** Trailing window whose count is tested. */
  windowMs: number;
  /** Expected reports per 15-minute slot before any history exists. */
  priorPerSlot: number;
  /** Weight of the prior, in days of same-slot history. */
  priorStrengthDays: number;
  /** Days of same-slot history used for the time-of-day baseline. */
  historyDays: number;
  /** Normal variation allowed above the baseline before the test starts (day-to-day swings). */
  tolerance: number;
  /** The same, before a single day of history exists (the daily cycle is unknown); it shrinks towards `tolerance` as days accumulate. */
  coldStartTolerance: number;
  possibleMaxP: number;
  possibleMinCount: number;
  problemsMaxP: number;
  problemsMinCount: number;
  /** A higher level must hold this long before it is reported (one burst is not an outage). */
  persistMs: number;
  /** A lower level must hold this long before it is reported (reports trail off slowly). */
  clearMs: number;
}

export const DEFAULT_DETECTOR: DetectorSettings = {
  windowMs: 5 * 60_000,
  priorPerSlot: 3,
  priorStrengthDays: 2,
  historyDays: 28,
  tolerance: 1.5,
  coldStartTolerance: 3,
  possibleMaxP: 1e-3,
  possibleMinCount: 5,
  problemsMaxP: 1e-6,
  problemsMinCount: 10,
  persistMs: 30_000,
  clearMs: 10 * 60_000,
};

/** During the first hour after install, reports alone can say "possible problems", never more. */
const LEARNING_SLOTS = 4;

export const slotStart = (t: number): number => Math.floor(t / SLOT_MS) * SLOT_MS;

/** ln Γ(x) by the Lanczos approximation (g = 7), accurate to ~1e-15 for x > 0. */
function logGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

const logPmf = (k: number, lambda: number): number => k * Math.log(lambda) - lambda - logGamma(k + 1);

/** P(X ≥ k) for X ~ Poisson(lambda), computed in log space so counts in the tens of thousands work. */
export function poissonUpperTail(k: number, lambda: number): number {
  if (k <= 0) return 1;
  if (lambda <= 0) return 0;
  if (k > lambda) {
    // Terms fall geometrically past the mean: sum from k upward until they stop mattering.
    let term = logPmf(k, lambda);
    let sum = 0;
    for (let i = k; i < k + 100_000; i++) {
      const value = Math.exp(term);
      sum += value;
      if (value < sum * 1e-16) break;
      term += Math.log(lambda / (i + 1));
    }
    return Math.min(1, sum);
  }
  // k at or below the mean: the tail is large; 1 − P(X < k), summing the (few) lower terms.
  let lower = 0;
  for (let i = 0; i < k; i++) lower += Math.exp(logPmf(i, lambda));
  return Math.max(0, Math.min(1, 1 - lower));
}

/** Report counts per 15-minute slot start (ms) for one series (all reports, or one problem type). */
export type SlotCounts = Map<number, number>;

/**
 * Expected reports in the slot starting at `slot`, learned from history:
 * the same slot (± one neighbour, smoothing) on each past day, the highest days trimmed so a past
 * outage does not become "normal", shrunk towards the recent all-day mean with a Gamma prior.
 * `since` is when the service started collecting: slots before it are unknown, not zero.
 */
export interface Baseline {
  /** Expected reports in the 15-minute slot. */
  perSlot: number;
  /** Past days that contributed a same-slot count (0: the time of day is not known yet). */
  days: number;
  /** Less than an hour of history: nothing is known about the volume yet. */
  learning?: boolean;
}

export function expectedPerSlot(history: SlotCounts, slot: number, since: number, s: DetectorSettings = DEFAULT_DETECTOR): Baseline {
  const known = (t: number) => t >= slotStart(since);
  const at = (t: number) => history.get(t) ?? 0;

  // Recent level: mean per slot over the past week, top 2% of slots dropped (outages), with a prior.
  const recent: number[] = [];
  for (let t = slot - SLOT_MS; t >= slot - 7 * DAY_MS && known(t); t -= SLOT_MS) recent.push(at(t));
  recent.sort((a, b) => a - b);
  const kept = recent.slice(0, recent.length - Math.floor(recent.length * 0.02));
  const priorSlots = 4;
  const level = (s.priorPerSlot * priorSlots + kept.reduce((a, b) => a + b, 0)) / (priorSlots + kept.length);

  // Time of day: the same slot on past days.
  const sameSlot: number[] = [];
  for (let d = 1; d <= s.historyDays; d++) {
    const t = slot - d * DAY_MS;
    if (!known(t - SLOT_MS)) break;
    sameSlot.push((at(t - SLOT_MS) + at(t) + at(t + SLOT_MS)) / 3);
  }
  sameSlot.sort((a, b) => a - b);
  const days = sameSlot.slice(0, sameSlot.length - Math.ceil(sameSlot.length / 7));
  const k = s.priorStrengthDays;
  return { perSlot: (k * level + days.reduce((a, b) => a + b, 0)) / (k + days.length), days: sameSlot.length, learning: recent.length < LEARNING_SLOTS };
}

export interface Assessment {
  level: ReportLevel;
  observed: number;
  /** Expected count in the window (before the tolerance factor). */
  expected: number;
  pValue: number;
}

/** The raw (not yet persistent) level for `observed` reports in the trailing window. */
export function assessWindow(observed: number, baseline: Baseline, s: DetectorSettings = DEFAULT_DETECTOR): Assessment {
  const expected = baseline.perSlot * (s.windowMs / SLOT_MS);
  // Few days of history say little about how much one day differs from the next: allow more.
  const tolerance = s.tolerance + (s.coldStartTolerance - s.tolerance) / (1 + baseline.days);
  const pValue = poissonUpperTail(observed, Math.max(expected * tolerance, 1e-3));
  let level: ReportLevel = 'none';
  if (observed >= s.problemsMinCount && pValue < s.problemsMaxP && !baseline.learning) level = 'problems';
  else if (observed >= s.possibleMinCount && pValue < s.possibleMaxP) level = 'possible';
  return { level, observed, expected, pValue };
}

/** Persistence rule: a level changes only after the raw level has stayed past it long enough. */
export class LevelTracker {
  level: ReportLevel = 'none';
  private upSince: number | undefined;
  private downSince: number | undefined;

  constructor(private readonly persistMs: number, private readonly clearMs: number) {}

  update(now: number, raw: ReportLevel): ReportLevel {
    const diff = LEVEL_RANK[raw] - LEVEL_RANK[this.level];
    if (diff > 0) {
      this.downSince = undefined;
      this.upSince ??= now;
      if (now - this.upSince >= this.persistMs) {
        this.level = raw;
        this.upSince = undefined;
      }
    } else if (diff < 0) {
      this.upSince = undefined;
      this.downSince ??= now;
      if (now - this.downSince >= this.clearMs) {
        this.level = raw;
        this.downSince = undefined;
      }
    } else {
      this.upSince = undefined;
      this.downSince = undefined;
    }
    return this.level;
  }
}
