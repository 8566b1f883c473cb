import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { notFound } from '../../errors.js';
import { changePassword, findByUsername, getAccount, registrationKey, updateProfile, type AccountRow } from '../../domain/accounts.js';
import { signUp } from '../../domain/registrations.js';
import * as rel from '../../domain/relationships.js';
import { searchAccounts } from '../../domain/search.js';
import { accountStatuses } from '../../domain/timelines.js';
import { issueToken } from '../../domain/tokens.js';
import { optionalViewer, rule, viewer } from '../auth.js';
import { paginated, parsePage } from '../pagination.js';
import { bodyOf, flag, idempotencyKey, idParam, isId, list, str, type Params } from '../params.js';
import { renderAccounts, renderStatuses } from '../render.js';
import { serializeAccount, serializeCredentialAccount } from '../serializers.js';

type WithId = { Params: { id: string } };

export default async function accounts(app: FastifyInstance, ctx: AppContext) {
  // Under the registration mode (registrations.ts): an account that waits for approval gets its token
  // too, as on Mastodon, which answers 403 "pending approval" until a moderator approves it.
  app.post('/api/v1/accounts', { config: { ...rule('app', 'write:accounts'), rateLimitClass: 'register', expensive: true } }, async (request) => {
    const key = idempotencyKey(request);
    const body = bodyOf(request.body);
    const account = await signUp(ctx, {
      input: body, key: key && registrationKey(`app:${request.auth!.appId}`, key), address: request.ip,
      reason: str(body, 'reason', 5000) ?? null, inviteCode: str(body, 'invite_code', 100) || null,
    });
    const token = await issueToken(ctx.db, request.auth!.appId, account.id, request.auth!.scopes);
    return { access_token: token.access_token, token_type: 'Bearer', scope: token.scopes.join(' '), created_at: Math.floor(token.created_at.getTime() / 1000), refresh_token: token.refresh_token };
  });

  const credentials = async (id: string, account?: AccountRow) =>
    serializeCredentialAccount(ctx.config, account ?? await getAccount(ctx.db, id), await rel.countFollowRequests(ctx.db, id));

  // The `profile` scope (Mastodon 4.3) exists for exactly this: who is signed in, nothing else.
  app.get('/api/v1/accounts/verify_credentials', { config: { ...rule('user', ['read:accounts', 'profile']), priority: 'critical' } }, async (request) => credentials(viewer(request)));

  app.patch('/api/v1/accounts/update_credentials', { config: rule('user', 'write:accounts') }, async (request) => {
    const body = bodyOf(request.body);
    const me = viewer(request);
    const updated = await updateProfile(ctx, me, {
      displayName: str(body, 'display_name', 1000), note: str(body, 'note', 5000),
      locked: flag(body, 'locked'), bot: flag(body, 'bot'), discoverable: flag(body, 'discoverable'),
    });
    return credentials(me, updated);
  });

  // Not in Mastodon's client API (it has a settings page for this); the web UI's settings use it.
  app.post('/api/v1/accounts/change_password', { config: { ...rule('user', 'write:accounts'), rateLimitClass: 'login' } }, async (request) => {
    const body = bodyOf(request.body);
    await changePassword(ctx, viewer(request), {
      current: str(body, 'current_password', 200) ?? '', next: str(body, 'new_password', 200) ?? '', keepTokenId: request.auth!.tokenId,
      address: request.ip, idempotencyKey: idempotencyKey(request),
    });
    return {};
  });

  // Several accounts at once (Mastodon 4.3); unknown ids are left out.
  app.get('/api/v1/accounts', { config: rule('optional', 'read:accounts') }, async (request) =>
    renderAccounts(ctx, [...new Set(list(request.query as Params, 'id', 40).filter(isId))]));

  app.get('/api/v1/accounts/relationships', { config: rule('user', 'read:follows') }, async (request) =>
    rel.relationships(ctx.db, viewer(request), list(request.query as Params, 'id', 100).filter(isId)));

  app.get('/api/v1/accounts/lookup', async (request) => {
    const acct = str(request.query as Params, 'acct', 300) ?? '';
    const [username, domain] = acct.replace(/^@/, '').split('@');
    if (!username || (domain && domain.toLowerCase() !== ctx.config.domain.toLowerCase())) throw notFound();
    const account = await findByUsername(ctx.db, username);
    if (!account) throw notFound();
    return serializeAccount(ctx.config, account);
  });

  app.get('/api/v1/accounts/search', { config: { ...rule('optional', 'read:accounts'), expensive: true } }, async (request) => {
    const q = request.query as Params;
    const term = str(q, 'q', 200)?.trim() ?? '';
    if (!term) return [];
    const { limit } = parsePage(q, 40, 80);
    return (await searchAccounts(ctx.db, term, limit, 0)).map((a) => serializeAccount(ctx.config, a));
  });

  app.get<WithId>('/api/v1/accounts/:id', { config: rule('optional', 'read:accounts') }, async (request) =>
    serializeAccount(ctx.config, await getAccount(ctx.db, idParam(request.params.id))));

  app.get<WithId>('/api/v1/accounts/:id/statuses', { config: { ...rule('optional', 'read:statuses'), expensive: true } }, async (request, reply) => {
    const q = request.query as Params;
    const me = optionalViewer(request);
    const account = await getAccount(ctx.db, idParam(request.params.id));
    const filters = {
      excludeReplies: flag(q, 'exclude_replies') ?? false, excludeReblogs: flag(q, 'exclude_reblogs') ?? false,
      pinned: flag(q, 'pinned') ?? false, onlyMedia: flag(q, 'only_media') ?? false, tagged: str(q, 'tagged', 100),
    };
    return renderStatuses(ctx, me, await paginated(ctx, request, reply, (page) => accountStatuses(ctx.db, me, account.id, filters, page)));
  });

  for (const direction of ['followers', 'following'] as const) {
    app.get<WithId>(`/api/v1/accounts/:id/${direction}`, { config: { ...rule('optional', 'read:accounts'), expensive: true } }, async (request, reply) => {
      const account = await getAccount(ctx.db, idParam(request.params.id));
      const rows = await paginated(ctx, request, reply, (page) => rel.listFollowAccounts(ctx.db, account.id, direction, page), { limits: [40, 80] });
      return renderAccounts(ctx, rows.map((r) => r.accountId));
    });
  }

  /** A write on a relationship that answers with the Relationship as it now is. */
  const relationshipAction = (path: string, scope: string, act: (viewerId: string, targetId: string, body: Params) => Promise<unknown>) =>
    app.post<WithId>(`/api/v1/accounts/:id/${path}`, { config: rule('user', scope) }, async (request) => {
      const me = viewer(request);
      const target = idParam(request.params.id);
      await act(me, target, bodyOf(request.body));
      const [relationship] = await rel.relationships(ctx.db, me, [target]);
      return relationship;
    });

  relationshipAction('follow', 'write:follows', (me, target, body) => rel.follow(ctx, me, target, { reblogs: flag(body, 'reblogs'), notify: flag(body, 'notify') }));
  relationshipAction('unfollow', 'write:follows', (me, target) => rel.unfollow(ctx, me, target));
  relationshipAction('block', 'write:blocks', (me, target) => rel.block(ctx, me, target));
  relationshipAction('unblock', 'write:blocks', (me, target) => rel.unblock(ctx, me, target));
  relationshipAction('mute', 'write:mutes', (me, target, body) => rel.mute(ctx, me, target, flag(body, 'notifications') ?? true));
  relationshipAction('unmute', 'write:mutes', (me, target) => rel.unmute(ctx, me, target));
  // Makes someone stop following you without blocking them (Mastodon 3.5).
  relationshipAction('remove_from_followers', 'write:follows', (me, target) => rel.removeFromFollowers(ctx, me, target));

  for (const [path, table, scope] of [['blocks', 'blocks', 'read:blocks'], ['mutes', 'mutes', 'read:mutes']] as const) {
    app.get(`/api/v1/${path}`, { config: rule('user', scope) }, async (request, reply) => {
      const rows = await paginated(ctx, request, reply, (page) => rel.listBlockOrMute(ctx.db, table, viewer(request), page), { limits: [40, 80] });
      return renderAccounts(ctx, rows.map((r) => r.accountId));
    });
  }
}
