// `firebreak cluster up|status|env|down|revive|burn`: three local data centers (see README "Run three
// data centers"). `burn` injects the fire drill's fault by hand (drill/fire.ts).
import { burn } from '../drill/fire.js';
import { waitStatusRecovered } from '../drill/status-watch.js';
import { appServers, appUrl, databaseUrl, defaultRunDir, findDc, type ClusterOptions } from './layout.js';
import { down, revive, up } from './lifecycle.js';
import { log } from './proc.js';
import { layoutFromState, loadState } from './state.js';
import { collectStatus, formatStatus } from './status.js';

const usage = `usage: firebreak cluster <command>
  up [--dcs 3] [--latency 10ms] [--app-per-dc 1] [--rate-limits on|off] [--write-budget 15000]
                         bring the cluster up (idempotent); prints the edge URL
  status [--json]        each DC's etcd, Patroni role and lag, the primary, the edge's view
  revive [DC]            bring a burned DC back empty (new etcd member, Patroni clones a replica);
                         without DC: every burned DC
  burn DC                kill every process in DC and delete its data (what a fire leaves behind)
  env                    export DATABASE_URL (the app role's multi-host URL), the edge, status and app URLs,
                         for tools run from the host: eval "$(firebreak cluster env)"
  down                   stop everything, delete namespaces, bridge and data (logs stay in run/cluster/logs)
Run directory: ./run/cluster (override with FIREBREAK_CLUSTER_DIR).`;

export function parseFlags(args: string[]): { flags: Record<string, string>; positional: string[] } {
  const flags: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('--')) {
      const [k, v] = a.slice(2).split('=', 2) as [string, string | undefined];
      if (v !== undefined) flags[k] = v;
      else if (i + 1 < args.length && !args[i + 1]!.startsWith('--')) flags[k] = args[++i]!;
      else flags[k] = 'true';
    } else positional.push(a);
  }
  return { flags, positional };
}

function runDir(): string {
  return process.env.FIREBREAK_CLUSTER_DIR ? defaultRunDir(process.env.FIREBREAK_CLUSTER_DIR) : defaultRunDir();
}

function requireState() {
  const state = loadState(runDir());
  if (!state) throw new Error('no cluster here: run `firebreak cluster up` first');
  return { state, layout: layoutFromState(state, runDir()) };
}

export async function main(args: string[]): Promise<number> {
  const [cmd, ...rest] = args;
  const { flags, positional } = parseFlags(rest);
  try {
    switch (cmd) {
      case 'up': {
        const opts: Partial<ClusterOptions> = {};
        if (flags.dcs) opts.dcs = Number(flags.dcs);
        if (flags.latency) opts.latency = flags.latency;
        if (flags['app-per-dc']) opts.appsPerDc = Number(flags['app-per-dc']);
        if (flags['rate-limits']) opts.rateLimits = ['on', 'true', '1'].includes(flags['rate-limits']);
        if (flags['write-budget']) opts.writeBudgetMs = Number(flags['write-budget']);
        const layout = await up(opts, runDir());
        process.stdout.write(`${formatStatus(await collectStatus(layout))}\n\nedge URL: ${layout.edgeUrl}\n`);
        return 0;
      }
      case 'status': {
        const { state, layout } = requireState();
        const s = await collectStatus(layout, state);
        process.stdout.write(flags.json ? `${JSON.stringify(s, null, 2)}\n` : `${formatStatus(s)}\n`);
        return s.primaryDc ? 0 : 1;
      }
      case 'env': {
        // On request only (never in logs): what a tool outside the cluster needs to reach it.
        const { layout } = requireState();
        // Exported, so that `eval` hands them to the tools it then runs (npm run bench).
        const env = {
          DATABASE_URL: databaseUrl(layout, undefined), FIREBREAK_EDGE_URL: layout.edgeUrl, FIREBREAK_STATUS_URL: layout.statusUrl,
          FIREBREAK_APP_URLS: appServers(layout).map(appUrl).join(','),
        };
        process.stdout.write(Object.entries(env).map(([name, value]) => `export ${name}='${value}'\n`).join(''));
        return 0;
      }
      case 'down':
        await down(runDir());
        log('cluster down: processes killed, namespaces and bridge deleted');
        return 0;
      case 'revive': {
        const { state, layout } = requireState();
        const targets = positional.length ? positional.map((n) => findDc(layout, n)) : layout.dcs.filter((d) => state.burned.includes(d.name));
        if (!targets.length) { log('nothing to revive: no burned DC'); return 0; }
        for (const dc of targets) await revive(layout, dc);
        for (const dc of targets) {
          const ms = await waitStatusRecovered(layout.statusUrl, dc.name, 90_000);
          log(ms === null ? `status page: ${dc.name} not shown operational with no open incident within 90 s` : `status page: ${dc.name} operational, no open incident, ${(ms / 1000).toFixed(1)} s after the revive`);
        }
        process.stdout.write(`${formatStatus(await collectStatus(layout))}\n`);
        return 0;
      }
      case 'burn': {
        const { layout } = requireState();
        if (!positional[0]) throw new Error('which DC? e.g. firebreak cluster burn dc1');
        const dc = findDc(layout, positional[0]);
        const killed = await burn(layout, dc);
        log(`${dc.name}: ${killed} processes killed, data deleted`);
        return 0;
      }
      default:
        process.stderr.write(`${usage}\n`);
        return cmd ? 2 : 0;
    }
  } catch (err) {
    process.stderr.write(`firebreak cluster ${cmd}: ${(err as Error).message}\n`);
    return 1;
  }
}
