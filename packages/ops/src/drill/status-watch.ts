// What the status service (DESIGN §1: its own process, outside every DC) said during a drill: when it
// marked the faulted DC down, and when it opened an incident. Read from its public Statuspage JSON,
// the same way any outside observer would.

export interface StatusPageObservation {
  url: string;
  /** ms after the fault when the target DC's component first showed an outage; null: never. */
  targetDownMs: number | null;
  targetStatus: string | null;
  /** ms after the fault when an incident not open before the fault appeared; null: never. */
  incidentOpenedMs: number | null;
  incidentName: string | null;
}

interface Summary {
  components?: Array<{ name: string; status: string }>;
  incidents?: Array<{ id: string; name: string; status: string }>;
}

async function summary(url: string): Promise<Summary | undefined> {
  try {
    const res = await fetch(`${url}/api/v2/summary.json`, { signal: AbortSignal.timeout(1000) });
    return res.ok ? (await res.json()) as Summary : undefined;
  } catch {
    return undefined;
  }
}

const OUTAGE = new Set(['partial_outage', 'major_outage']);

export class StatusWatch {
  private readonly before = new Set<string>();
  private stopping = false;
  private loop: Promise<void> | undefined;
  readonly observation: StatusPageObservation;

  private constructor(url: string, private readonly target: string) {
    this.observation = { url, targetDownMs: null, targetStatus: null, incidentOpenedMs: null, incidentName: null };
  }

  /** Undefined when no status service answers at url (a cluster without one). */
  static async open(url: string, target: string): Promise<StatusWatch | undefined> {
    const first = await summary(url);
    if (!first) return undefined;
    const watch = new StatusWatch(url, target);
    for (const i of first.incidents ?? []) watch.before.add(i.id);
    return watch;
  }

  start(faultAt: number, periodMs = 250): void {
    this.loop = (async () => {
      while (!this.stopping) {
        const s = await summary(this.observation.url);
        const t = Date.now() - faultAt;
        const component = s?.components?.find((c) => c.name === this.target);
        if (component && this.observation.targetDownMs === null && OUTAGE.has(component.status)) {
          this.observation.targetDownMs = t;
          this.observation.targetStatus = component.status;
        }
        const opened = s?.incidents?.find((i) => !this.before.has(i.id) && i.status !== 'resolved');
        if (opened && this.observation.incidentOpenedMs === null) {
          this.observation.incidentOpenedMs = t;
          this.observation.incidentName = opened.name;
        }
        await new Promise((r) => setTimeout(r, periodMs));
      }
    })();
  }

  async stop(): Promise<StatusPageObservation> {
    this.stopping = true;
    await this.loop;
    return this.observation;
  }
}

/** Waits until the status page shows no open incident and the DC operational again; ms taken, or null. */
export async function waitStatusRecovered(url: string, dc: string, timeoutMs: number): Promise<number | null> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const s = await summary(url);
    const component = s?.components?.find((c) => c.name === dc);
    if (s && component?.status === 'operational' && !(s.incidents ?? []).some((i) => i.status !== 'resolved')) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 500));
  }
  return null;
}
