// Mastodon features Firebreak does not have (yet): lists, filters, announcements, followed hashtags,
// featured hashtags, endorsements, follow suggestions, domain blocks, scheduled posts. Real clients
// (Elk, Phanpy, Ivory, the official apps) read these at start-up and some break on a 404, so each
// read answers with what is true here: an empty collection. Each keeps the scope Mastodon requires,
// so a token is checked exactly as it would be there. Writes to them stay 404 (the route does not
// exist): nothing is ever silently dropped.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { getAccount } from '../../domain/accounts.js';
import { rule, type AuthRule } from '../auth.js';
import { parsePage } from '../pagination.js';
import { idParam, type Params } from '../params.js';

type Rule = { auth: AuthRule } | undefined;

const EMPTY: Array<[string, Rule]> = [
  ['/api/v1/announcements', rule('user', 'read')],
  ['/api/v1/followed_tags', rule('user', 'read:follows')],
  ['/api/v1/featured_tags', rule('user', 'read:accounts')],
  ['/api/v1/featured_tags/suggestions', rule('user', 'read:accounts')],
  ['/api/v1/endorsements', rule('user', 'read:accounts')],
  ['/api/v1/suggestions', rule('user', 'read')],
  ['/api/v2/suggestions', rule('user', 'read')],
  ['/api/v1/domain_blocks', rule('user', 'read:blocks')],
  ['/api/v1/scheduled_statuses', rule('user', 'read:statuses')],
  ['/api/v1/trends/statuses', undefined],
  ['/api/v1/trends/links', undefined],
];

/** Per-account collections that are empty for every account that exists. */
const EMPTY_PER_ACCOUNT: Array<[string, Rule]> = [
  ['/api/v1/accounts/:id/featured_tags', undefined],
  ['/api/v1/accounts/:id/endorsements', undefined],
];

export default async function emptyCollections(app: FastifyInstance, ctx: AppContext) {
  for (const [url, config] of EMPTY) {
    app.get(url, { config }, async (request) => {
      parsePage(request.query as Params); // bad pagination is still a 400, as on every list
      return [];
    });
  }
  for (const [url, config] of EMPTY_PER_ACCOUNT) {
    app.get<{ Params: { id: string } }>(url, { config }, async (request) => {
      await getAccount(ctx.db, idParam(request.params.id)); // unknown accounts are 404
      parsePage(request.query as Params);
      return [];
    });
  }
}
