// The edge's share of overload protection, as HAProxy configuration lines for whoever writes the
// HAProxy config (../cluster/haproxy.ts, used by the cluster and the flood drill). Per-source stick
// table: request rate, concurrent connections, connection rate and error rate. Past the limits: 429
// with Retry-After; far past them, tarpit (hold the request, then 429), which stalls a closed-loop
// flooder's connections instead of answering it as fast as it can ask; connection caps per source;
// tight header timeouts so slow clients (slowloris) are dropped at the edge and never reach the app.
//
// Edge refusals carry `X-Firebreak-Layer: edge`, so clients and drills can tell them from the app's.
// Each refusal also counts itself under its reason in a small second table (`show table
// firebreak_edge_rejections` on the stats socket), because HAProxy's own counters lump a 429, a
// tarpit and a 403 together as "denied".

export interface EdgeLimits {
  /** Requests per source per 10 s before 429 (500 = 50 requests/s: generous for a NAT, nothing for a flood). */
  requestsPer10s: number;
  /** Requests per source per 10 s beyond which requests are tarpitted. */
  tarpitAbovePer10s: number;
  /** Concurrent connections per source; past it requests are tarpitted, past 5x it connections refused. */
  connectionsPerSource: number;
  /** New connections per source per 10 s. */
  newConnectionsPer10s: number;
  /** Anonymous requests to expensive routes (search, far-back pages, logins) per source per 10 s before 429. */
  expensivePer10s: number;
  /** 4xx responses per source per 10 s before the source is denied outright (scanners, guessers). */
  errorsPer10s: number;
  /** The whole request head (and, with http-buffer-request, the body) must arrive within this. */
  httpRequestTimeout: string;
  tarpitTimeout: string;
  /**
   * Connections the edge holds at once (global and frontend maxconn). Idle or slow connections cost
   * HAProxy a few kB each, so this is set far above what the app could serve: a slowloris from many
   * sources must run into `timeout http-request`, not fill the accept queue real users wait in.
   * HAProxy needs about two file descriptors per connection and refuses to start when its hard
   * `nofile` limit is lower (8000 fits the 20000 of a typical container).
   */
  maxConnections: number;
  /** Stick-table name; also the name of the backend section that holds it. */
  table: string;
}

export const defaultEdgeLimits: EdgeLimits = {
  requestsPer10s: 500, tarpitAbovePer10s: 3000, connectionsPerSource: 100, newConnectionsPer10s: 1000, expensivePer10s: 20,
  errorsPer10s: 1000, httpRequestTimeout: '5s', tarpitTimeout: '3s', maxConnections: 8000, table: 'firebreak_per_source',
};

/**
 * Per-source limits out of reach, timeouts kept: for a cluster started with `--rate-limits off`, whose
 * drills send hundreds of requests per second over many connections from the one host address.
 */
export const perSourceLimitsOff: Partial<EdgeLimits> = {
  requestsPer10s: 1e9, tarpitAbovePer10s: 1e9, connectionsPerSource: 1e6, newConnectionsPer10s: 1e9, errorsPer10s: 1e9, expensivePer10s: 1e9,
};

/** The table edge refusals are counted in, one entry per reason, the count in gpc0. */
export const EDGE_REJECTIONS_TABLE = 'firebreak_edge_rejections';

/** Why the edge refused: the keys of EDGE_REJECTIONS_TABLE. */
export const EDGE_REASONS = ['hoarding_connections', 'too_many_connections', 'connecting_too_fast', 'erroring', 'tarpit', 'rate_limited', 'expensive_rate_limited'] as const;

/**
 * Routes whose cost grows with the data, as the edge can see them (the app's list is in
 * packages/server/src/overload/classify.ts): full-text search, other people's timelines and lists, any page far back
 * (max_id), and password logins (a password hash each; the drill's brute force sent 800 a second
 * from 40 addresses, each under every other per-source rate). Anonymous requests to them get a much
 * smaller per-source allowance.
 */
