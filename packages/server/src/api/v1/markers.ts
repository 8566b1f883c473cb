// Read positions (Mastodon's markers API). The web UI uses the notifications marker for its unread badge.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { unprocessable } from '../../errors.js';
import { getMarkers, MARKER_TIMELINES, setMarker, type MarkerRow, type MarkerTimeline } from '../../domain/markers.js';
import { rule, viewer } from '../auth.js';
import { bodyOf, idParam, list, type Params } from '../params.js';

const entity = (m: MarkerRow) => ({ last_read_id: m.last_read_id, version: m.version, updated_at: m.updated_at.toISOString() });

/** `home[last_read_id]=1` (forms) and `{"home": {"last_read_id": "1"}}` (JSON) both name a position. */
function position(body: Params, timeline: string): string | undefined {
  const nested = body[timeline];
  const raw = nested && typeof nested === 'object' ? (nested as Params).last_read_id : body[`${timeline}[last_read_id]`];
  return raw === undefined || raw === null ? undefined : idParam(raw);
}

export default async function markers(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/v1/markers', { config: rule('user', 'read:statuses') }, async (request) => {
    const wanted = list(request.query as Params, 'timeline', 2).filter((t): t is MarkerTimeline => (MARKER_TIMELINES as readonly string[]).includes(t));
    const rows = await getMarkers(ctx.db, viewer(request), wanted);
    return Object.fromEntries(rows.map((m) => [m.timeline, entity(m)]));
  });

  app.post('/api/v1/markers', { config: rule('user', 'write:statuses') }, async (request) => {
    const body = bodyOf(request.body);
    const me = viewer(request);
    const out: Record<string, unknown> = {};
    for (const timeline of MARKER_TIMELINES) {
      const id = position(body, timeline);
      if (id) out[timeline] = entity(await setMarker(ctx.db, me, timeline, id));
    }
    if (Object.keys(out).length === 0) throw unprocessable('Validation failed: home[last_read_id] or notifications[last_read_id] is required');
    return out;
  });
}
