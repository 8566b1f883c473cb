import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { notFound, unprocessable } from '../../errors.js';
import { changePassword, findByUsername, getAccount, registrationKey, updateProfile, type AccountRow } from '../../domain/accounts.js';
import { signUp } from '../../domain/registrations.js';
import * as rel from '../../domain/relationships.js';
import { searchAccounts } from '../../domain/search.js';
import { accountStatuses } from '../../domain/timelines.js';
import { issueToken } from '../../domain/tokens.js';
import { setProfileImage } from '../../domain/media.js';
import { AVATAR_SIZE, HEADER_SIZE } from '../../media/limits.js';
import { storeProfileImage } from '../../media/uploads.js';
import { optionalViewer, rule, viewer } from '../auth.js';
import { paginated, paginatedPage, parsePage } from '../pagination.js';
import { attributesList, bodyOf, flag, idempotencyKey, idParam, isEmptyValue, isId, list, nested, refuseUnsupported, str, type Params } from '../params.js';
import { JSON_TYPE, renderAccounts, renderPage } from '../render.js';
import { serializeAccount, serializeCredentialAccount } from '../serializers.js';

type WithId = { Params: { id: string } };

/**
 * Profile settings Mastodon has and Firebreak does not: refused when they ask for something other
 * than what Firebreak does (clients such as Elk send them all, empty, with every profile edit).
 */
function refuseUnsupportedProfile(body: Params, discoverable: boolean): void {
  refuseUnsupported('fields_attributes', attributesList(body, 'fields_attributes', 16), (v) => isEmptyValue(v), 'Profile fields');
  refuseUnsupported('source[privacy]', nested(body, 'source', 'privacy'), (v) => v === 'public' || v === '', 'Default post visibilities other than public');
  refuseUnsupported('source[sensitive]', nested(body, 'source', 'sensitive'), isEmptyValue, 'Marking all posts sensitive by default');
  refuseUnsupported('source[language]', nested(body, 'source', 'language'), (v) => v === '', 'A default post language');
  refuseUnsupported('source[quote_policy]', nested(body, 'source', 'quote_policy'), (v) => v === 'public' || v === '', 'Quote policies other than public');
  refuseUnsupported('hide_collections', body.hide_collections, isEmptyValue, 'Hiding followers and follows');
  refuseUnsupported('attribution_domains', body.attribution_domains ?? body['attribution_domains[]'], isEmptyValue, 'Attribution domains');
  // indexable follows discoverable here (search indexes what is discoverable): only the same value is kept.
  refuseUnsupported('indexable', body.indexable, (v) => flag({ v }, 'v') === discoverable, 'Indexing apart from discoverability');
}