const EXPENSIVE_PATHS = [
  'path_beg /api/v2/search /api/v1/accounts/search /api/v1/timelines/public /api/v1/timelines/tag/',
  'path /oauth/token /oauth/authorize /auth/sign_in',
  'path_reg ^/api/v1/accounts/[^/]+/(statuses|followers|following)$',
  'path_reg ^/api/v1/statuses/[^/]+/(context|favourited_by|reblogged_by)$',
  'urlp(max_id) -m found',
];

/** Names the unchecked backup twin of each app server (see failOpenServer). */
export const FAIL_OPEN_SUFFIX = '-failopen';

/** A source holding this many times its connection cap is refused new connections outright. */
export const HARD_CAP_FACTOR = 5;
export type EdgeReason = (typeof EDGE_REASONS)[number];

export interface EdgeProtectionConfig {
  /** For the `global` section. */
  global: string[];
  /** For the `defaults` section (HTTP mode): the client-facing timeouts. */
  defaults: string[];
  /** For the public HTTP `frontend`, before its `default_backend`. */
  frontend: string[];
  /** For the app `backend`, after its retry rules. */
  backend: string[];
  /** Appended to each app `server` line. */
  serverOptions: string;
  /** For each app server, a line after all of them: the same server as an unchecked backup (fail open). */
  failOpenServer(name: string, address: string): string;
  /** Sections of their own, anywhere in the file: the stick tables. */
  tableSections: string[];
}

/** Counts the refusal under `reason`, then refuses: three rules with one condition. */
function refuse(stage: 'tcp-request connection' | 'http-request', reason: EdgeReason, condition: string, action: string): string[] {
  return [
    `${stage} track-sc1 str(${reason}) table ${EDGE_REJECTIONS_TABLE} if ${condition}`,
    `${stage} sc-inc-gpc0(1) if ${condition}`,
    `${stage} ${action} if ${condition}`,
  ];
}

