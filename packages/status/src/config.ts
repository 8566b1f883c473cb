// The status service reads its flags and environment once, here, into a typed config. Nothing else in
// this package reads process.env, so tests can build two independent status apps in one process.
import { resolve, join } from 'node:path';

export interface Target {
  /** Component name on the page: "edge", "dc1", ... */
  name: string;
  /** Base URL of the app server or edge, without a trailing slash. */
  url: string;
}

export interface StatusConfig {
  port: number;
  host: string;
  /** Folder of the status service's own PGlite database, or "memory://" (tests). Never the main DB. */
  storage: string;
  pageName: string;
  /** Public base URL of the status page, used in feeds and webhook payloads. */
  publicUrl: string;
  targets: Target[];
  probeIntervalMs: number;
  probeTimeoutMs: number;
  /** Consecutive failures before a probe counts as down (2 × 2 s interval → down in about 4 s). */
  failuresToDown: number;
  /** A probe slower than this counts as degraded. */
  slowProbeMs: number;
  /** Bearer token of the probe account for the synthetic post; the probe is skipped when unset. */
  probeToken: string | undefined;
  syntheticPostIntervalMs: number;
  /** The synthetic post's own timeout (a post and its deletion, replicated across DCs). */
  postTimeoutMs: number;
  /** How often components, report levels and incidents are re-evaluated. */
  evaluateIntervalMs: number;
  /** How long everything must be clear before an automatic incident resolves. */
  resolveAfterMs: number;
  /** Bearer token for operator updates; operator routes answer 401 when unset. */
  adminToken: string | undefined;
  /** Salt for hashing reporter addresses; a random one is generated and stored when unset. */
  reporterSalt: string | undefined;
  /** Requests to the report API per address per minute before 429. */
  reportRequestsPerMinute: number;
  trustProxy: boolean;
  webhookUrls: string[];
  /** HMAC-SHA256 secret for the X-Firebreak-Signature header on webhooks. */
  webhookSecret: string | undefined;
  webhookTimeoutMs: number;
  webhookMaxAttempts: number;
  logLevel: string;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function int(raw: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

function httpUrl(raw: string, what: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${what}: "${raw}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${what}: "${raw}" must be http(s)`);
  return raw.replace(/\/+$/, '');
}

export function parseTarget(spec: string): Target {
  const eq = spec.indexOf('=');
  const name = spec.slice(0, eq).trim();
  if (eq <= 0 || !/^[a-z][a-z0-9_-]{0,31}$/.test(name)) {
    throw new ConfigError(`target must look like name=http://host:port (name: lowercase, ≤ 32 chars), got "${spec}"`);
  }
  return { name, url: httpUrl(spec.slice(eq + 1).trim(), `target ${name}`) };
}

const RESERVED_COMPONENTS = new Set(['posting', 'timelines', 'login']);

/** Flags win over the environment: `--port N`, `--target name=url` (repeatable), `--webhook url` (repeatable). */
export function loadStatusConfig(args: string[], env: Env = {}, overrides: Partial<StatusConfig> = {}): StatusConfig {
  const flags: { port?: string; targets: string[]; webhooks: string[]; host?: string } = { targets: [], webhooks: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [flag, inline] = arg.includes('=') && arg.startsWith('--') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? args[++i];
      if (v === undefined) throw new ConfigError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--port') flags.port = value();
    else if (flag === '--host') flags.host = value();
    else if (flag === '--target') flags.targets.push(value());
    else if (flag === '--webhook') flags.webhooks.push(value());
    else throw new ConfigError(`unknown option ${arg}`);
  }
  const targetSpecs = flags.targets.length ? flags.targets : splitList(env.FIREBREAK_STATUS_TARGETS);
  const targets = targetSpecs.map(parseTarget);
  const seen = new Set<string>();
  for (const t of targets) {
    if (seen.has(t.name)) throw new ConfigError(`target ${t.name} given twice`);
    if (RESERVED_COMPONENTS.has(t.name)) throw new ConfigError(`target name ${t.name} is reserved for a derived component`);
    seen.add(t.name);
  }
  if (targets.length > 16) throw new ConfigError('at most 16 targets');
  const webhookUrls = (flags.webhooks.length ? flags.webhooks : splitList(env.FIREBREAK_STATUS_WEBHOOKS)).map((u) => httpUrl(u, 'webhook'));
  if (webhookUrls.length > 10) throw new ConfigError('at most 10 webhook URLs');

  const port = int(flags.port ?? env.FIREBREAK_STATUS_PORT, '--port / FIREBREAK_STATUS_PORT', 3900, 0, 65535);
  const probeIntervalMs = int(env.FIREBREAK_STATUS_PROBE_INTERVAL_MS, 'FIREBREAK_STATUS_PROBE_INTERVAL_MS', 2000, 50, 600_000);
  const config: StatusConfig = {
    port,
    host: flags.host ?? env.FIREBREAK_STATUS_HOST ?? '127.0.0.1',
    storage: join(resolve(env.FIREBREAK_DATA_DIR || './data'), 'status'),
    pageName: env.FIREBREAK_STATUS_PAGE_NAME || 'Firebreak',
    publicUrl: httpUrl(env.FIREBREAK_STATUS_PUBLIC_URL || `http://localhost:${port}`, 'FIREBREAK_STATUS_PUBLIC_URL'),
    targets,
    probeIntervalMs,
    probeTimeoutMs: int(env.FIREBREAK_STATUS_PROBE_TIMEOUT_MS, 'FIREBREAK_STATUS_PROBE_TIMEOUT_MS', Math.min(1500, probeIntervalMs), 20, 60_000),
    failuresToDown: int(env.FIREBREAK_STATUS_FAILURES_TO_DOWN, 'FIREBREAK_STATUS_FAILURES_TO_DOWN', 2, 1, 100),
    slowProbeMs: int(env.FIREBREAK_STATUS_SLOW_PROBE_MS, 'FIREBREAK_STATUS_SLOW_PROBE_MS', 1000, 1, 60_000),
    probeToken: env.FIREBREAK_STATUS_PROBE_TOKEN || undefined,
    syntheticPostIntervalMs: int(env.FIREBREAK_STATUS_POST_INTERVAL_MS, 'FIREBREAK_STATUS_POST_INTERVAL_MS', 30_000, 1000, 3_600_000),
    postTimeoutMs: int(env.FIREBREAK_STATUS_POST_TIMEOUT_MS, 'FIREBREAK_STATUS_POST_TIMEOUT_MS', 5000, 20, 60_000),
    evaluateIntervalMs: int(env.FIREBREAK_STATUS_EVALUATE_INTERVAL_MS, 'FIREBREAK_STATUS_EVALUATE_INTERVAL_MS', 1000, 50, 60_000),
    resolveAfterMs: int(env.FIREBREAK_STATUS_RESOLVE_AFTER_MS, 'FIREBREAK_STATUS_RESOLVE_AFTER_MS', 15_000, 0, 3_600_000),
    adminToken: env.FIREBREAK_STATUS_ADMIN_TOKEN || undefined,
    reporterSalt: env.FIREBREAK_STATUS_REPORTER_SALT || undefined,
    reportRequestsPerMinute: int(env.FIREBREAK_STATUS_REPORT_RATE, 'FIREBREAK_STATUS_REPORT_RATE', 10, 1, 100_000),
    trustProxy: env.FIREBREAK_STATUS_TRUST_PROXY === 'true',
    webhookUrls,
    webhookSecret: env.FIREBREAK_STATUS_WEBHOOK_SECRET || undefined,
    webhookTimeoutMs: int(env.FIREBREAK_STATUS_WEBHOOK_TIMEOUT_MS, 'FIREBREAK_STATUS_WEBHOOK_TIMEOUT_MS', 5000, 100, 60_000),
    webhookMaxAttempts: int(env.FIREBREAK_STATUS_WEBHOOK_ATTEMPTS, 'FIREBREAK_STATUS_WEBHOOK_ATTEMPTS', 6, 1, 20),
    logLevel: env.LOG_LEVEL || 'info',
    ...overrides,
  };
  if (config.probeTimeoutMs > config.probeIntervalMs) {
    throw new ConfigError('FIREBREAK_STATUS_PROBE_TIMEOUT_MS must not exceed the probe interval');
  }
  return config;
}

function splitList(raw: string | undefined): string[] {
  return (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}
