import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import health from './health.js';
import oauth from './oauth.js';
import media from './media.js';
import apps from './v1/apps.js';
import accounts from './v1/accounts.js';
import instance from './v1/instance.js';
import notifications from './v1/notifications.js';
import conversations from './v1/conversations.js';
import statuses from './v1/statuses.js';
import timelines from './v1/timelines.js';
import search from './v2/search.js';
import streaming from './v1/streaming.js';
import followRequests from './v1/follow-requests.js';
import markers from './v1/markers.js';
import tags from './v1/tags.js';
import emptyCollections from './v1/empty-collections.js';
import web from '../web/routes.js';

/** Every route module, in one list: (app, ctx) => registers its routes. */
const modules = [health, oauth, media, apps, accounts, followRequests, instance, notifications, conversations, statuses, timelines, tags, markers, emptyCollections, search, streaming, web];

export async function registerRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  for (const register of modules) await register(app, ctx);
}
