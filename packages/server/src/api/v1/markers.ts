// Read positions (Mastodon's markers API): where the user stopped reading the home timeline and the
// notifications, shared by every client and device. The web UI uses the notifications marker for
// its unread badge.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { unprocessable } from '../../errors.js';
import { rule, viewer } from '../auth.js';
import { bodyOf, list, type Params } from '../params.js';

const TIMELINES = ['home', 'notifications'] as const;

interface MarkerRow { timeline: string; last_read_id: string; version: number; updated_at: Date }

const entity = (m: MarkerRow) => ({ last_read_id: m.last_read_id, version: m.version, updated_at: m.updated_at.toISOString() });

/** `home[last_read_id]=1` (forms) and `{"home": {"last_read_id": "1"}}` (JSON) both name a position. */
function position(body: Params, timeline: string): string | undefined {
  const nested = body[timeline];
  const value = nested && typeof nested === 'object' ? (nested as Params).last_read_id : body[`${timeline}[last_read_id]`];
  if (value === undefined || value === null) return undefined;
  if ((typeof value !== 'string' && typeof value !== 'number') || !/^\d{1,19}$/.test(String(value))) throw unprocessable(`${timeline}[last_read_id] must be an id`);
  return String(value);
}

export default async function markers(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v1/markers', { config: rule('user', 'read:statuses') }, async (request) => {
    const wanted = list(request.query as Params, 'timeline', 2).filter((t) => (TIMELINES as readonly string[]).includes(t));
    const rows = await ctx.db.query<MarkerRow>(
      'select timeline, last_read_id, version, updated_at from markers where account_id = $1 and timeline = any($2::text[])', [viewer(request), wanted]);
    return Object.fromEntries(rows.map((m) => [m.timeline, entity(m)]));
  });

  // Setting a position is idempotent (the same id again changes nothing but the version).
  app.post('/api/v1/markers', { config: rule('user', 'write:statuses') }, async (request) => {
    const body = bodyOf(request.body);
    const me = viewer(request);
    const out: Record<string, unknown> = {};
    for (const timeline of TIMELINES) {
      const id = position(body, timeline);
      if (!id) continue;
      const [m] = await ctx.db.query<MarkerRow>(
        `insert into markers (account_id, timeline, last_read_id) values ($1, $2, $3)
         on conflict (account_id, timeline) do update set last_read_id = excluded.last_read_id, version = markers.version + 1, updated_at = now()
         returning timeline, last_read_id, version, updated_at`, [me, timeline, id]);
      out[timeline] = entity(m!);
    }
    if (Object.keys(out).length === 0) throw unprocessable('Validation failed: home[last_read_id] or notifications[last_read_id] is required');
    return out;
  });
}
