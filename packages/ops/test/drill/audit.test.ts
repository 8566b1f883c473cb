// The drill's audit of lists and filters (issue 17) against what the database holds: acknowledged
// ones must be there with their member or keyword, once; and the timing figures of the report. Pure
// functions, no cluster needed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auditControls, timing, type ControlRow } from '@firebreak/ops/drill/audit.js';
import type { ControlOp, WriteOp } from '@firebreak/ops/drill/workload.js';

const op = (kind: 'filter' | 'list', title: string, detail: string, result: 'acked' | 'failed'): ControlOp =>
  ({ kind, title, detail, account: 0, start: 0, end: 1, result, attempts: 1 });

test('acknowledged lists and filters found once with their member or keyword pass; anything else is counted', () => {
  const ops = [
    op('filter', 'fA', 'k1', 'acked'), op('list', 'lB', '42', 'acked'),
    op('list', 'lLost', '7', 'acked'), op('filter', 'fNoKeyword', 'k2', 'acked'),
    op('filter', 'fAmbiguous', 'k3', 'failed'), op('list', 'lAbsent', '9', 'failed'), op('list', 'lTwice', '5', 'acked'),
  ];
  const rows: ControlRow[] = [
    { kind: 'filter', title: 'fA', detail: 'k1' }, { kind: 'list', title: 'lB', detail: '42' },
    { kind: 'filter', title: 'fNoKeyword', detail: null }, { kind: 'filter', title: 'fAmbiguous', detail: 'k3' },
    { kind: 'list', title: 'lTwice', detail: '5' }, { kind: 'list', title: 'lTwice', detail: null },
    { kind: 'list', title: 'lStray', detail: '1' },
  ];
  const audit = auditControls(ops, rows);
  assert.equal(audit.acknowledged, 5);
  assert.deepEqual(audit.lost.map((l) => l.title), ['lLost', 'fNoKeyword']);
  assert.deepEqual(audit.duplicated, [{ kind: 'list', title: 'lTwice', copies: 2 }]);
  assert.equal(audit.ambiguous, 1);
  assert.equal(audit.failedNotLanded, 1);
  assert.equal(audit.unexpected, 1);
  const clean = auditControls(ops.slice(0, 2), rows.slice(0, 2));
  assert.deepEqual([clean.lost, clean.duplicated, clean.unexpected], [[], [], 0]);
});

test('timing: the stall is the longest acknowledged write; the load alone is what writes done before the fault waited', () => {
  const write = (start: number, end: number, result: 'acked' | 'failed' = 'acked'): WriteOp =>
    ({ key: `${start}`, text: '', account: 0, start, end, result, attempts: 1 });
  const faultAt = 10_000;
  const writes = [
    write(1_000, 1_400), write(2_000, 3_000), write(4_000, 7_000), // done before the fault: 400, 1000, 3000 ms
    write(9_000, 25_000), // in flight at the fault: the longest stall
    write(12_000, 20_000), write(21_000, 21_500),
    write(11_000, 60_000, 'failed'), // given up: not a stall
  ];
  const t = timing(writes, [], faultAt, 30_000);
  assert.equal(t.longestWriteStallMs, 16_000);
  assert.equal(t.writeLatencyBeforeFaultP50Ms, 1_000);
  assert.equal(t.recoveryMs, 10_000);
  assert.equal(t.longestAckGapMs, 10_000);
});
