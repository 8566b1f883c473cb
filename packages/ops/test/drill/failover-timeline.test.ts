// The failover steps read from a Patroni member's log (its own lines and its PostgreSQL's): which
// lines count, their times against the fault, and the window. Real lines from a fire drill's logs.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { databaseEvents } from '@firebreak/ops/drill/failover-timeline.js';

const LOG = `2026-12-04 17:33:39,100 INFO: no action. I am (dc3), a secondary, and following a leader (dc1)
2026-12-04 17:33:50,627 INFO: promoted self to leader by acquiring session lock
2026-12-04 17:33:50.646 UTC [24627] LOG:  received promote request
2026-12-04 17:33:50.911 UTC [24622] LOG:  database system is ready to accept connections
2026-12-04 17:33:51.199 UTC [25632] LOG:  restarted WAL streaming at 0/1100000 on timeline 2
2026-12-04 17:33:53.960 UTC [24622] LOG:  parameter "synchronous_standby_names" changed to "dc2"
2026-12-04 17:33:56,225 INFO: Synchronous standby status assigned to ['dc2']
2026-12-04 17:34:10.000 UTC [24700] LOG:  database system is ready to accept read-only connections
  File "/usr/lib/python3/dist-packages/patroni/ha.py", line 1476, in cancel_initialization
2026-12-04 17:34:26,045 INFO: Demoting self (offline)
`;

test('a member log: the promotion steps after the fault, timed from it, read-only restarts left out', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fb-timeline-'));
  const path = join(dir, 'dc3-patroni.log');
  writeFileSync(path, LOG);
  // Patroni's lines are in local time: the test pins this process's zone (Node reads TZ when it changes).
  process.env.TZ = 'UTC';
  const faultAt = Date.parse('2026-12-04T17:33:40.000Z');
  assert.deepEqual(databaseEvents(path, faultAt), [
    { t: 10_627, what: 'Patroni took the leader key (log)' },
    { t: 10_911, what: 'PostgreSQL accepts writes (log)' },
    { t: 11_199, what: 'streams WAL from the primary, timeline 2 (log)' },
    { t: 13_960, what: "synchronous_standby_names = 'dc2' (log)" },
    { t: 16_225, what: 'Patroni recorded dc2 as the synchronous standby (log)' },
    { t: 46_045, what: 'Patroni demotes its PostgreSQL (log)' },
  ]);
  assert.deepEqual(databaseEvents(path, faultAt, Date.parse('2026-12-04T17:33:51.000Z')).map((e) => e.t), [10_627, 10_911]);
  assert.deepEqual(databaseEvents(join(dir, 'missing.log'), faultAt), []);
});