export function edgeProtectionConfig(overrides: Partial<EdgeLimits> = {}): EdgeProtectionConfig {
  const l = { ...defaultEdgeLimits, ...overrides };
  const tooMany = `content-type application/json string '{"error":"Too many requests"}' hdr Retry-After 10 hdr X-Firebreak-Layer edge`;
  return {
    global: [`maxconn ${l.maxConnections}`],
    defaults: [
      `timeout http-request ${l.httpRequestTimeout}  # slowloris: the request must arrive in time`,
      'timeout http-keep-alive 5s',
      'timeout client 30s',
      `timeout tarpit ${l.tarpitTimeout}`,
      // Health checks: connecting still has to succeed within min(timeout connect, inter), so a dead or
      // blackholed server is out as fast as before; once connected, the answer may take 3 s. Under a
      // flood the edge itself runs late, and with 1 s it took the only app server out of rotation
      // while that server answered /readyz in 0.2 s (flood drill): a busy edge made an outage.
      'timeout check 3s',
      'option http-buffer-request  # slow bodies also wait at the edge, not on an app connection',
    ],
    frontend: [
      `maxconn ${l.maxConnections}`,
      `tcp-request connection track-sc0 src table ${l.table}`,
      `acl fb_too_many_connections sc_conn_cur(0) gt ${l.connectionsPerSource}`,
      `acl fb_connecting_too_fast sc_conn_rate(0) gt ${l.newConnectionsPer10s}`,
      `acl fb_erroring sc_http_err_rate(0) gt ${l.errorsPer10s}`,
      `acl fb_abusive sc_http_req_rate(0) gt ${l.tarpitAbovePer10s}`,
      `acl fb_too_fast sc_http_req_rate(0) gt ${l.requestsPer10s}`,
      `acl fb_hoarding sc_conn_cur(0) gt ${l.connectionsPerSource * HARD_CAP_FACTOR}`,
      'acl fb_credentials req.hdr(authorization) -m found',
      'acl fb_credentials req.cook(fb_session) -m found',
      ...EXPENSIVE_PATHS.map((p) => `acl fb_expensive ${p}`),
      `acl fb_expensive_too_fast sc_http_req_rate(2) gt ${l.expensivePer10s}`,
      // Far past the connection cap: refused at once, so no source can take the edge's maxconn.
      ...refuse('tcp-request connection', 'hoarding_connections', 'fb_hoarding', 'reject'),
      // The app believes X-Forwarded-For from the edge: it must be the real source, never the client's
      // header (appending to it, as `option forwardfor` does, would let a client choose its address).
      'http-request set-header X-Forwarded-For %[src]',
      // Past the connection cap or rate a connection is held (tarpit), not refused: refused connections
      // come straight back, and in the flood drill wrk made the edge accept and refuse 20,000 a second,
      // which starved it of the CPU its health checks and real users needed. A held connection keeps a
      // closed-loop flooder waiting until its own timeout. (Silently dropping them does not help: the
      // flooder's next packet meets a reset from the kernel.)
      ...refuse('http-request', 'too_many_connections', 'fb_too_many_connections', `tarpit deny_status 429 ${tooMany}`),
      ...refuse('http-request', 'connecting_too_fast', 'fb_connecting_too_fast', `tarpit deny_status 429 ${tooMany}`),
      // Tarpit before the error rule: the edge's own 429s count as errors, so a flooder would otherwise
      // be switched to the quick 403 below long before it reached the tarpit rate.
      ...refuse('http-request', 'tarpit', 'fb_abusive', `tarpit deny_status 429 ${tooMany}`),
      ...refuse('http-request', 'erroring', 'fb_erroring', `deny deny_status 403 content-type application/json string '{"error":"Forbidden"}' hdr X-Firebreak-Layer edge`),
      ...refuse('http-request', 'rate_limited', 'fb_too_fast', `deny deny_status 429 ${tooMany}`),
      // Anonymous costly requests have an allowance of their own: the flood drill's botnet of 50
      // addresses stayed under every per-source rate and kept the app's database busy for everyone.
      `http-request track-sc2 src table ${l.table}_expensive if fb_expensive !fb_credentials`,
      ...refuse('http-request', 'expensive_rate_limited', 'fb_expensive !fb_credentials fb_expensive_too_fast', `deny deny_status 429 ${tooMany}`),
    ],
    backend: [
      // Fail open: when health checks have taken every app server out (under a flood the edge and the
      // app both run late, and the drill saw the only server marked down while it answered /readyz
      // in 0.2 s), requests still go to them rather than wait 10 s in the edge's queue for a 503. A
      // server that is really gone refuses the connection, which fails as fast as before. (Envoy's
      // "panic threshold" is the same idea.)
      'option allbackups',
      // A flood is anonymous, and the app answers what it sheds with 503: retrying those (retry-on
      // 503) sent each shed request to the app up to four times. Signed-in requests keep their retries.
      'acl fb_credentials req.hdr(authorization) -m found',
      'acl fb_credentials req.cook(fb_session) -m found',
      'http-request disable-l7-retry if !fb_credentials',
    ],
    // The edge hands requests to the app rather than queueing them: its queue is first come, first
    // served, while the app's admission puts signed-in users ahead of anonymous floods.
    serverOptions: 'maxconn 500',
    failOpenServer: (name, address) => `server ${name}${FAIL_OPEN_SUFFIX} ${address} backup`,
    tableSections: [
      `backend ${l.table}\n    stick-table type ipv6 size 1m expire 60s store http_req_rate(10s),http_err_rate(10s),conn_cur,conn_rate(10s)`,
      `backend ${l.table}_expensive\n    stick-table type ipv6 size 1m expire 60s store http_req_rate(10s)`,
      `backend ${EDGE_REJECTIONS_TABLE}\n    stick-table type string len 32 size 16 store gpc0`,
    ],
  };
}

/** Parses `show table firebreak_edge_rejections` into counts by reason (absent reasons are 0). */
export function parseEdgeRejections(text: string): Record<EdgeReason, number> {
  const counts = Object.fromEntries(EDGE_REASONS.map((r) => [r, 0])) as Record<EdgeReason, number>;
  for (const m of text.matchAll(/key=(\S+) .*?gpc0=(\d+)/g)) {
    if ((EDGE_REASONS as readonly string[]).includes(m[1]!)) counts[m[1] as EdgeReason] = Number(m[2]);
  }
  return counts;
}
