// The drill's audit of lists and filters (issue 17) against what the database holds: acknowledged
// ones must be there with their member or keyword, once; pure functions, no cluster needed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auditControls, type ControlRow } from '@firebreak/ops/drill/audit.js';
import type { ControlOp } from '@firebreak/ops/drill/workload.js';

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
