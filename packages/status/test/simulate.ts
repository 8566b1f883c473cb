// Synthetic report series for detector tests: a seeded PRNG, Poisson sampling, and a loop that runs
// the detector exactly as the engine does (baseline per 15-minute slot, trailing window, persistence).
import {
  DEFAULT_DETECTOR, LevelTracker, assessWindow, expectedPerSlot, slotStart,
  type Baseline, type DetectorSettings, type ReportLevel, type SlotCounts,
} from '@firebreak/status/detector.js';

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function poisson(random: () => number, lambda: number): number {
  if (lambda <= 0) return 0;
  if (lambda > 50) {
    // Normal approximation (Box–Muller) is plenty for the large rates of a spike.
    const z = Math.sqrt(-2 * Math.log(random() || 1e-12)) * Math.cos(2 * Math.PI * random());
    return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * z));
  }
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = random();
  while (p > limit) {
    k++;
    p *= random();
  }
  return k;
}

export interface SimResult {
  /** Simulated times at which the persistent level changed. */
  transitions: { at: number; level: ReportLevel; observed: number; expected: number }[];
  ticksAt: Record<ReportLevel, number>;
  totalReports: number;
}

/**
 * Runs the detector from `start` to `end` in steps of `tickMs`. `countFor(t)` is the number of
 * reports arriving in [t, t + tickMs). History before `since` is unknown (a fresh install has none).
 */
export function simulate(opts: {
  start: number;
  end: number;
  tickMs: number;
  countFor: (t: number) => number;
  history?: SlotCounts;
  since?: number;
  settings?: DetectorSettings;
}): SimResult {
  const s = opts.settings ?? DEFAULT_DETECTOR;
  const history: SlotCounts = opts.history ?? new Map();
  const since = opts.since ?? opts.start;
  const tracker = new LevelTracker(s.persistMs, s.clearMs);
  const windowTicks = Math.round(s.windowMs / opts.tickMs);
  const recent: number[] = [];
  const result: SimResult = { transitions: [], ticksAt: { none: 0, possible: 0, problems: 0 }, totalReports: 0 };
  let cachedSlot = -1;
  let expected: Baseline = { perSlot: 0, days: 0 };
  let previous: ReportLevel = 'none';
  for (let t = opts.start; t < opts.end; t += opts.tickMs) {
    const n = opts.countFor(t);
    result.totalReports += n;
    const slot = slotStart(t);
    history.set(slot, (history.get(slot) ?? 0) + n);
    recent.push(n);
    if (recent.length > windowTicks) recent.shift();
    const now = t + opts.tickMs;
    if (slotStart(now) !== cachedSlot) {
      // The engine learns the baseline once per slot, from history up to that slot.
      cachedSlot = slotStart(now);
      expected = expectedPerSlot(history, cachedSlot, since, s);
    }
    const observed = recent.reduce((a, b) => a + b, 0);
    const a = assessWindow(observed, expected, s);
    const level = tracker.update(now, a.level);
    result.ticksAt[level]++;
    if (level !== previous) result.transitions.push({ at: now, level, observed, expected: a.expected });
    previous = level;
  }
  return result;
}

