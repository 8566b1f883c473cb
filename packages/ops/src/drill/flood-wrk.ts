// The cheap-request HTTP flood: wrk (Debian package `wrk`), closed loop with many connections from
// the attacker's address, sending as fast as the edge answers. Its summary gives what the attacker
// achieved; the edge's counters tell what became of it.

export interface WrkResult {
  requests: number;
  seconds: number;
  /** Answers that were not 2xx/3xx (the edge's 429s and 403s, the app's 429s and 503s). */
  non2xx: number;
  socketErrors: { connect: number; read: number; write: number; timeout: number };
  /**
   * Requests answered plus connections refused or cut (wrk counts those as connect or read errors):
   * what the attacker threw at the edge, in all and per second.
   */
  attempts: number;
  attemptsPerSecond: number;
}

export function wrkArgs(url: string, connections: number, seconds: number, threads = 2): string[] {
  // --timeout: a tarpitted request is given up on and its connection replaced, as a flooder would.
  return ['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, '--timeout', '2s', url];
}

export function parseWrk(output: string): WrkResult {
  const m = /(\d+) requests in ([\d.]+)(ms|s|m),/.exec(output);
  const requests = Number(m?.[1] ?? 0);
  const seconds = m ? Number(m[2]) * (m[3] === 'ms' ? 0.001 : m[3] === 'm' ? 60 : 1) : 0;
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const socketErrors = {
    connect: Number(errors?.[1] ?? 0), read: Number(errors?.[2] ?? 0), write: Number(errors?.[3] ?? 0), timeout: Number(errors?.[4] ?? 0),
  };
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0);
  const attempts = requests + socketErrors.connect + socketErrors.read;
  return { requests, seconds, non2xx, socketErrors, attempts, attemptsPerSecond: seconds ? Math.round(attempts / seconds) : 0 };
}
