// The edge's share of overload protection, as HAProxy configuration lines for whoever writes the
// HAProxy config (the cluster's generator, the flood drill). Per-source stick table: request rate,
// concurrent connections, connection rate and error rate. Past the limits: 429 with Retry-After; far
// past them, tarpit (hold the request, then 429), which stalls a closed-loop flooder's connections
// instead of answering it as fast as it can ask; connection caps per source; tight header timeouts
// so slow clients (slowloris) are dropped at the edge and never reach the app.
//
// Edge refusals carry `X-Firebreak-Layer: edge`, so clients and drills can tell them from the app's.

export interface EdgeLimits {
  /** Requests per source per 10 s before 429 (500 = 50 requests/s: generous for a NAT, nothing for a flood). */
  requestsPer10s: number;
  /** Requests per source per 10 s beyond which requests are tarpitted. */
  tarpitAbovePer10s: number;
  /** Concurrent connections per source. */
  connectionsPerSource: number;
  /** New connections per source per 10 s. */
  newConnectionsPer10s: number;
  /** 4xx responses per source per 10 s before the source is denied outright (scanners, guessers). */
  errorsPer10s: number;
  /** The whole request head (and, with http-buffer-request, the body) must arrive within this. */
  httpRequestTimeout: string;
  tarpitTimeout: string;
  /** Stick-table name; also the name of the backend section that holds it. */
  table: string;
}

export const defaultEdgeLimits: EdgeLimits = {
  requestsPer10s: 500, tarpitAbovePer10s: 3000, connectionsPerSource: 100, newConnectionsPer10s: 1000,
  errorsPer10s: 1000, httpRequestTimeout: '5s', tarpitTimeout: '3s', table: 'firebreak_per_source',
};

export interface EdgeProtectionConfig {
  /** For the `defaults` section (HTTP mode). */
  defaults: string[];
  /** For the public HTTP `frontend`, before its `default_backend`. */
  frontend: string[];
  /** Appended to each app `server` line: the edge queues beyond this instead of piling onto the app. */
  serverOptions: string;
  /** A section of its own, anywhere in the file: the stick table. */
  tableSection: string[];
}

export function edgeProtectionConfig(overrides: Partial<EdgeLimits> = {}): EdgeProtectionConfig {
  const l = { ...defaultEdgeLimits, ...overrides };
  const tooMany = `content-type application/json string '{"error":"Too many requests"}' hdr Retry-After 10 hdr X-Firebreak-Layer edge`;
  return {
    defaults: [
      `timeout http-request ${l.httpRequestTimeout}  # slowloris: the request must arrive in time`,
      'timeout http-keep-alive 5s',
      'timeout client 30s',
      'timeout connect 2s',
      'timeout server 30s',
      'timeout queue 5s  # waiting for an app slot; past it, 503',
      `timeout tarpit ${l.tarpitTimeout}`,
      'option http-buffer-request  # slow bodies also wait at the edge, not on an app connection',
    ],
    frontend: [
      `tcp-request connection track-sc0 src table ${l.table}`,
      `tcp-request connection reject if { sc_conn_cur(0) gt ${l.connectionsPerSource} }`,
      `tcp-request connection reject if { sc_conn_rate(0) gt ${l.newConnectionsPer10s} }`,
      // The app trusts X-Forwarded-For (trustProxy): it must be the real source, never the client's header.
      'http-request set-header X-Forwarded-For %[src]',
      `http-request deny deny_status 403 content-type application/json string '{"error":"Forbidden"}' hdr X-Firebreak-Layer edge if { sc_http_err_rate(0) gt ${l.errorsPer10s} }`,
      `http-request tarpit deny_status 429 ${tooMany} if { sc_http_req_rate(0) gt ${l.tarpitAbovePer10s} }`,
      `http-request deny deny_status 429 ${tooMany} if { sc_http_req_rate(0) gt ${l.requestsPer10s} }`,
    ],
    serverOptions: 'maxconn 256',
    tableSection: [
      `backend ${l.table}`,
      `    stick-table type ipv6 size 1m expire 60s store http_req_rate(10s),http_err_rate(10s),conn_cur,conn_rate(10s)`,
    ],
  };
}
