// One answer per status to "do I like it, repost it, bookmark it, and how many do": the server's
// latest word, with the person's writes still in the outbox applied. Every copy of a status on the
// page (itself, a repost of it, in a thread and a timeline) shows this, so they never disagree.
import { pendingWrites } from './outbox.js';
import type { Status } from './types.js';

export interface Toggles { favourited: boolean; favourites_count: number; reblogged: boolean; reblogs_count: number; bookmarked: boolean }

const serverWord = new Map<string, Toggles>();

/** Remembers what the server said about a status (and the one it reposts or quotes). */
export function noteServerStatus(s: Status | null | undefined): void {
  if (!s) return;
  serverWord.set(s.id, { favourited: s.favourited, favourites_count: s.favourites_count, reblogged: s.reblogged, reblogs_count: s.reblogs_count, bookmarked: s.bookmarked });
  noteServerStatus(s.reblog);
  if (s.quote?.quoted_status) noteServerStatus(s.quote.quoted_status);
}

/** What the buttons of status `s` show: the status as just loaded (the freshest word), plus pending writes. */
export function togglesOf(s: Status): Toggles {
  noteServerStatus(s);
  return togglesOfId(s.id)!;
}

export function togglesOfId(id: string): Toggles | null {
  const known = serverWord.get(id);
  if (!known) return null;
  const t = { ...known };
  for (const w of pendingWrites()) {
    if (w.target !== id) continue;
    if (w.kind === 'favourite' && !t.favourited) { t.favourited = true; t.favourites_count++; }
    if (w.kind === 'unfavourite' && t.favourited) { t.favourited = false; t.favourites_count--; }
    if (w.kind === 'reblog' && !t.reblogged) { t.reblogged = true; t.reblogs_count++; }
    if (w.kind === 'unreblog' && t.reblogged) { t.reblogged = false; t.reblogs_count--; }
    if (w.kind === 'bookmark') t.bookmarked = true;
    if (w.kind === 'unbookmark') t.bookmarked = false;
  }
  t.favourites_count = Math.max(0, t.favourites_count);
  t.reblogs_count = Math.max(0, t.reblogs_count);
  return t;
}
