// A flood-drill client process: `node flood-agent.js <role> <spec.json>`, started by the drill with
// `ip netns exec` inside the legitimate or the attacker namespace (a process cannot change its
// network namespace in Node, and a separate process also keeps the load generator's event loop away
// from the one that measures). It waits for the spec's start time, runs, and prints one JSON result.
import { readFileSync } from 'node:fs';
import { openLoop, type RequestSpec } from '../bench/load.js';
import { closedLoop, legitWorkload, passwordLogin, slowloris, type LegitUser } from './flood-clients.js';

export type AgentSpec =
  | { role: 'legit'; baseUrl: string; startAt: number; users: LegitUser[]; addresses: string[]; runId: string; rate: number; seconds: number; postShare: number; timeoutMs: number }
  | { role: 'capacity'; baseUrl: string; startAt: number; users: LegitUser[]; addresses: string[]; runId: string; concurrency: number; seconds: number; postShare: number }
  | { role: 'anonymous'; baseUrl: string; startAt: number; paths: string[]; addresses: string[]; concurrency: number; seconds: number }
  | { role: 'bruteforce'; baseUrl: string; startAt: number; addresses: string[]; concurrency: number; seconds: number; form: Record<string, string> }
  | { role: 'slowloris'; host: string; port: number; startAt: number; addresses: string[]; connections: number; seconds: number }
  | { role: 'login'; baseUrl: string; startAt: number; address: string; form: Record<string, string> };

async function run(spec: AgentSpec): Promise<unknown> {
  const wait = spec.startAt - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  switch (spec.role) {
    case 'legit':
      return openLoop(spec.baseUrl, legitWorkload(spec.users, spec.addresses, spec.runId, spec.postShare), spec.rate, spec.seconds,
        { timeoutMs: spec.timeoutMs, maxInFlight: 2000 });
    case 'capacity': {
      const workload = legitWorkload(spec.users, spec.addresses, `${spec.runId}-cap`, spec.postShare);
      return closedLoop(spec.baseUrl, () => workload.next(), spec.concurrency, spec.seconds);
    }
    case 'anonymous': {
      // Anonymous GETs from many addresses, round robin over the paths given (cheap or costly).
      let i = 0;
      const next = (): RequestSpec => ({ method: 'GET', path: spec.paths[i % spec.paths.length]!, headers: {}, localAddress: spec.addresses[i++ % spec.addresses.length] });
      return closedLoop(spec.baseUrl, next, spec.concurrency, spec.seconds);
    }
    case 'bruteforce': {
      let i = 0;
      const next = (): RequestSpec => {
        const body = new URLSearchParams({ ...spec.form, password: `guess-${i}-${Math.random().toString(36).slice(2)}` }).toString();
        return { method: 'POST', path: '/oauth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body, localAddress: spec.addresses[i++ % spec.addresses.length] };
      };
      return closedLoop(spec.baseUrl, next, spec.concurrency, spec.seconds);
    }
    case 'slowloris':
      return slowloris(spec.host, spec.port, spec.addresses, spec.connections, spec.seconds);
    case 'login':
      return passwordLogin(spec.baseUrl, spec.address, spec.form);
  }
}

const specPath = process.argv[2];
if (!specPath) {
  process.stderr.write('usage: flood-agent <spec.json> (started by `firebreak drill flood`)\n');
  process.exit(2);
}
const spec = JSON.parse(readFileSync(specPath, 'utf8')) as AgentSpec;
run(spec).then((result) => {
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}, (err: Error) => {
  process.stderr.write(`flood-agent ${spec.role}: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