/** A mute's `duration` in seconds; 0 or absent: until unmuted. */
function muteDuration(body: Params): number | null {
  const v = body.duration;
  if (v === undefined || v === null || v === '' || v === 0 || v === '0') return null;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,12}$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > rel.MAX_MUTE_DURATION) throw unprocessable(`Validation failed: duration must be a number of seconds between 0 and ${rel.MAX_MUTE_DURATION}`);
  return n;
}

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

  // Avatars and headers come as multipart files: this route takes two, up to the image size limit.
  const profileUpload = { multipartOptions: { limits: { files: 2, fileSize: ctx.config.media.imageSizeLimit + 1, fields: 100, parts: 110 } } };
  app.patch('/api/v1/accounts/update_credentials', { config: { ...rule('user', 'write:accounts'), ...profileUpload } }, async (request) => {
    const body = bodyOf(request.body);
    const me = viewer(request);
    const discoverable = flag(body, 'discoverable') ?? (await getAccount(ctx.db, me)).discoverable;
    refuseUnsupportedProfile(body, discoverable);
    // Both files are checked and stored before either is set, so a bad header does not leave a new avatar behind.
    const avatar = body.avatar !== undefined && body.avatar !== '' ? await storeProfileImage(ctx, body.avatar, AVATAR_SIZE, 'Avatar') : undefined;
    const header = body.header !== undefined && body.header !== '' ? await storeProfileImage(ctx, body.header, HEADER_SIZE, 'Header') : undefined;
    if (avatar) await setProfileImage(ctx, me, 'avatar', avatar);
    if (header) await setProfileImage(ctx, me, 'header', header);
    const updated = await updateProfile(ctx, me, {
      displayName: str(body, 'display_name', 1000), note: str(body, 'note', 5000),
      locked: flag(body, 'locked'), bot: flag(body, 'bot'), discoverable: flag(body, 'discoverable'),
    });
    return credentials(me, updated);
  });

  // Back to the default avatar or header (Mastodon 4.2); answers with the account as it now is.
  for (const which of ['avatar', 'header'] as const) {
    app.delete(`/api/v1/profile/${which}`, { config: rule('user', 'write:accounts') }, async (request) => {
      const me = viewer(request);
      await setProfileImage(ctx, me, which, null);
      return credentials(me);
    });
  }

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
    const page = await paginatedPage(ctx, request, reply, (page) => accountStatuses(ctx, me, account.id, filters, page));
    return reply.type(JSON_TYPE).send(await renderPage(ctx, me, page, 'account'));
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

  relationshipAction('follow', 'write:follows', (me, target, body) => {
    refuseUnsupported('languages', body.languages ?? body['languages[]'], isEmptyValue, 'Following only some languages');
    return rel.follow(ctx, me, target, { reblogs: flag(body, 'reblogs'), notify: flag(body, 'notify') });
  });
  relationshipAction('unfollow', 'write:follows', (me, target) => rel.unfollow(ctx, me, target));
  relationshipAction('block', 'write:blocks', (me, target) => rel.block(ctx, me, target));
  relationshipAction('unblock', 'write:blocks', (me, target) => rel.unblock(ctx, me, target));
  relationshipAction('mute', 'write:mutes', (me, target, body) => rel.mute(ctx, me, target, flag(body, 'notifications') ?? true, muteDuration(body)));
  relationshipAction('unmute', 'write:mutes', (me, target) => rel.unmute(ctx, me, target));
  // Makes someone stop following you without blocking them (Mastodon 3.5).
  relationshipAction('remove_from_followers', 'write:follows', (me, target) => rel.removeFromFollowers(ctx, me, target));

  relationshipAction('endorse', 'write:accounts', (me, target) => rel.endorse(ctx, me, target));
  relationshipAction('unendorse', 'write:accounts', (me, target) => rel.unendorse(ctx, me, target));
  // A private note on an account, seen by its writer only (Relationship.note); empty removes it.
  relationshipAction('note', 'write:accounts', (me, target, body) => rel.setNote(ctx, me, target, str(body, 'comment', rel.MAX_NOTE * 4) ?? ''));

  app.get('/api/v1/blocks', { config: rule('user', 'read:blocks') }, async (request, reply) => {
    const rows = await paginated(ctx, request, reply, (page) => rel.listBlockOrMute(ctx.db, 'blocks', viewer(request), page), { limits: [40, 80] });
    return renderAccounts(ctx, rows.map((r) => r.accountId));
  });

  // Muted accounts say when a mute with a duration ends (Mastodon's mute_expires_at).
  app.get('/api/v1/mutes', { config: rule('user', 'read:mutes') }, async (request, reply) => {
    const rows = await paginated(ctx, request, reply, (page) => rel.listBlockOrMute(ctx.db, 'mutes', viewer(request), page), { limits: [40, 80] });
    const expires = new Map(rows.map((r) => [r.accountId, r.expiresAt]));
    return (await renderAccounts(ctx, rows.map((r) => r.accountId))).map((a) => ({ ...a, mute_expires_at: expires.get(a.id as string)?.toISOString() ?? null }));
  });

  // Accounts the viewer follows that follow each of the given accounts.
  app.get('/api/v1/accounts/familiar_followers', { config: rule('user', 'read:follows') }, async (request) => {
    parsePage(request.query as Params); // not paginated, but a malformed cursor is still refused
    const ids = [...new Set(list(request.query as Params, 'id', 40).map(idParam))];
    const familiar = await rel.familiarFollowers(ctx.db, viewer(request), ids);
    const rendered = new Map((await renderAccounts(ctx, [...new Set([...familiar.values()].flat())])).map((a) => [a.id as string, a]));
    return ids.map((id) => ({ id, accounts: (familiar.get(id) ?? []).flatMap((f) => rendered.get(f) ?? []) }));
  });

  app.get('/api/v1/endorsements', { config: rule('user', 'read:accounts') }, async (request, reply) => {
    const rows = await paginated(ctx, request, reply, (page) => rel.listEndorsements(ctx.db, viewer(request), page), { limits: [40, 80] });
    return renderAccounts(ctx, rows.map((r) => r.accountId));
  });

  // Whom an account endorses is on its public profile (Mastodon 4.4).
  app.get<WithId>('/api/v1/accounts/:id/endorsements', { config: rule('optional', 'read:accounts') }, async (request, reply) => {
    parsePage(request.query as Params);
    const account = await getAccount(ctx.db, idParam(request.params.id));
    const rows = await paginated(ctx, request, reply, (page) => rel.listEndorsements(ctx.db, account.id, page), { limits: [40, 80] });
    return renderAccounts(ctx, rows.map((r) => r.accountId));
  });
}
