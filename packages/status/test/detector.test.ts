// The report detector on synthetic series: a noisy but normal week must raise nothing; an X-sized
// spike must be caught within two simulated minutes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DAY_MS, DEFAULT_DETECTOR, LevelTracker, assessWindow, expectedPerSlot, poissonUpperTail } from '@firebreak/status/detector.js';
import { poisson, rng, simulate } from './simulate.js';

const START = Date.UTC(2025, 0, 6); // a Monday, midnight UTC
const MINUTE = 60_000;

/** Reports per minute of a normal week: a daily cycle, busier and quieter days, and small bursts. */
function normalWeek(perHour: number, seed: number) {
  const random = rng(seed);
  const dayFactor = Array.from({ length: 60 }, () => 0.7 + 0.6 * random());
  return (t: number) => {
    const hour = ((t - START) / 3600_000) % 24;
    const day = Math.floor((t - START) / DAY_MS);
    const diurnal = 1 + 0.7 * Math.sin((2 * Math.PI * (hour - 9)) / 24);
    let n = poisson(random, (perHour / 60) * diurnal * dayFactor[day]!);
    // Now and then a few people in one place hit the same glitch at once.
    if (random() < 1 / 300) n += 2 + Math.floor(random() * 3);
    return n;
  };
}

test('poissonUpperTail matches known values and stays finite for huge counts', () => {
  assert.ok(Math.abs(poissonUpperTail(1, 1) - (1 - Math.exp(-1))) < 1e-12);
  assert.ok(Math.abs(poissonUpperTail(10, 1) - 1.1142547833872e-7) < 1e-12);
  assert.ok(Math.abs(poissonUpperTail(3, 5) - 0.8753479805169189) < 1e-9);
  assert.equal(poissonUpperTail(0, 3), 1);
  const tiny = poissonUpperTail(25_000, 2);
  assert.ok(tiny >= 0 && tiny < 1e-300, `tail for a giant spike should underflow towards 0, got ${tiny}`);
  assert.ok(poissonUpperTail(1000, 1000) > 0.4 && poissonUpperTail(1000, 1000) < 0.6);
});

test('baseline follows the time of day and is not poisoned by one past outage', () => {
  const history = new Map<number, number>();
  // Two weeks: 2 reports per slot at night (00-06), 20 in the day; one outage day with 5,000 per slot at noon.
  for (let t = START; t < START + 14 * DAY_MS; t += 15 * MINUTE) {
    const hour = new Date(t).getUTCHours();
    history.set(t, hour < 6 ? 2 : 20);
  }
  const outageNoon = START + 10 * DAY_MS + 12 * 3600_000;
  history.set(outageNoon, 5000);
  const night = expectedPerSlot(history, START + 14 * DAY_MS + 3 * 3600_000, START);
  const noon = expectedPerSlot(history, START + 14 * DAY_MS + 12 * 3600_000, START);
  assert.ok(night.perSlot > 1.5 && night.perSlot < 4, `night baseline ${night.perSlot}`);
  assert.ok(noon.perSlot > 17 && noon.perSlot < 24, `noon baseline ${noon.perSlot} (outage must be trimmed)`);
  assert.equal(noon.days, 14);
  // A fresh install knows nothing and falls back to the prior.
  assert.deepEqual(expectedPerSlot(new Map(), START, START), { perSlot: DEFAULT_DETECTOR.priorPerSlot, days: 0, learning: true });
});

