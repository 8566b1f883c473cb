// A real app server on 127.0.0.1 (random port) for browser and WebSocket tests.
import type { FastifyInstance } from 'fastify';
import { buildApp } from '@firebreak/server/app.js';
import { loadConfig } from '@firebreak/server/config.js';
import { closeContext, createContext, type AppContext } from '@firebreak/server/context.js';
import { registerAccount } from '@firebreak/server/domain/accounts.js';
import { issueToken } from '@firebreak/server/domain/tokens.js';

export interface RunningApp { app: FastifyInstance; ctx: AppContext; url: string; close(): Promise<void> }

export async function startApp(options: { databaseUrl?: string } = {}): Promise<RunningApp> {
  const env: Record<string, string> = { LOG_LEVEL: 'warn', FIREBREAK_SCRYPT_COST: '16', FIREBREAK_RATE_LIMITS: 'false', FIREBREAK_LOGIN_ATTEMPTS: '1000' };
  if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
  const ctx = await createContext(loadConfig(env, { port: 0, host: '127.0.0.1' }), { memoryDb: !options.databaseUrl });
  const app = await buildApp(ctx);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  // The port is only known now; entity URLs (links in posts, avatars) must point at this server.
  ctx.config.publicUrl = url;
  ctx.config.domain = `127.0.0.1:${port}`;
  return { app, ctx, url, async close() { await app.close(); await closeContext(ctx); } };
}

/** A fresh account and a bearer token for it with the given scopes. */
export async function makeUser(ctx: AppContext, scopes = ['read', 'write', 'follow']): Promise<{ id: string; username: string; token: string }> {
  const username = `u${Math.random().toString(36).slice(2, 10)}`;
  const account = await registerAccount(ctx.db, { username, email: `${username}@example.com`, password: 'correct horse battery', agreement: true }, ctx.config.scryptCost);
  const { access_token } = await issueToken(ctx.db, null, account.id, scopes);
  return { id: account.id, username, token: access_token };
}
