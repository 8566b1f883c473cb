import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { notFound, unprocessable } from '../../errors.js';
import { parseScopes } from '../../domain/scopes.js';
import { createApp, getApp } from '../../domain/tokens.js';
import { rule } from '../auth.js';
import { bodyOf, list, str } from '../params.js';
import { OOB } from '../oauth.js';

function validRedirectUri(uri: string): boolean {
  if (uri === OOB) return true;
  try {
    const url = new URL(uri);
    return !['javascript:', 'data:', 'vbscript:', 'file:'].includes(url.protocol) && !url.hash;
  } catch { return false; }
}

export default async function apps(app: FastifyInstance, ctx: AppContext) {
  app.post('/api/v1/apps', async (request) => {
    const body = bodyOf(request.body);
    const name = str(body, 'client_name', 200)?.trim();
    if (!name) throw unprocessable("Validation failed: Application name can't be blank");
    const rawUris = list(body, 'redirect_uris', 10);
    const redirectUris = rawUris.flatMap((u) => u.split(/\s+/)).filter(Boolean);
    if (redirectUris.length === 0 || redirectUris.length > 10) throw unprocessable("Validation failed: Redirect URI can't be blank");
    for (const uri of redirectUris) if (uri.length > 2000 || !validRedirectUri(uri)) throw unprocessable('Validation failed: Redirect URI must be an absolute URI.');
    const website = str(body, 'website', 2000) || null;
    const scopes = parseScopes(body.scopes, 'read');
    const { app: row, clientSecret } = await createApp(ctx.db, { name, website, redirectUris, scopes });
    return {
      id: row.id, name: row.name, website: row.website, scopes: row.scopes, redirect_uris: row.redirect_uris,
      redirect_uri: row.redirect_uris.join('\n'), client_id: row.client_id, client_secret: clientSecret,
      client_secret_expires_at: 0, vapid_key: ctx.vapid.publicKey,
    };
  });

  app.get('/api/v1/apps/verify_credentials', { config: rule('app') }, async (request) => {
    const row = request.auth!.appId ? await getApp(ctx.db, request.auth!.appId) : undefined;
    if (!row) throw notFound();
    return { id: row.id, name: row.name, website: row.website, scopes: row.scopes, redirect_uris: row.redirect_uris, redirect_uri: row.redirect_uris.join('\n'), vapid_key: ctx.vapid.publicKey };
  });
}
