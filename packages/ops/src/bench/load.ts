// Load generation. Saturation is closed loop (autocannon: N connections, each sends the next request
// when the last one answers), which finds the most the server can do. Latency at a given load is open
// loop (our own client): requests are started on a fixed schedule whatever the server does, and each
// latency runs from the request's *scheduled* start, so a stalled server cannot hide its queue
// (no coordinated omission). Latencies go into HDR histograms at microsecond resolution.
import { Agent, request as httpRequest } from 'node:http';
import * as hdr from 'hdr-histogram-js';
import autocannon from 'autocannon';

/**
 * One request to send; `next()` is called once per request so each can pick a different user.
 * `localAddress` picks the source address (the flood drill spreads its users over many).
 */
export interface RequestSpec { method: 'GET' | 'POST'; path: string; headers: Record<string, string>; body?: string; localAddress?: string }

export interface Workload { name: string; next(): RequestSpec }

export interface LoadResult {
  mode: 'saturation' | 'open-loop';
  targetRate: number | null;
  seconds: number;
  /** Successful (2xx) responses per second. */
  throughput: number;
  requests: number;
  failures: number;
  p50Ms: number; p90Ms: number; p99Ms: number; maxMs: number;
}

/** An open-loop run also reports p99.9 and what became of every request (status code, timeout, error). */
export interface OpenLoopResult extends LoadResult { p999Ms: number; outcomes: Record<string, number> }

export interface OpenLoopOptions {
  /** Requests outstanding at most; one that cannot start counts as failed ('overload'). */
  maxInFlight?: number;
  /** A request unanswered after this long is abandoned and failed ('timeout'), as a user gives up. */
  timeoutMs?: number;
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

export async function saturate(baseUrl: string, workload: Workload, connections: number, seconds: number): Promise<LoadResult> {
  const first = workload.next();
  const result = await autocannon({
    url: baseUrl,
    connections,
    duration: seconds,
    requests: [{
      method: first.method,
      setupRequest: (req: Record<string, unknown>) => {
        const spec = workload.next();
        return { ...req, method: spec.method, path: spec.path, headers: spec.headers, body: spec.body };
      },
    }],
  });
  const ok = result['2xx'];
  return {
    mode: 'saturation', targetRate: null, seconds: result.duration,
    throughput: round(ok / result.duration, 0), requests: result.requests.sent,
    failures: result.non2xx + result.errors + result.timeouts,
    p50Ms: result.latency.p50, p90Ms: result.latency.p90, p99Ms: result.latency.p99, maxMs: result.latency.max,
  };
}

/** Open-loop load at `rate` requests/s for `seconds`. Successes are 2xx; latency is from the scheduled start. */
export async function openLoop(baseUrl: string, workload: Workload, rate: number, seconds: number, options: OpenLoopOptions = {}): Promise<OpenLoopResult> {
  const { maxInFlight = 1024, timeoutMs = 30_000 } = options;
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 128 });
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
  const total = Math.max(1, Math.round(rate * seconds));
  const intervalMs = 1000 / rate;
  const outcomes: Record<string, number> = {};
  let sent = 0;
  let done = 0;
  let ok = 0;
  let failures = 0;
  let inFlight = 0;
  const start = performance.now();

  const finish = (scheduledAt: number, outcome: string) => {
    inFlight--;
    done++;
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    if (/^2\d\d$/.test(outcome)) { ok++; histogram.recordValue(Math.max(1, Math.round((performance.now() - scheduledAt) * 1000))); } else failures++;
  };

  const fire = (scheduledAt: number) => {
    const spec = workload.next();
    inFlight++;
    let settled = false;
    const settle = (outcome: string) => { if (!settled) { settled = true; finish(scheduledAt, outcome); } };
    const req = httpRequest({
      agent, host: url.hostname, port: url.port, method: spec.method, path: spec.path, localAddress: spec.localAddress,
      headers: spec.body ? { ...spec.headers, 'content-length': Buffer.byteLength(spec.body) } : spec.headers,
    }, (res) => {
      res.resume();
      res.on('end', () => settle(String(res.statusCode ?? 0)));
      res.on('error', () => settle('error'));
    });
    // The budget runs from the scheduled start, like the latency: a request that waited is closer to it.
    const timer = setTimeout(() => { settle('timeout'); req.destroy(); }, Math.max(1, scheduledAt + timeoutMs - performance.now()));
    req.on('close', () => clearTimeout(timer));
    req.on('error', (err: NodeJS.ErrnoException) => settle(`error ${err.code ?? err.message}`));
    req.end(spec.body);
  };

  await new Promise<void>((resolve) => {
    const tick = () => {
      const elapsed = performance.now() - start;
      // Start every request whose scheduled time has come; a request that cannot start because too
      // many are outstanding counts as failed (the server is past saturation).
      while (sent < total && sent * intervalMs <= elapsed) {
        const scheduledAt = start + sent * intervalMs;
        sent++;
        if (inFlight >= maxInFlight) { inFlight++; finish(scheduledAt, 'overload'); continue; }
        fire(scheduledAt);
      }
      if (done >= total) { resolve(); return; }
      setTimeout(tick, 1);
    };
    tick();
  });
  agent.destroy();
  const elapsedS = (performance.now() - start) / 1000;
  const ms = (p: number) => round(histogram.getValueAtPercentile(p) / 1000);
  const result: OpenLoopResult = {
    mode: 'open-loop', targetRate: round(rate, 0), seconds: round(elapsedS, 1), throughput: round(ok / elapsedS, 0),
    requests: total, failures, p50Ms: ms(50), p90Ms: ms(90), p99Ms: ms(99), p999Ms: ms(99.9), maxMs: round(histogram.maxValue / 1000), outcomes,
  };
  histogram.destroy();
  return result;
}
