// The push audit: every expected notification pushed at least once; repeats counted, not failed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auditPushes, idTime } from '@firebreak/ops/drill/audit.js';

test('missing notifications are listed, repeated deliveries counted, delays measured from the id\'s time', () => {
  const at = (ms: number) => String((BigInt(ms) << 16n) | 7n);
  const a = at(1_000_000);
  const b = at(1_000_500);
  const c = at(1_001_000);
  assert.equal(idTime(a), 1_000_000);
  const received = new Map([[a, { first: 1_000_200, count: 1 }], [b, { first: 1_003_500, count: 3 }]]);
  const audit = auditPushes([a, b, c], received, 0);
  assert.deepEqual(audit.missing, [c]);
  assert.deepEqual([audit.expected, audit.pushed, audit.duplicates, audit.delayMaxMs], [3, 2, 2, 3000]);
});
