// The edge's protection on a real HAProxy (Debian package `haproxy`): the generated configuration is
// valid for the cluster and for a single server, a source over its rate gets 429 with Retry-After while
// another source does not, abusive sources are tarpitted, slow headers are dropped, connections per
// source are capped, X-Forwarded-For is the real source, and every refusal is counted by reason.
// Sources are distinct loopback addresses (127.0.0.0/8 is all local on Linux).
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { adminSocket, edgeConfig, haproxyConfig, parseShowStat } from '@firebreak/ops/cluster/haproxy.js';
import { buildLayout, defaultOptions } from '@firebreak/ops/cluster/layout.js';
import { parseEdgeRejections, EDGE_REJECTIONS_TABLE, type EdgeReason } from '@firebreak/ops/edge/haproxy.js';
import { freePort } from '@firebreak/testkit/postgres-server.js';

const haveHaproxy = spawnSync('haproxy', ['-v']).status === 0;
if (!haveHaproxy && process.env.CI === 'true') throw new Error('CI=true and haproxy is missing (apt-get install haproxy): failing, not skipping');
const skip = haveHaproxy ? false : 'haproxy not installed';

function checkConfig(text: string): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-haproxy-'));
  try {
    writeFileSync(join(dir, 'haproxy.cfg'), text);
    const r = spawnSync('haproxy', ['-c', '-f', join(dir, 'haproxy.cfg')], { encoding: 'utf8' });
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
  } finally { rmSync(dir, { recursive: true, force: true }); }
}

interface Reply { status: number; headers: Record<string, string>; body: string; ms: number }

/** One request on a fresh connection from `source`. */
function get(port: number, source: string, path = '/', headers: Record<string, string> = {}): Promise<Reply> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress: source });
    let raw = '';
    socket.on('data', (d) => { raw += d; });
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', body = ''] = raw.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const h = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1] ?? 0), headers: h, body, ms: performance.now() - started });
    });
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    socket.write(`GET ${path} HTTP/1.1\r\nHost: edge\r\nConnection: close\r\n${extra}\r\n`);
  });
}

describe('edge configuration', { skip }, () => {
  for (const rateLimits of [true, false]) {
    it(`is valid HAProxy configuration for the cluster (rate limits ${rateLimits ? 'on' : 'off'})`, () => {
      const layout = buildLayout({ ...defaultOptions, rateLimits }, '/tmp/firebreak-cluster-check', { superuser: 'a', replication: 'b', rewind: 'c', app: 'd', statusAdmin: 'e', metrics: 'f', media: 'm' });
      const text = haproxyConfig(layout);
      const r = checkConfig(text);
      assert.ok(r.ok, r.output);
      assert.match(text, /http-request set-header X-Forwarded-For %\[src\]/);
      assert.doesNotMatch(text, /option forwardfor/, 'appending to X-Forwarded-For would let clients choose their address');
      assert.match(text, /timeout http-request 5s/, 'slow-header protection either way');
      assert.equal(/sc_http_req_rate\(0\) gt 500\b/.test(text), rateLimits, 'per-source limits follow --rate-limits');
    });
  }

  it('fails the check when it is broken (the check is real)', () => {
    assert.equal(checkConfig('frontend x\n  bind 127.0.0.1:1\n  http-request tarpit if { nonsense_fetch(0) gt 1 }\n').ok, false);
  });
});

