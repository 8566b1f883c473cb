import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { ApiError, forbidden, notFound } from '../../errors.js';
import { changePassword, findByUsername, findSameRegistration, getAccount, registerAccount, updateProfile, type AccountRow } from '../../domain/accounts.js';
import { linkHeader, parsePage } from '../../domain/pagination.js';
import * as rel from '../../domain/relationships.js';
import { searchAccounts } from '../../domain/search.js';
import { accountStatuses } from '../../domain/timelines.js';
import { issueToken } from '../../domain/tokens.js';
import { optionalViewer, rule, viewer } from '../auth.js';
import { bodyOf, flag, idempotencyKey, idParam, list, str, type Params } from '../params.js';
import { serializeAccount, serializeAccountsById, serializeCredentialAccount, serializeStatuses } from '../serializers.js';

type WithId = { Params: { id: string } };

const fullUrl = (ctx: AppContext, request: FastifyRequest) => `${ctx.config.publicUrl}${request.url}`;

/**
 * Registers an account. A retried registration (the client sent an Idempotency-Key, and the first
 * answer was lost) that finds the same username, e-mail and password gets that account back.
 */
export async function registerOrReplay(ctx: AppContext, body: Params, retrySafe: boolean): Promise<AccountRow> {
  try {
    return await registerAccount(ctx.db, body, ctx.config.scryptCost);
  } catch (err) {
    const taken = err instanceof ApiError && (err.extra?.details as Record<string, unknown> | undefined)?.username;
    const same = retrySafe && taken ? await findSameRegistration(ctx.db, body) : undefined;
    if (!same) throw err;
    return same;
  }
}

