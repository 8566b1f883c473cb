// Parameters of the admin API: a filter Firebreak does not know is refused (422), never ignored, so
// that a moderator never reads a list they believe filtered when it is not.
import { unprocessable } from '../../../errors.js';
import type { Params } from '../../params.js';

export function onlyParams(query: Params, allowed: string[]): void {
  const unknown = Object.keys(query).filter((k) => !allowed.includes(k.replace(/\[\]$/, '')));
  if (unknown.length) throw unprocessable(`Unknown parameter${unknown.length > 1 ? 's' : ''}: ${unknown.slice(0, 5).join(', ')}`);
}

/** A time range's bound: an ISO 8601 date or time (Mastodon uses the date and ignores the time). */
export function dateParam(p: Params, name: string): Date {
  const raw = p[name];
  if (typeof raw !== 'string' || raw.length > 40 || !/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(Date.parse(raw.slice(0, 10)))) {
    throw unprocessable(`${name} must be an ISO 8601 date`);
  }
  return new Date(`${raw.slice(0, 10)}T00:00:00Z`);
}