describe('edge protection on a real HAProxy', { skip, timeout: 60_000 }, () => {
  let dir: string;
  let haproxy: ChildProcess;
  let backend: Server;
  let port: number;
  let socketPath: string;
  const seenForwardedFor: string[] = [];
  let shedHits = 0;
  let ready = true;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'firebreak-edge-'));
    backend = createServer((req, res) => {
      if (req.url !== '/readyz') seenForwardedFor.push(String(req.headers['x-forwarded-for'])); // not the health checks
      if (req.url === '/shed') shedHits++;
      if (req.url === '/readyz' && !ready) { res.writeHead(503).end(); return; }
      res.writeHead(req.url === '/missing' ? 404 : req.url === '/shed' ? 503 : 200, { 'content-type': 'application/json' }).end('{}');
    });
    const backendPort = await freePort();
    await new Promise<void>((r) => backend.listen(backendPort, '127.0.0.1', r));
    port = await freePort();
    socketPath = join(dir, 'haproxy.sock');
    const text = edgeConfig({
      ip: '127.0.0.1', port, statsSocket: socketPath, servers: [{ name: 'app', ip: '127.0.0.1', port: backendPort }], generatedBy: 'test',
      // Small numbers, same rules: the test takes seconds.
      limits: { requestsPer10s: 10, tarpitAbovePer10s: 20, connectionsPerSource: 5, errorsPer10s: 8, expensivePer10s: 3, httpRequestTimeout: '500ms', tarpitTimeout: '400ms' },
    }, { checkInterval: '500ms', serverTimeout: '5s', statsPort: await freePort() });
    writeFileSync(join(dir, 'haproxy.cfg'), text);
    haproxy = spawn('haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    haproxy.stderr!.on('data', (d) => { stderr += d; });
    for (let i = 0; ; i++) {
      if (haproxy.exitCode !== null) throw new Error(`haproxy exited: ${stderr}`);
      const r = await get(port, '127.0.0.1', '/').catch(() => undefined);
      if (r?.status === 200) break;
      if (i > 100) throw new Error(`haproxy did not serve within 10 s: ${stderr}`);
      await new Promise((res) => setTimeout(res, 100));
    }
  });

  after(async () => {
    haproxy?.kill('SIGKILL');
    await new Promise<void>((r) => backend?.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  const rejections = async () => parseEdgeRejections(await adminSocket(socketPath, `show table ${EDGE_REJECTIONS_TABLE}`));
  /** Runs `fn` and returns how many refusals of `reason` the edge counted meanwhile. */
  const counted = async (reason: EdgeReason, fn: () => Promise<void>) => {
    const before = (await rejections())[reason];
    await fn();
    return (await rejections())[reason] - before;
  };

  it('answers a source over its rate with 429 and Retry-After, and another source is served', async () => {
    const statuses: number[] = [];
    let last: Reply | undefined;
    const limited = await counted('rate_limited', async () => {
      for (let i = 0; i < 14; i++) { last = await get(port, '127.0.0.2'); statuses.push(last.status); }
    });
    assert.deepEqual(statuses, [...Array(10).fill(200), ...Array(4).fill(429)]);
    assert.equal(last!.headers['retry-after'], '10');
    assert.equal(last!.headers['x-firebreak-layer'], 'edge');
    assert.deepEqual(JSON.parse(last!.body), { error: 'Too many requests' });
    assert.equal((await get(port, '127.0.0.3')).status, 200, 'another source is not affected');
    assert.equal(limited, 4);
  });

  it('tarpits a source far over its rate: held, then 429', async () => {
    for (let i = 0; i < 20; i++) await get(port, '127.0.0.4');
    let held: Reply | undefined;
    assert.equal(await counted('tarpit', async () => { held = await get(port, '127.0.0.4'); }), 1);
    assert.equal(held!.status, 429);
    assert.ok(held!.ms >= 350, `held for ${held!.ms.toFixed(0)} ms (tarpit 400 ms)`);
  });

  it('sets X-Forwarded-For to the real source, whatever the client sent', async () => {
    seenForwardedFor.length = 0;
    await get(port, '127.0.0.5', '/', { 'X-Forwarded-For': '198.51.100.99' });
    assert.deepEqual(seenForwardedFor, ['127.0.0.5']);
  });

  it('drops a client whose headers do not arrive in time, with 408', async () => {
    const started = performance.now();
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1', localAddress: '127.0.0.6' });
      let received = '';
      socket.on('data', (d) => { received += d; });
      socket.on('error', reject);
      socket.write('GET / HTTP/1.1\r\nHost: edge\r\n');
      const drip = setInterval(() => socket.writable && socket.write('X-Slow: a\r\n'), 100);
      socket.on('close', () => { clearInterval(drip); resolve(received); });
    });
    assert.match(reply, /^HTTP\/1\.[01] 408/);
    assert.ok(performance.now() - started < 2000);
  });

  it('holds the requests of a source over its connection cap (tarpit), and refuses connections far past it', async () => {
    assert.equal((await get(port, '127.0.0.7')).status, 200, 'one connection at a time is served');
    const before = await rejections();
    const sockets: Socket[] = [];
    const replies: Array<{ status: number; ms: number } | 'closed' | null> = [];
    for (let i = 0; i < 27; i++) {
      const s = connect({ port, host: '127.0.0.1', localAddress: '127.0.0.7' });
      const index = i;
      replies[index] = null;
      let sentAt = 0;
      s.on('data', (d) => { replies[index] ??= { status: Number(String(d).split(' ')[1]), ms: performance.now() - sentAt }; });
      s.on('error', () => {});
      s.on('close', () => { replies[index] ??= 'closed'; });
      s.on('connect', () => setTimeout(() => { sentAt = performance.now(); s.write('GET / HTTP/1.1\r\nHost: edge\r\n\r\n'); }, 300));
      sockets.push(s);
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 1200));
    for (const s of sockets) s.destroy();
    const held = replies.filter((r) => typeof r === 'object' && r !== null && r.status === 429);
    assert.equal(held.length, 25, `every request of the source waits while it holds too many: ${JSON.stringify(replies)}`);
    assert.ok(held.every((r) => (r as { ms: number }).ms >= 350), 'held for the tarpit time (400 ms), then 429');
    assert.equal(replies.filter((r) => r === 'closed').length, 2, 'the 26th and 27th connection refused outright (5x the cap)');
    const after = await rejections();
    assert.equal(after.too_many_connections - before.too_many_connections, 25);
    assert.equal(after.hoarding_connections - before.hoarding_connections, 2);
  });

  it('denies a source that keeps getting errors, with 403', async () => {
    const statuses: number[] = [];
    const denied = await counted('erroring', async () => {
      for (let i = 0; i < 10; i++) statuses.push((await get(port, '127.0.0.8', '/missing')).status);
    });
    assert.deepEqual(statuses, [...Array(9).fill(404), 403]);
    assert.equal(denied, 1);
  });

  it("does not retry an anonymous request the app shed (503); a signed-in one it retries", async () => {
    shedHits = 0;
    assert.equal((await get(port, '127.0.0.9', '/shed')).status, 503);
    assert.equal(shedHits, 1, 'anonymous: no retry');
    shedHits = 0;
    assert.equal((await get(port, '127.0.0.9', '/shed', { Authorization: 'Bearer x' })).status, 503);
    assert.equal(shedHits, 4, 'signed in: retries 3');
  });

  it('fails open: with every app server out of rotation, requests still reach them instead of a 503', async () => {
    ready = false;
    try {
      const down = async () => parseShowStat(await adminSocket(socketPath, 'show stat')).every((sv) => sv.status.startsWith('DOWN'));
      for (let i = 0; i < 50 && !(await down()); i++) await new Promise((r) => setTimeout(r, 100));
      assert.ok(await down(), 'the health check took the server out');
      const res = await get(port, '127.0.0.11');
      assert.equal(res.status, 200, 'served by the unchecked twin');
      assert.ok(res.ms < 1000, 'without waiting in the queue');
    } finally { ready = true; }
  });

  it('gives anonymous requests to expensive routes a small allowance of their own; signed-in ones are not counted', async () => {
    const statuses: number[] = [];
    let limited = 0;
    limited = await counted('expensive_rate_limited', async () => {
      for (const path of ['/api/v2/search?q=a', '/api/v1/timelines/public?max_id=5', '/api/v1/accounts/1/statuses', '/api/v1/statuses/2/context', '/api/v2/search?q=b']) {
        statuses.push((await get(port, '127.0.0.12', path)).status);
      }
    });
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
    assert.equal(limited, 2);
    assert.equal((await get(port, '127.0.0.12', '/api/v1/timelines/home')).status, 200, 'cheap routes are not affected');
    assert.equal((await get(port, '127.0.0.12', '/api/v2/search?q=c', { Authorization: 'Bearer x' })).status, 200, 'signed in: not this allowance');
    const logins: number[] = [];
    for (let i = 0; i < 4; i++) logins.push((await get(port, '127.0.0.13', '/oauth/token')).status);
    assert.deepEqual(logins, [200, 200, 200, 429], 'password logins count as expensive');
  });
});