test('assessWindow needs both a large count and a tiny p-value; LevelTracker needs persistence', () => {
  const known = (perSlot: number) => ({ perSlot, days: 7 });
  assert.equal(assessWindow(9, known(0.01)).level, 'possible', 'below the minimum count is never "problems"');
  assert.equal(assessWindow(4, known(0.01)).level, 'none', 'below the minimum count for "possible"');
  assert.equal(assessWindow(30, known(3)).level, 'problems');
  assert.equal(assessWindow(12, known(30)).level, 'none', 'fewer than usual is fine');
  assert.equal(assessWindow(12, known(3)).level, 'problems');
  assert.equal(assessWindow(12, { perSlot: 3, days: 0 }).level, 'possible', 'more tolerance before the daily cycle is known');
  assert.equal(assessWindow(500, { perSlot: 3, days: 0, learning: true }).level, 'possible', 'the first hour only learns');
  const tracker = new LevelTracker(30_000, 600_000);
  assert.equal(tracker.update(0, 'problems'), 'none');
  assert.equal(tracker.update(15_000, 'problems'), 'none');
  assert.equal(tracker.update(30_000, 'problems'), 'problems');
  assert.equal(tracker.update(60_000, 'none'), 'problems', 'clearing waits');
  assert.equal(tracker.update(660_000, 'none'), 'none');
  // One burst followed by quiet never reaches a level.
  const t2 = new LevelTracker(30_000, 600_000);
  t2.update(0, 'problems');
  assert.equal(t2.update(15_000, 'none'), 'none');
  assert.equal(t2.update(30_000, 'problems'), 'none');
});

for (const [label, perHour] of [['quiet (4/h)', 4], ['busier (60/h)', 60], ['busy (400/h)', 400]] as const) {
  test(`noisy but normal weeks from a fresh install raise no incident: ${label}, 4 seeds`, (t) => {
    for (const seed of [1, 2, 3, 4]) {
      const result = simulate({ start: START, end: START + 7 * DAY_MS, tickMs: MINUTE, countFor: normalWeek(perHour, seed * 7 + perHour) });
      const problems = result.transitions.filter((x) => x.level === 'problems');
      const possibleShare = result.ticksAt.possible / (7 * 1440);
      t.diagnostic(`seed ${seed}: ${result.totalReports} reports; "problems" episodes: ${problems.length}; "possible" ${(possibleShare * 100).toFixed(2)}% of minutes`);
      assert.deepEqual(problems, [], 'no "problems detected" (no incident) in a normal week');
      assert.ok(possibleShare < 0.01, `"possible problems" shown ${(possibleShare * 100).toFixed(2)}% of the time`);
    }
  });
}

test('an X-sized spike (tens of thousands of reports in an hour) is detected within 2 simulated minutes', (t) => {
  // A week of normal history first, then at 14:00 on day 8 reports climb to ~700 a minute.
  const tick = 15_000;
  const normal = normalWeek(60, 4);
  const history = new Map<number, number>();
  const warm = simulate({ start: START, end: START + 7 * DAY_MS, tickMs: tick, countFor: (x) => (Math.floor(x / MINUTE) * MINUTE === x ? normal(x) : 0), history });
  assert.equal(warm.transitions.filter((x) => x.level === 'problems').length, 0);
  const spikeStart = START + 7 * DAY_MS + 14 * 3600_000;
  const random = rng(5);
  let spikeReports = 0;
  const result = simulate({
    start: START + 7 * DAY_MS, end: spikeStart + 3600_000, tickMs: tick, history, since: START,
    countFor: (x) => {
      if (x < spikeStart) return Math.floor(x / MINUTE) * MINUTE === x ? normal(x) : 0;
      // Ramp over ten minutes to ~700 per minute, like the first minutes of a big outage.
      const ramp = Math.min(1, (x - spikeStart) / (10 * MINUTE));
      const n = poisson(random, (700 / 60) * (tick / 1000) * ramp);
      spikeReports += n;
      return n;
    },
  });
  const detected = result.transitions.find((x) => x.level === 'problems');
  assert.ok(detected, 'the spike must be detected');
  const latency = detected.at - spikeStart;
  t.diagnostic(`spike: ${spikeReports} reports in the hour; detected ${latency / 1000} s after it began (${detected.observed} reports in the window, ~${detected.expected.toFixed(1)} expected)`);
  assert.ok(spikeReports > 20_000, `spike too small: ${spikeReports}`);
  assert.ok(latency <= 2 * MINUTE, `detected after ${latency / 1000} s`);
  assert.equal(result.transitions.filter((x) => x.level === 'problems' && x.at < spikeStart).length, 0, 'no false alarm before the spike');
});
