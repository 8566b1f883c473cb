// Mastodon features Firebreak does not have (yet): announcements, follow suggestions, domain blocks,
// scheduled posts, trending posts and links. Real clients (Elk, Phanpy, Ivory, the official apps)
// read these at start-up and some break on a 404, so each read answers with what is true here: an
// empty collection. Each keeps the scope Mastodon requires, so a token is checked exactly as it
// would be there. Writes to them stay 404 (the route does not exist): nothing is ever silently dropped.
import type { FastifyInstance } from 'fastify';
import { rule, type AuthRule } from '../auth.js';
import { parsePage } from '../pagination.js';
import type { Params } from '../params.js';

type Rule = { auth: AuthRule } | undefined;

const EMPTY: Array<[string, Rule]> = [
  ['/api/v1/announcements', rule('user', 'read')],
  ['/api/v1/suggestions', rule('user', 'read')],
  ['/api/v2/suggestions', rule('user', 'read')],
  ['/api/v1/domain_blocks', rule('user', 'read:blocks')],
  ['/api/v1/scheduled_statuses', rule('user', 'read:statuses')],
  ['/api/v1/trends/statuses', undefined],
  ['/api/v1/trends/links', undefined],
];

export default async function emptyCollections(app: FastifyInstance) {
  for (const [url, config] of EMPTY) {
    app.get(url, { config }, async (request) => {
      parsePage(request.query as Params); // bad pagination is still a 400, as on every list
      return [];
    });
  }
}
