// The environment is read once, here, into a typed config; bad values stop start-up with a clear message.
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { OWASP_ARGON2ID, type PasswordHashing } from './domain/passwords.js';

export interface Config {
  port: number;
  host: string;
  /** postgres.js URL (multi-host allowed); undefined means embedded PGlite under dataDir. */
  databaseUrl: string | undefined;
  dataDir: string;
  domain: string;
  /** Public base URL, used in entity URLs and the OAuth metadata. */
  publicUrl: string;
  maxStatusChars: number;
  /** How long a write waits for a (new) primary before failing with 503 (DESIGN §2 rule 4). */
  writeBudgetMs: number;
  /** How long a read retries through a failover before failing with 503. */
  readBudgetMs: number;
  dbPoolSize: number;
  /** A database operation silent for this long is presumed stuck on a vanished host and retried. */
  dbStallMs: number;
  /** In a cluster, a read the primary has not answered within this long also goes to a standby. */
  dbHedgeMs: number;
  /** In a cluster, a primary silent this long on its heartbeat connection is presumed gone; 0: off. */
  dbHeartbeatTimeoutMs: number;
  /** The entity cache's bound (domain/entity-cache.ts), in bytes. */
  entityCacheBytes: number;
  bodyLimitBytes: number;
  logLevel: string;
  /** argon2id cost of new password hashes (OWASP's minimum by default); tests lower it to keep the suite fast. */
  passwordHashing: PasswordHashing;
  /** Login attempts allowed per account (and per address) per window before 429. */
  loginAttemptsPerWindow: number;
  loginWindowMs: number;
  /** Off switch for the in-app rate limits (benchmarks measure the stack, not the limiter). */
  rateLimitsEnabled: boolean;
  /** How long a request may take before it stops starting database work (clients give up around here). */
  requestBudgetMs: number;
  underAttack: boolean;
  adminToken: string | undefined;
  /** Bearer token for /metrics; without one, only scrapers on this machine (loopback) get metrics. */
  metricsToken: string | undefined;
  /**
   * Peers whose X-Forwarded-For is believed (proxy-addr syntax: addresses, CIDRs, `loopback`,
   * `uniquelocal`...). Every per-address limit keys on the resulting address, so a client that can
   * reach the app directly must not be trusted: it would pick a fresh address per request.
   */
  trustProxy: string;
  media: MediaConfig;
  /** Whether this server delivers Web Push (drains the queue every server shares); on by default. */
  pushDelivery: boolean;
  /**
   * Internal addresses (CIDRs) push endpoints may be at: none by default, since an endpoint is a URL
   * anyone may give us to fetch. Tests and the drills use loopback and the cluster's network.
   */
  pushAllowedPrivate: string;
}

/** Where media files are kept and how processing may use the machine (README "Configuration"). */
export interface MediaConfig {
  /** fs: files under `dir`; s3: an S3-compatible bucket; postgres: in the database (replicated with it). */
  store: 'fs' | 's3' | 'postgres';
  dir: string;
  s3: { endpoint: string | undefined; region: string; bucket: string; accessKeyId: string | undefined; secretAccessKey: string | undefined; forcePathStyle: boolean };
  /** Processing jobs one app server runs at once. */
  workers: number;
  /** The niceness of the processing process (0 to 19): timelines first. */
  nice: number;
  /** The longest video or audio accepted, in seconds. */
  maxDurationSeconds: number;
  /** The largest image and video/audio upload, in bytes. */
  imageSizeLimit: number;
  videoSizeLimit: number;
}

type Env = Record<string, string | undefined>;

export class ConfigError extends Error {}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

/** Default: proxies on private networks (the edge, a local reverse proxy), never the public internet. */
export const DEFAULT_TRUST_PROXY = 'loopback,linklocal,uniquelocal';

const MEDIA_STORES = ['fs', 's3', 'postgres'] as const;

