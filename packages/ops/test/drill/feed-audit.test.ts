// The drill's audit of fan-out through the feed outbox (issue 15): every status the writers made must
// be in each reader's home feed from its floor up; and the verdict it feeds. Pure functions, no
// cluster needed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auditFeeds } from '@firebreak/ops/drill/audit.js';
import { verdict, type DrillReport } from '@firebreak/ops/drill/report.js';

const statuses = ['100', '200', '300', '1000'].map((id) => ({ id, text: `drill ${id}` }));

test('statuses at or above a feed\'s floor must be in it; those below and readers without a feed are not checked', () => {
  const audit = auditFeeds(statuses, [
    { reader: 'complete', floor: '0', statusIds: ['100', '200', '300', '1000'] },
    // Its floor is 200 (compared as numbers: '1000' is above it): 100 is not owed, 300 is missing.
    { reader: 'trimmed', floor: '200', statusIds: ['200', '1000'] },
    { reader: 'never read', floor: null, statusIds: [] },
  ], 0);
  assert.deepEqual(audit, { readers: 2, withoutFeed: 1, checked: 7, missing: [{ reader: 'trimmed', statusId: '300' }], outboxLeft: 0 });
});

/** A drill report in which nothing went wrong but what a test changes. */
const cleanReport = (): Omit<DrillReport, 'verdict'> => JSON.parse(JSON.stringify({
  writes: { acknowledged: 1, lost: [], duplicated: [], ambiguous: 0, failedNotLanded: 0, unexpected: 0 },
  controls: { acknowledged: 0, lost: [], duplicated: [], ambiguous: 0, failedNotLanded: 0, unexpected: 0 },
  media: { lost: [], corrupt: [], uploadsLost: [] },
  reports: { acknowledged: 1, lost: [], duplicated: [] }, mentions: { acknowledged: 1, lost: [], duplicated: [] },
  pushes: { expected: 1, missing: [], unreadable: 0 }, splitBrain: { maxPrimaries: 1 }, auditError: null, faultError: null,
  failures: { writes: { failed: 0 }, reads: { successRate: 1 }, writeAttempts: { failed: 0 }, readAttempts: { failed: 0 } },
  timing: { longestWriteStallMs: 0 }, statusPage: null, rejoinMs: 1, drill: 'fire',
  feeds: auditFeeds(statuses, [{ reader: 'r', floor: '0', statusIds: statuses.map((s) => s.id) }], 0),
}));

test('a status missing from a feed, one stuck in the outbox, or nothing to check fails the drill', () => {
  const base = cleanReport();
  const clean = base.feeds;
  assert.deepEqual(verdict(base).problems, []);
  assert.deepEqual(verdict({ ...base, feeds: { ...clean, outboxLeft: 3 } }).problems, ['3 statuses never left the feed outbox']);
  assert.deepEqual(verdict({ ...base, feeds: { ...clean, missing: [{ reader: 'r', statusId: '100' }] } }).problems, ['1 of 4 statuses missing from readers\' home feeds']);
  assert.deepEqual(verdict({ ...base, feeds: auditFeeds(statuses, [{ reader: 'r', floor: null, statusIds: [] }], 0) }).problems, ['no reader had a home feed to check']);
});

test('a drill whose fault was not injected as planned fails, whatever the audit found', () => {
  const report = { ...cleanReport(), drill: 'restart' as const, faultError: 'timed out waiting for dc3-app1 to be ready again' };
  const v = verdict(report);
  assert.equal(v.pass, false);
  assert.deepEqual(v.problems, ['the fault was not injected as planned: timed out waiting for dc3-app1 to be ready again']);
});
