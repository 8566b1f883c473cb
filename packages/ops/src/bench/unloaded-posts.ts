// The latency a person sees for one post when nothing else is running: one client, one post at a
// time. On the cluster it is mostly the links between DCs (issue 15: a post through the edge, p50 <=
// 60 ms), so it is measured through the edge and straight at each app server, over a kept-alive
// connection (what apps do) and over a new connection per post (a TCP handshake more).
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { percentile } from '../drill/audit.js';

export type Connection = 'keep-alive' | 'new';

export interface UnloadedPosts {
  /** "edge", or an app server's URL. */
  target: string;
  /** For an app server: whether its DC holds the primary (its GET /readyz/primary answered 200). */
  primaryDc?: boolean;
  connection: Connection;
  posts: number;
  p50Ms: number; p90Ms: number; maxMs: number;
}

const POSTS = 40;
/** Between posts, so that each finds the servers idle. */
const PAUSE_MS = 20;
const TIMEOUT_MS = 10_000;

function post(baseUrl: string, token: string, agent: http.Agent): Promise<number> {
  const body = JSON.stringify({ status: `unloaded post ${randomUUID()}` });
  const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), authorization: `Bearer ${token}`, 'idempotency-key': randomUUID() };
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = http.request(`${baseUrl}/api/v1/statuses`, { method: 'POST', agent, headers, timeout: TIMEOUT_MS }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(Number(process.hrtime.bigint() - started) / 1e6) : reject(new Error(`POST /api/v1/statuses at ${baseUrl} answered ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error(`POST /api/v1/statuses at ${baseUrl} took over ${TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

const tenths = (ms: number) => Math.round(ms * 10) / 10;

/** POSTS posts, one at a time, after two unmeasured ones (connection set-up, first statements). */
export async function measureUnloadedPosts(baseUrl: string, token: string, connection: Connection): Promise<Omit<UnloadedPosts, 'target' | 'primaryDc'>> {
  const agent = new http.Agent({ keepAlive: connection === 'keep-alive', maxSockets: 1 });
  try {
    for (let i = 0; i < 2; i++) await post(baseUrl, token, agent);
    const times: number[] = [];
    for (let i = 0; i < POSTS; i++) {
      times.push(await post(baseUrl, token, agent));
      await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
    }
    return { connection, posts: POSTS, p50Ms: tenths(percentile(times, 50)), p90Ms: tenths(percentile(times, 90)), maxMs: tenths(Math.max(...times)) };
  } finally {
    agent.destroy();
  }
}

/** Whether this app server's DC holds the primary: the check the edge routes writes by. */
export async function inPrimaryDc(appUrl: string): Promise<boolean> {
  const res = await fetch(`${appUrl}/readyz/primary`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  await res.arrayBuffer();
  return res.status === 200;
}
