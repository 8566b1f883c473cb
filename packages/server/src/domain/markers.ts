// Read positions (Mastodon's markers): where the user stopped reading the home timeline and the
// notifications, shared by every client and device.
import type { Queryable } from '../db/index.js';

export const MARKER_TIMELINES = ['home', 'notifications'] as const;
export type MarkerTimeline = (typeof MARKER_TIMELINES)[number];

export interface MarkerRow { timeline: MarkerTimeline; last_read_id: string; version: number; updated_at: Date }

export function getMarkers(db: Queryable, accountId: string, timelines: MarkerTimeline[]): Promise<MarkerRow[]> {
  return db.query<MarkerRow>(
    'select timeline, last_read_id, version, updated_at from markers where account_id = $1 and timeline = any($2::text[])', [accountId, timelines]);
}

/** Idempotent: the same position again changes nothing but the version. */
export async function setMarker(db: Queryable, accountId: string, timeline: MarkerTimeline, lastReadId: string): Promise<MarkerRow> {
  const [row] = await db.query<MarkerRow>(
    `insert into markers (account_id, timeline, last_read_id) values ($1, $2, $3)
     on conflict (account_id, timeline) do update set last_read_id = excluded.last_read_id, version = markers.version + 1, updated_at = now()
     returning timeline, last_read_id, version, updated_at`, [accountId, timeline, lastReadId]);
  return row!;
}
