// Test harness: a real app (buildApp + AppContext) on PGlite in memory or on a fresh database in the
// throwaway PostgreSQL the runner started, plus a small client for the Mastodon API via inject(), and
// the same app listening on a real port for browsers and WebSockets.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import postgres from 'postgres';
import { buildApp } from '@firebreak/server/app.js';
import { loadConfig, type Config } from '@firebreak/server/config.js';
import { closeContext, createContext, type AppContext } from '@firebreak/server/context.js';
import { registerAccount } from '@firebreak/server/domain/accounts.js';
import { issueToken } from '@firebreak/server/domain/tokens.js';
import { setRoleByUsername } from '@firebreak/server/domain/moderation.js';
import { ROLES, type RoleName } from '@firebreak/server/domain/roles.js';

export type BackendName = 'pglite' | 'postgres';

/** Both backends when the runner started PostgreSQL; with CI=true PostgreSQL is mandatory. */
export function backends(): BackendName[] {
  if (process.env.FIREBREAK_TEST_DATABASE_URL) return ['pglite', 'postgres'];
  if (process.env.CI === 'true') throw new Error('CI=true but FIREBREAK_TEST_DATABASE_URL is not set: run the tests through scripts/run-tests.js');
  return ['pglite'];
}

/** A fresh, empty database on the throwaway server, so test files never see each other's rows. */
export async function freshPostgresUrl(): Promise<string> {
  const adminUrl = process.env.FIREBREAK_TEST_DATABASE_URL!;
  const name = `fb_${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

// Rate limits off: the API suites register many users from one address; test/overload turns them on.
export const testOverrides: Partial<Config> = { rateLimitsEnabled: false, passwordHashing: { memoryKiB: 64, passes: 1 }, logLevel: 'silent', domain: 'firebreak.test', publicUrl: 'https://firebreak.test' };

export interface TestApp { app: FastifyInstance; ctx: AppContext; close(): Promise<void> }

/** Media under a fresh temporary directory (the filesystem store), removed by `close`. */
function testMedia(overrides: Partial<Config>): { media: Config['media']; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-media-'));
  // Not niced: on a machine shared with other work, a niced process can wait minutes for a CPU.
  // test/media/jobs.test.ts checks the niceness itself.
  return { media: { ...loadConfig({}).media, dir, nice: 0, ...overrides.media }, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function startApp(backend: BackendName, overrides: Partial<Config> = {}): Promise<TestApp> {
  const databaseUrl = backend === 'postgres' ? await freshPostgresUrl() : undefined;
  const { media, cleanup } = testMedia(overrides);
  const config = loadConfig({}, { ...testOverrides, databaseUrl, ...overrides, media });
  const ctx = await createContext(config, { memoryDb: true });
  const app = await buildApp(ctx);
  await app.ready();
  return { app, ctx, async close() { await app.close(); await closeContext(ctx); cleanup(); } };
}

/** Whether the account's home feed is built (its first home read builds it in the background, after answering). */
export async function homeFeedBuilt(ctx: AppContext, accountId: string): Promise<boolean> {
  const [row] = await ctx.db.query<{ built: boolean }>('select home_feed_floor is not null as built from accounts where id = $1', [accountId]);
  return row?.built ?? false;
}

/** Transactions the data layer retried after PostgreSQL broke a deadlock (40P01), since the app started. */
export async function deadlocksRetried(ctx: AppContext): Promise<number> {
  return (await ctx.metrics.dbRetries.get()).values.find((v) => v.labels.code === '40P01')?.value ?? 0;
}

export interface RunningApp extends TestApp { url: string }

/**
 * The app on 127.0.0.1 (a free port), for browser and WebSocket tests. Logins are not limited: the
 * browser tests sign the same people in many times. Several apps given one `databaseUrl` share it, as
 * app servers in a cluster do. With `dataDir` (PGlite on disk) and `port`, an app closed and started
 * again is the same server coming back after an outage.
 */
export async function startListeningApp(options: { databaseUrl?: string; dataDir?: string; port?: number } = {}): Promise<RunningApp> {
  const { databaseUrl, dataDir } = options;
  const { media, cleanup } = testMedia({});
  const config = loadConfig({}, { ...testOverrides, loginAttemptsPerWindow: 1000, databaseUrl, ...(dataDir ? { dataDir } : {}), port: options.port ?? 0, host: '127.0.0.1', media });
  const ctx = await createContext(config, { memoryDb: !databaseUrl && !dataDir });
  const app = await buildApp(ctx);
  await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  // The port is only known now; entity URLs (links in posts, avatars) must point at this server.
  ctx.config.publicUrl = url;
  ctx.config.domain = `127.0.0.1:${port}`;
  return { app, ctx, url, async close() { await app.close(); await closeContext(ctx); cleanup(); } };
}

/** A fresh account and a bearer token for it with the given scopes (and role), straight through the domain. */
export async function makeUser(ctx: AppContext, scopes = ['read', 'write', 'follow'], role: RoleName = 'user'): Promise<User> {
  const username = `u${Math.random().toString(36).slice(2, 10)}`;
  const account = await registerAccount(ctx.db, { username, email: `${username}@example.com`, password: 'correct horse battery', agreement: true }, ctx.config.passwordHashing);
  if (role !== 'user') await setRoleByUsername(ctx, username, ROLES[role]);
  const { access_token } = await issueToken(ctx.db, null, account.id, scopes);
  return { id: account.id, username, token: access_token };
}

/** Every scope a staff member's app would ask for. */
export const STAFF_SCOPES = ['read', 'write', 'follow', 'push', 'admin:read', 'admin:write'];

export interface Response { status: number; body: any; headers: Record<string, string | string[] | undefined>; raw: Buffer }

/** A file part of a multipart form. */
export interface FilePart { bytes: Buffer; filename?: string; type?: string }

/** A multipart/form-data body, as Mastodon apps upload media, avatars and headers. */
export function multipart(fields: Record<string, string | FilePart>): { payload: Buffer; contentType: string } {
  const boundary = `----firebreak${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value === 'string') {
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
    } else {
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${value.filename ?? 'upload.bin'}"\r\nContent-Type: ${value.type ?? 'application/octet-stream'}\r\n\r\n`));
      chunks.push(value.bytes, Buffer.from('\r\n'));
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

export interface User { id: string; username: string; token: string }

export class Client {
  private appCredentials?: { client_id: string; client_secret: string };
  private appToken?: string;
  constructor(readonly app: FastifyInstance) {}

  async request(method: string, url: string, options: { token?: string; body?: unknown; form?: Record<string, string>; multipart?: Record<string, string | FilePart>; headers?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let payload: string | Buffer | undefined;
    if (options.multipart) { const m = multipart(options.multipart); headers['content-type'] = m.contentType; payload = m.payload; }
    else if (options.form) { headers['content-type'] = 'application/x-www-form-urlencoded'; payload = new URLSearchParams(options.form).toString(); }
    else if (options.body !== undefined) { headers['content-type'] = 'application/json'; payload = JSON.stringify(options.body); }
    const res = await this.app.inject({ method: method as 'GET', url, headers, payload });
    let body: unknown = res.body;
    try { body = res.body ? JSON.parse(res.body) : undefined; } catch { /* not JSON */ }
    return { status: res.statusCode, body, headers: res.headers as Response['headers'], raw: res.rawPayload };
  }

  /**
   * A request as `user` (anonymous: null) that must be answered with `status`, and when that is an
   * error, with a Mastodon error body; fails the test otherwise.
   */
  async expect(user: User | null, method: string, url: string, body?: unknown, status = 200, headers: Record<string, string> = {}): Promise<Response> {
    const res = await this.request(method, url, { token: user?.token, body, headers });
    if (res.status !== status) throw new Error(`${method} ${url} ${JSON.stringify(body)}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
    if (status >= 400 && typeof res.body?.error !== 'string') throw new Error(`${method} ${url}: no error body in ${JSON.stringify(res.body)}`);
    return res;
  }

  async registerApp(scopes = 'read write follow push'): Promise<{ client_id: string; client_secret: string }> {
    const res = await this.request('POST', '/api/v1/apps', { body: { client_name: 'tests', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes } });
    if (res.status !== 200) throw new Error(`app registration failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async appTokenFor(scopes = 'read write follow push'): Promise<string> {
    if (!this.appToken) {
      this.appCredentials = await this.registerApp();
      const res = await this.request('POST', '/oauth/token', { body: { grant_type: 'client_credentials', ...this.appCredentials, scope: scopes } });
      this.appToken = res.body.access_token;
    }
    return this.appToken!;
  }

  async register(username: string, password = 'correct horse battery'): Promise<User> {
    const res = await this.request('POST', '/api/v1/accounts', {
      token: await this.appTokenFor(), body: { username, email: `${username}@example.test`, password, agreement: true, locale: 'en' },
    });
    if (res.status !== 200) throw new Error(`registration failed: ${res.status} ${JSON.stringify(res.body)}`);
    const me = await this.request('GET', '/api/v1/accounts/verify_credentials', { token: res.body.access_token });
    return { id: me.body.id, username, token: res.body.access_token };
  }

  async post(user: User, status: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<any> {
    const res = await this.request('POST', '/api/v1/statuses', { token: user.token, body: { status, ...extra }, headers });
    if (res.status !== 200) throw new Error(`post failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }
}
