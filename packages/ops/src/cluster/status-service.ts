// The status service (`firebreak status`) in its own namespace, in no DC, so no fire takes it down
// (DESIGN §1). It probes the edge and one app server per DC, signed in as a probe account.
import { mkdirSync } from 'node:fs';
import { statusCli } from '../entry-points.js';
import { postJson } from './http.js';
import { appUrl, supervisor, type Layout } from './layout.js';
import { startDetached } from './proc.js';
import { saveState, secret, type ClusterState } from './state.js';

/** The status service watches the edge and one app server per DC (DESIGN §1), from outside every DC. */
function statusTargets(layout: Layout): string[] {
  return [`edge=${layout.edgeUrl}`, ...layout.dcs.map((dc) => `${dc.name}=${appUrl(dc.apps[0]!)}`)];
}

/**
 * The status service reads and posts as a signed-in probe account, so its probes see what signed-in
 * users see (anonymous traffic is shed first when the service is busy, which is by design). Created
 * through the edge once; its token is kept in the cluster's state.
 */
export async function ensureStatusProbeAccount(layout: Layout, state: ClusterState): Promise<string> {
  if (state.statusProbeToken) return state.statusProbeToken;
  const base = layout.edgeUrl;
  const app = await postJson<{ client_id: string; client_secret: string }>(`${base}/api/v1/apps`, { client_name: 'firebreak-status', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes: 'read write' });
  const appToken = await postJson<{ access_token: string }>(`${base}/oauth/token`, { grant_type: 'client_credentials', client_id: app.client_id, client_secret: app.client_secret, scope: 'read write' });
  const account = await postJson<{ access_token: string }>(`${base}/api/v1/accounts`, {
    username: 'statusprobe', email: 'statusprobe@status.invalid', password: secret() + secret(), agreement: true, locale: 'en',
  }, appToken.access_token);
  state.statusProbeToken = account.access_token;
  saveState(layout.runDir, state);
  return account.access_token;
}

export function startStatus(layout: Layout, probeToken: string): void {
  mkdirSync(layout.status.dataDir, { recursive: true });
  startDetached(supervisor(layout), {
    name: 'status', ns: layout.status.ns, cwd: layout.status.dataDir,
    argv: [process.execPath, statusCli, '--host', layout.status.ip, '--port', String(layout.status.port), ...statusTargets(layout).flatMap((t) => ['--target', t])],
    env: {
      PATH: process.env.PATH,
      FIREBREAK_DATA_DIR: layout.status.dataDir,
      FIREBREAK_STATUS_PUBLIC_URL: layout.statusUrl,
      FIREBREAK_STATUS_ADMIN_TOKEN: layout.secrets.statusAdmin,
      FIREBREAK_STATUS_PROBE_TOKEN: probeToken,
      LOG_LEVEL: process.env.FIREBREAK_CLUSTER_LOG_LEVEL ?? 'warn',
    },
  });
}
