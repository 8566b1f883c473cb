// The flood drill's clients, run by flood-agent.ts inside the legitimate or the attacker namespace:
// the legitimate users' mix, a closed-loop client (capacity, the expensive flood, the brute force),
// slowloris, and one password login as the account's owner does it.
import { Agent, request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { RequestSpec, Workload } from '../bench/load.js';

export interface LegitUser { token: string }

/**
 * Signed-in users reading their home timeline and, `postShare` of the time, posting (with an
 * Idempotency-Key, as our clients do). User i always comes from address i mod n: one home each.
 */
export function legitWorkload(users: LegitUser[], addresses: string[], runId: string, postShare: number): Workload {
  let n = 0;
  return {
    name: 'legitimate users',
    next(): RequestSpec {
      const i = n++;
      const userIndex = (i * 7919) % users.length; // a stride, so consecutive requests are different people
      const user = users[userIndex]!;
      const localAddress = addresses[userIndex % addresses.length];
      const headers: Record<string, string> = { authorization: `Bearer ${user.token}` };
      // Every tenth request slot by a fixed pattern, so each phase gets the same share of posts.
      if ((i % 100) < postShare * 100) {
        return {
          method: 'POST', path: '/api/v1/statuses', localAddress,
          headers: { ...headers, 'content-type': 'application/json', 'idempotency-key': `flood-${runId}-${i}` },
          body: JSON.stringify({ status: `flood drill ${runId} post ${i}`, visibility: 'public' }),
        };
      }
      return { method: 'GET', path: '/api/v1/timelines/home?limit=20', localAddress, headers };
    },
  };
}

export interface ClosedLoopResult { seconds: number; requests: number; ok: number; throughput: number; outcomes: Record<string, number> }

/** `concurrency` workers, each sending the next request when the last one is answered, for `seconds`. */
export async function closedLoop(baseUrl: string, next: () => RequestSpec, concurrency: number, seconds: number, timeoutMs = 5000): Promise<ClosedLoopResult> {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const outcomes: Record<string, number> = {};
  let requests = 0;
  let ok = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  const one = (spec: RequestSpec) => new Promise<string>((resolve) => {
    const req = httpRequest({
      agent, host: url.hostname, port: url.port, method: spec.method, path: spec.path, localAddress: spec.localAddress, timeout: timeoutMs,
      headers: spec.body ? { ...spec.headers, 'content-length': Buffer.byteLength(spec.body) } : spec.headers,
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(String(res.statusCode ?? 0)));
      res.on('error', () => resolve('error'));
    });
    req.on('timeout', () => { req.destroy(); resolve('timeout'); });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(`error ${err.code ?? err.message}`));
    req.end(spec.body);
  });
  const worker = async () => {
    while (performance.now() < end) {
      const outcome = await one(next());
      requests++;
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      if (/^2\d\d$/.test(outcome)) ok++;
      // A refused connection comes back at once; do not spin on it.
      if (outcome.startsWith('error')) await new Promise((r) => setTimeout(r, 10));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  const elapsed = (performance.now() - started) / 1000;
  return { seconds: elapsed, requests, ok, throughput: Math.round(ok / elapsed), outcomes };
}

export interface SlowlorisResult {
  target: number;
  opened: number;
  /** Most connections held open at once. */
  peakOpen: number;
  /** Closed by the server side (timeout or refusal), and of those, answered 408 first. */
  closedByServer: number;
  answered408: number;
  refused: number;
  /** How long the server let a slow connection live, on average and at most. */
  meanLifetimeMs: number;
  maxLifetimeMs: number;
}

/**
 * Slowloris: keeps `target` connections open, spread over `addresses`, each sending a request head
 * one header line every `dripMs` and never finishing it. A connection the server drops is replaced
 * (after a pause, so a refusing server is not hammered), until `seconds` have passed.
 */
export async function slowloris(host: string, port: number, addresses: string[], target: number, seconds: number, dripMs = 1000): Promise<SlowlorisResult> {
  const end = Date.now() + seconds * 1000;
  const r: SlowlorisResult = { target, opened: 0, peakOpen: 0, closedByServer: 0, answered408: 0, refused: 0, meanLifetimeMs: 0, maxLifetimeMs: 0 };
  const live = new Set<Socket>();
  let lifetimeSum = 0;
  let connectedNow = 0;
  let n = 0;
  const open = () => {
    if (Date.now() >= end) return;
    const socket = connect({ host, port, localAddress: addresses[n++ % addresses.length] });
    const openedAt = Date.now();
    let connected = false;
    let got408 = false;
    let drip: NodeJS.Timeout | undefined;
    live.add(socket);
    socket.on('connect', () => {
      connected = true;
      r.opened++;
      r.peakOpen = Math.max(r.peakOpen, ++connectedNow);
      socket.write(`GET /api/v1/instance HTTP/1.1\r\nHost: firebreak\r\nUser-Agent: slowloris\r\n`);
      drip = setInterval(() => socket.write(`X-Slow-${Math.floor(Math.random() * 1e6)}: a\r\n`), dripMs);
    });
    socket.on('data', (d) => { if (/^HTTP\/1\.[01] 408/.test(String(d))) got408 = true; });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(drip);
      live.delete(socket);
      if (connected) connectedNow--;
      if (!connected) r.refused++;
      else if (Date.now() < end) {
        r.closedByServer++;
        if (got408) r.answered408++;
        const lifetime = Date.now() - openedAt;
        lifetimeSum += lifetime;
        r.maxLifetimeMs = Math.max(r.maxLifetimeMs, lifetime);
      }
      setTimeout(open, connected ? 50 : 500);
    });
  };
  // Ramp up over about a second rather than one SYN burst.
  for (let i = 0; i < target; i++) setTimeout(open, (i * 1000) / target);
  await new Promise((res) => setTimeout(res, Math.max(0, end - Date.now())));
  for (const s of live) s.destroy();
  r.meanLifetimeMs = r.closedByServer ? Math.round(lifetimeSum / r.closedByServer) : 0;
  return r;
}

export interface LoginResult { status: number; ms: number; retryAfter: string | null; tries: number }

/**
 * One password login (OAuth password grant) as a real client does it: a 503 (shed) is retried after
 * its Retry-After, up to three tries; a 429 is the answer (the client shows "try again later").
 */
export async function passwordLogin(baseUrl: string, localAddress: string, form: Record<string, string>): Promise<LoginResult> {
  const started = performance.now();
  for (let tries = 1; ; tries++) {
    const { status, retryAfter } = await new Promise<{ status: number; retryAfter: string | null }>((resolve) => {
      const url = new URL('/oauth/token', baseUrl);
      const body = new URLSearchParams(form).toString();
      const req = httpRequest(url, {
        method: 'POST', localAddress, timeout: 10_000,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
      }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: (res.headers['retry-after'] as string | undefined) ?? null }));
      });
      req.on('timeout', () => { req.destroy(); resolve({ status: 0, retryAfter: null }); });
      req.on('error', () => resolve({ status: 0, retryAfter: null }));
      req.end(body);
    });
    if (status !== 503 || tries >= 3) return { status, ms: Math.round(performance.now() - started), retryAfter, tries };
    await new Promise((r) => setTimeout(r, Math.min(5, Number(retryAfter) || 1) * 1000));
  }
}