export default async function accounts(app: FastifyInstance, ctx: AppContext) {
  app.post('/api/v1/accounts', { config: { ...rule('app', 'write:accounts'), rateLimitClass: 'register' } }, async (request) => {
    if (!ctx.config.registrationsOpen) throw forbidden('Registrations are closed on this server');
    const body = bodyOf(request.body);
    const account = await registerOrReplay(ctx, body, idempotencyKey(request) !== null);
    const token = await issueToken(ctx.db, request.auth!.appId, account.id, request.auth!.scopes);
    return { access_token: token.access_token, token_type: 'Bearer', scope: token.scopes.join(' '), created_at: Math.floor(token.created_at.getTime() / 1000), refresh_token: token.refresh_token };
  });

  const credentials = async (id: string, account?: AccountRow) =>
    serializeCredentialAccount(ctx, account ?? await getAccount(ctx.db, id), await rel.countFollowRequests(ctx.db, id));

  // The `profile` scope (Mastodon 4.3) exists for exactly this: who is signed in, nothing else.
  app.get('/api/v1/accounts/verify_credentials', { config: rule('user', ['read:accounts', 'profile']) }, async (request) => credentials(viewer(request)));

  app.patch('/api/v1/accounts/update_credentials', { config: rule('user', 'write:accounts') }, async (request) => {
    const body = bodyOf(request.body);
    const me = viewer(request);
    const before = await getAccount(ctx.db, me);
    const updated = await updateProfile(ctx.db, me, {
      displayName: str(body, 'display_name', 1000), note: str(body, 'note', 5000),
      locked: flag(body, 'locked'), bot: flag(body, 'bot'), discoverable: flag(body, 'discoverable'),
    });
    if (before.locked && !updated.locked) await rel.authorizeAllFollowRequests(ctx, me);
    return credentials(me, updated);
  });

  // Not in Mastodon's client API (it has a settings page for this); the web UI's settings use it.
  app.post('/api/v1/accounts/change_password', { config: { ...rule('user', 'write:accounts'), rateLimitClass: 'login' } }, async (request) => {
    const body = bodyOf(request.body);
    await changePassword(ctx.db, viewer(request), {
      current: str(body, 'current_password', 200) ?? '', next: str(body, 'new_password', 200) ?? '', keepTokenId: request.auth!.tokenId,
    }, ctx.config.scryptCost);
    return {};
  });

  // Several accounts at once (Mastodon 4.3); unknown ids are left out.
  app.get('/api/v1/accounts', { config: rule('optional', 'read:accounts') }, async (request) => {
    const ids = list(request.query as Params, 'id', 40).filter((id) => /^\d{1,19}$/.test(id));
    return serializeAccountsById(ctx, ctx.db, [...new Set(ids)]);
  });

  app.get('/api/v1/accounts/relationships', { config: rule('user', 'read:follows') }, async (request) => {
    const ids = list(request.query as Params, 'id', 100).filter((id) => /^\d{1,19}$/.test(id));
    return rel.relationships(ctx.db, viewer(request), ids);
  });

  app.get('/api/v1/accounts/lookup', async (request) => {
    const acct = str(request.query as Params, 'acct', 300) ?? '';
    const [username, domain] = acct.replace(/^@/, '').split('@');
    if (!username || (domain && domain.toLowerCase() !== ctx.config.domain.toLowerCase())) throw notFound();
    const account = await findByUsername(ctx.db, username);
    if (!account) throw notFound();
    return serializeAccount(ctx, account);
  });

  app.get('/api/v1/accounts/search', { config: rule('optional', 'read:accounts') }, async (request) => {
    const q = request.query as Params;
    const term = str(q, 'q', 200)?.trim() ?? '';
    if (!term) return [];
    const { limit } = parsePage(q, 40, 80);
    return (await searchAccounts(ctx.db, term, limit, 0)).map((a) => serializeAccount(ctx, a));
  });

  app.get<WithId>('/api/v1/accounts/:id', { config: rule('optional', 'read:accounts') }, async (request) =>
    serializeAccount(ctx, await getAccount(ctx.db, idParam(request.params.id))));

  app.get<WithId>('/api/v1/accounts/:id/statuses', { config: rule('optional', 'read:statuses') }, async (request, reply) => {
    const q = request.query as Params;
    const account = await getAccount(ctx.db, idParam(request.params.id));
    const rows = await accountStatuses(ctx.db, optionalViewer(request), account.id, {
      excludeReplies: flag(q, 'exclude_replies') ?? false, excludeReblogs: flag(q, 'exclude_reblogs') ?? false,
      pinned: flag(q, 'pinned') ?? false, onlyMedia: flag(q, 'only_media') ?? false, tagged: str(q, 'tagged', 100),
    }, parsePage(q));
    const link = linkHeader(fullUrl(ctx, request), rows.map((r) => ({ cursor: r.id })), q);
    if (link) reply.header('link', link);
    return serializeStatuses(ctx, ctx.db, optionalViewer(request), rows);
  });

  for (const direction of ['followers', 'following'] as const) {
    app.get<WithId>(`/api/v1/accounts/:id/${direction}`, { config: rule('optional', 'read:accounts') }, async (request, reply) => {
      const q = request.query as Params;
      const account = await getAccount(ctx.db, idParam(request.params.id));
      const rows = await rel.listFollowAccounts(ctx.db, account.id, direction, parsePage(q, 40, 80));
      const link = linkHeader(fullUrl(ctx, request), rows, q);
      if (link) reply.header('link', link);
      return serializeAccountsById(ctx, ctx.db, rows.map((r) => r.accountId));
    });
  }

  const relationshipAction = (path: string, scope: string, act: (viewerId: string, targetId: string, body: Params) => Promise<unknown>) =>
    app.post<WithId>(`/api/v1/accounts/:id/${path}`, { config: rule('user', scope) }, async (request) => {
      const me = viewer(request);
      const target = idParam(request.params.id);
      await act(me, target, bodyOf(request.body));
      const [relationship] = await rel.relationships(ctx.db, me, [target]);
      return relationship;
    });

  relationshipAction('follow', 'write:follows', async (me, target, body) => {
    const { notification } = await rel.follow(ctx, me, target, { reblogs: flag(body, 'reblogs'), notify: flag(body, 'notify') });
    if (notification) ctx.events.emit('notification.created', { notificationId: notification.id, accountId: notification.accountId });
  });
  relationshipAction('unfollow', 'write:follows', (me, target) => rel.unfollow(ctx, me, target));
  relationshipAction('block', 'write:blocks', (me, target) => rel.block(ctx, me, target));
  relationshipAction('unblock', 'write:blocks', (me, target) => rel.unblock(ctx, me, target));
  relationshipAction('mute', 'write:mutes', (me, target, body) => rel.mute(ctx, me, target, flag(body, 'notifications') ?? true));
  relationshipAction('unmute', 'write:mutes', (me, target) => rel.unmute(ctx, me, target));
  // Makes someone stop following you without blocking them (Mastodon 3.5).
  relationshipAction('remove_from_followers', 'write:follows', (me, target) => rel.removeFromFollowers(ctx, me, target));

  for (const [path, table, scope] of [['blocks', 'blocks', 'read:blocks'], ['mutes', 'mutes', 'read:mutes']] as const) {
    app.get(`/api/v1/${path}`, { config: rule('user', scope) }, async (request, reply) => {
      const q = request.query as Params;
      const rows = await rel.listBlockOrMute(ctx.db, table, viewer(request), parsePage(q, 40, 80));
      const link = linkHeader(fullUrl(ctx, request), rows, q);
      if (link) reply.header('link', link);
      return serializeAccountsById(ctx, ctx.db, rows.map((r) => r.accountId));
    });
  }
}