function mediaConfig(env: Env, dataDir: string): MediaConfig {
  const store = env.FIREBREAK_MEDIA_STORE || 'fs';
  if (!(MEDIA_STORES as readonly string[]).includes(store)) throw new ConfigError(`FIREBREAK_MEDIA_STORE must be one of ${MEDIA_STORES.join(', ')}, got "${store}"`);
  const bucket = env.FIREBREAK_MEDIA_S3_BUCKET || '';
  if (store === 's3' && !bucket) throw new ConfigError('FIREBREAK_MEDIA_STORE=s3 needs FIREBREAK_MEDIA_S3_BUCKET');
  return {
    store: store as MediaConfig['store'],
    dir: resolve(env.FIREBREAK_MEDIA_DIR || resolve(dataDir, 'media')),
    s3: {
      endpoint: env.FIREBREAK_MEDIA_S3_ENDPOINT || undefined, region: env.FIREBREAK_MEDIA_S3_REGION || 'us-east-1', bucket,
      accessKeyId: env.FIREBREAK_MEDIA_S3_ACCESS_KEY_ID || undefined, secretAccessKey: env.FIREBREAK_MEDIA_S3_SECRET_ACCESS_KEY || undefined,
      forcePathStyle: bool(env, 'FIREBREAK_MEDIA_S3_PATH_STYLE', true),
    },
    workers: int(env, 'FIREBREAK_MEDIA_WORKERS', 1, 0, 16),
    nice: int(env, 'FIREBREAK_MEDIA_NICE', 10, 0, 19),
    maxDurationSeconds: int(env, 'FIREBREAK_MEDIA_MAX_DURATION_SECONDS', 300, 1, 3600),
    imageSizeLimit: int(env, 'FIREBREAK_MEDIA_IMAGE_SIZE_LIMIT', 16 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    videoSizeLimit: int(env, 'FIREBREAK_MEDIA_VIDEO_SIZE_LIMIT', 99 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
  };
}

function trustProxyList(raw: string | undefined): string {
  if (raw === undefined || raw.trim() === '') return DEFAULT_TRUST_PROXY;
  const entries = raw.split(',').map((e) => e.trim());
  const valid = /^(loopback|linklocal|uniquelocal|[0-9a-f.:]+(\/\d{1,3})?)$/i;
  const bad = entries.find((e) => !valid.test(e));
  if (bad !== undefined) throw new ConfigError(`FIREBREAK_TRUST_PROXY: "${bad}" is not an address, a CIDR, loopback, linklocal or uniquelocal`);
  return entries.join(',');
}

function cidrList(raw: string | undefined): string {
  const entries = (raw ?? '').split(',').map((e) => e.trim()).filter(Boolean);
  const bad = entries.find((e) => !/^([0-9.]+|[0-9a-f:]+)(\/\d{1,3})?$/i.test(e) || !isIP(e.split('/')[0]!));
  if (bad !== undefined) throw new ConfigError(`FIREBREAK_PUSH_ALLOWED_PRIVATE: "${bad}" is not an address or a CIDR`);
  return entries.join(',');
}

export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const port = int(env, 'PORT', 3000, 0, 65535);
  const host = env.HOST || '127.0.0.1';
  const domain = env.FIREBREAK_DOMAIN || `localhost:${port}`;
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://');
  }
  const dataDir = resolve(env.FIREBREAK_DATA_DIR || './data');
  const config: Config = {
    port,
    host,
    databaseUrl,
    dataDir,
    domain,
    publicUrl: (env.FIREBREAK_PUBLIC_URL || `${domain.startsWith('localhost') ? 'http' : 'https'}://${domain}`).replace(/\/$/, ''),
    maxStatusChars: int(env, 'FIREBREAK_MAX_STATUS_CHARS', 500, 1, 100_000),
    writeBudgetMs: int(env, 'FIREBREAK_DB_WRITE_BUDGET_MS', 15_000, 0, 120_000),
    readBudgetMs: int(env, 'FIREBREAK_DB_READ_BUDGET_MS', 10_000, 0, 120_000),
    dbPoolSize: int(env, 'FIREBREAK_DB_POOL_SIZE', 10, 1, 200),
    dbStallMs: int(env, 'FIREBREAK_DB_STALL_MS', 5_000, 100, 120_000),
    dbHedgeMs: int(env, 'FIREBREAK_DB_HEDGE_MS', 750, 10, 60_000),
    dbHeartbeatTimeoutMs: int(env, 'FIREBREAK_DB_HEARTBEAT_TIMEOUT_MS', 1500, 0, 60_000),
    entityCacheBytes: int(env, 'FIREBREAK_ENTITY_CACHE_MB', 64, 0, 16_384) * 1024 * 1024,
    bodyLimitBytes: int(env, 'FIREBREAK_BODY_LIMIT_BYTES', 64 * 1024, 1024, 50 * 1024 * 1024),
    logLevel: env.LOG_LEVEL || 'info',
    passwordHashing: {
      memoryKiB: int(env, 'FIREBREAK_ARGON2_MEMORY_KIB', OWASP_ARGON2ID.memoryKiB, 8, 4 * 1024 * 1024),
      passes: int(env, 'FIREBREAK_ARGON2_PASSES', OWASP_ARGON2ID.passes, 1, 100),
    },
    loginAttemptsPerWindow: int(env, 'FIREBREAK_LOGIN_ATTEMPTS', 5, 1, 1000),
    loginWindowMs: int(env, 'FIREBREAK_LOGIN_WINDOW_MS', 5 * 60_000, 1000, 86_400_000),
    rateLimitsEnabled: bool(env, 'FIREBREAK_RATE_LIMITS', true),
    requestBudgetMs: int(env, 'FIREBREAK_REQUEST_BUDGET_MS', 10_000, 0, 120_000),
    underAttack: bool(env, 'FIREBREAK_UNDER_ATTACK', false),
    adminToken: env.FIREBREAK_ADMIN_TOKEN || undefined,
    metricsToken: env.FIREBREAK_METRICS_TOKEN || undefined,
    trustProxy: trustProxyList(env.FIREBREAK_TRUST_PROXY),
    media: mediaConfig(env, dataDir),
    pushDelivery: bool(env, 'FIREBREAK_PUSH_DELIVERY', true),
    pushAllowedPrivate: cidrList(env.FIREBREAK_PUSH_ALLOWED_PRIVATE),
    ...overrides,
  };
  return config;
}
