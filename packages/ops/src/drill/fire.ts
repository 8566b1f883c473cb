// The fault a fire drill injects, after it has blackholed the DC's network (silence first, DESIGN
// §4): every process in the DC SIGKILLed, its data deleted, and the DC recorded as burned so that
// drills refuse to run until `firebreak cluster revive` brings it back.
import { supervisor, type DataCenter, type Layout } from '../cluster/layout.js';
import { removeDcData } from '../cluster/lifecycle.js';
import { killNamespace } from '../cluster/netns.js';
import { forgetPid } from '../cluster/proc.js';
import { markBurned } from '../cluster/state.js';
import { swiftProcessNames } from '../cluster/swift.js';

/** A fire's last two steps: kill everything, delete the data. Returns how many processes were killed. */
export async function burn(layout: Layout, dc: DataCenter): Promise<number> {
  const killed = await killNamespace(dc.ns);
  removeDcData(dc);
  for (const name of [`${dc.name}-etcd`, `${dc.name}-patroni`, ...swiftProcessNames(dc), ...dc.apps.map((a) => a.name)]) forgetPid(supervisor(layout), name);
  markBurned(layout.runDir, dc.name, true);
  return killed;
}
