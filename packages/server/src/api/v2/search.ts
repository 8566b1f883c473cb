import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { badRequest } from '../../errors.js';
import { searchAccounts, searchStatuses, searchTags } from '../../domain/search.js';
import { optionalViewer, rule } from '../auth.js';
import { isEmptyValue, refuseUnsupported, str, type Params } from '../params.js';
import { renderStatuses, renderTags } from '../render.js';
import { serializeAccount } from '../serializers.js';

const TYPES = ['accounts', 'hashtags', 'statuses'] as const;

export default async function search(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v2/search', { config: { ...rule('optional', 'read:search'), rateLimitClass: 'search', expensive: true } }, async (request) => {
    const query = request.query as Params;
    const q = (str(query, 'q', 500) ?? '').trim();
    const type = str(query, 'type', 20);
    if (type && !(TYPES as readonly string[]).includes(type)) throw badRequest('type must be accounts, hashtags or statuses');
    const limit = query.limit === undefined ? 20 : Number(query.limit);
    const offset = query.offset === undefined ? 0 : Number(query.offset);
    if (!Number.isInteger(limit) || limit < 1) throw badRequest('limit must be a positive integer');
    if (!Number.isInteger(offset) || offset < 0 || offset > 10_000) throw badRequest('offset must be an integer between 0 and 10000');
    // Narrowing to followed accounts or to one account's posts is not implemented: refused, not ignored.
    refuseUnsupported('following', query.following, isEmptyValue, 'Searching followed accounts only');
    refuseUnsupported('account_id', query.account_id, (v) => v === '', "Searching one account's posts");
    const me = optionalViewer(request);
    const capped = Math.min(limit, 40);
    const want = (t: (typeof TYPES)[number]) => q.length > 0 && (!type || type === t);
    // Anonymous visitors get no paging past the first page (Mastodon requires a login for offset).
    const off = me ? offset : 0;
    const [accounts, hashtags, statuses] = await Promise.all([
      want('accounts') ? searchAccounts(ctx.db, q, capped, off) : [],
      want('hashtags') ? searchTags(ctx.db, q, capped, off) : [],
      // Full-text search of posts is for signed-in users, as on Mastodon (SearchService asks for an
      // account): it is the costliest read there is, and the flood drill's anonymous searches were
      // what the database spent its time on while real users waited.
      me && want('statuses') && !q.startsWith('#') ? searchStatuses(ctx.db, me, q, capped, off) : [],
    ]);
    return {
      accounts: accounts.map((a) => serializeAccount(ctx.config, a)),
      hashtags: await renderTags(ctx, hashtags.map((t) => t.name), me),
      statuses: await renderStatuses(ctx, me, statuses),
    };
  });
}
