// Load generation. Saturation is closed loop (autocannon: N connections, each sends the next request
// when the last one answers), which finds the most the server can do. Latency at a given load is open
// loop (our own client): requests are started on a fixed schedule whatever the server does, and each
// latency runs from the request's *scheduled* start, so a stalled server cannot hide its queue
// (no coordinated omission). Latencies go into HDR histograms at microsecond resolution.
import { Agent, request as httpRequest } from 'node:http';
import * as hdr from 'hdr-histogram-js';
import autocannon from 'autocannon';

/** One request to send; `next()` is called once per request so each can pick a different user. */
export interface RequestSpec { method: 'GET' | 'POST'; path: string; headers: Record<string, string>; body?: string }

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

/** Open-loop load at `rate` requests/s for `seconds`; at most `maxInFlight` requests outstanding. */
export async function openLoop(baseUrl: string, workload: Workload, rate: number, seconds: number, maxInFlight = 1024): Promise<LoadResult> {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 128 });
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
  const total = Math.max(1, Math.round(rate * seconds));
  const intervalMs = 1000 / rate;
  let sent = 0;
  let done = 0;
  let ok = 0;
  let failures = 0;
  let inFlight = 0;
  const start = performance.now();

  const finish = (scheduledAt: number, success: boolean) => {
    inFlight--;
    done++;
    if (success) { ok++; histogram.recordValue(Math.max(1, Math.round((performance.now() - scheduledAt) * 1000))); } else failures++;
  };

  const fire = (scheduledAt: number) => {
    const spec = workload.next();
    inFlight++;
    const req = httpRequest({
      agent, host: url.hostname, port: url.port, method: spec.method, path: spec.path,
      headers: spec.body ? { ...spec.headers, 'content-length': Buffer.byteLength(spec.body) } : spec.headers,
    }, (res) => {
      res.resume();
      res.on('end', () => finish(scheduledAt, (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300));
      res.on('error', () => finish(scheduledAt, false));
    });
    req.on('error', () => finish(scheduledAt, false));
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
        if (inFlight >= maxInFlight) { done++; failures++; continue; }
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
  const result: LoadResult = {
    mode: 'open-loop', targetRate: round(rate, 0), seconds: round(elapsedS, 1), throughput: round(ok / elapsedS, 0),
    requests: total, failures, p50Ms: ms(50), p90Ms: ms(90), p99Ms: ms(99), maxMs: round(histogram.maxValue / 1000),
  };
  histogram.destroy();
  return result;
}
