// The app servers: `firebreak serve` in each DC, on its own DC's PostgreSQL first (multi-host URL),
// restarted when they exit as systemd would, and ready when /readyz says so.
import { SERVER_NODE_FLAGS } from '@firebreak/server/runtime.js';
import { serverCli } from '../entry-points.js';
import { getJson } from './http.js';
import { appUrl, databaseUrl, HOST_IP, supervisor, type AppServer, type DataCenter, type Layout } from './layout.js';
import { startDetached } from './proc.js';
import { MEDIA_BUCKET, s3Endpoint, swiftCredentials } from './swift.js';

export function appEnv(layout: Layout, dc: DataCenter, app: AppServer): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    PORT: String(app.port),
    HOST: app.ip,
    DATABASE_URL: databaseUrl(layout, dc),
    FIREBREAK_DATA_DIR: app.dataDir,
    FIREBREAK_DOMAIN: `${layout.edge.ip}:${layout.edge.port}`,
    FIREBREAK_PUBLIC_URL: layout.edgeUrl,
    FIREBREAK_DB_WRITE_BUDGET_MS: String(layout.options.writeBudgetMs),
    FIREBREAK_RATE_LIMITS: layout.options.rateLimits ? 'true' : 'false',
    FIREBREAK_METRICS_TOKEN: layout.secrets.metrics,
    // Media in the DCs' Swift, through this DC's S3 proxy: an upload is acknowledged once two DCs
    // store it, like a post (swift.ts, README "Run three data centers").
    FIREBREAK_MEDIA_STORE: 's3',
    FIREBREAK_MEDIA_S3_ENDPOINT: s3Endpoint(dc),
    FIREBREAK_MEDIA_S3_BUCKET: MEDIA_BUCKET,
    FIREBREAK_MEDIA_S3_ACCESS_KEY_ID: swiftCredentials(layout).accessKeyId,
    FIREBREAK_MEDIA_S3_SECRET_ACCESS_KEY: swiftCredentials(layout).secretAccessKey,
    // The drills' push service listens on the host's address on the bridge (drill/push-receiver.ts).
    FIREBREAK_PUSH_ALLOWED_PRIVATE: `${HOST_IP}/32`,
    LOG_LEVEL: process.env.FIREBREAK_CLUSTER_LOG_LEVEL ?? 'warn',
  };
}

export function startApp(layout: Layout, dc: DataCenter, app: AppServer): void {
  startDetached(supervisor(layout), { name: app.name, ns: dc.ns, argv: [process.execPath, ...SERVER_NODE_FLAGS, serverCli, 'serve'], env: appEnv(layout, dc, app), cwd: app.dataDir, restart: true });
}

export async function appReady(app: AppServer, path = '/readyz'): Promise<boolean> {
  return (await getJson(`${appUrl(app)}${path}`, 1500)).status === 200;
}
