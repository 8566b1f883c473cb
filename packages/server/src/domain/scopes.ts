// OAuth scopes as Mastodon defines them: `read`, `write`, `follow`, `push`, the granular `read:x` /
// `write:x`, and the legacy `follow` that covers follows, blocks and mutes.
import { badRequest } from '../errors.js';

const granular = {
  read: ['accounts', 'blocks', 'bookmarks', 'favourites', 'filters', 'follows', 'lists', 'mutes', 'notifications', 'search', 'statuses'],
  write: ['accounts', 'blocks', 'bookmarks', 'conversations', 'favourites', 'filters', 'follows', 'lists', 'media', 'mutes', 'notifications', 'reports', 'statuses'],
};

export const ALL_SCOPES = new Set<string>([
  'read', 'write', 'follow', 'push', 'profile',
  ...granular.read.map((s) => `read:${s}`),
  ...granular.write.map((s) => `write:${s}`),
]);

const followCovers = new Set(['read:follows', 'write:follows', 'read:blocks', 'write:blocks', 'read:mutes', 'write:mutes']);

export function parseScopes(raw: unknown, fallback = 'read'): string[] {
  const text = typeof raw === 'string' && raw.trim() ? raw : Array.isArray(raw) ? raw.join(' ') : fallback;
  const scopes = [...new Set(text.split(/[\s+]+/).filter(Boolean))];
  for (const s of scopes) if (!ALL_SCOPES.has(s)) throw badRequest(`Unknown scope: ${s}`);
  return scopes;
}

/** Whether a token holding `granted` may use a route that requires `required`. */
export function scopeAllows(granted: readonly string[], required: string): boolean {
  if (granted.includes(required)) return true;
  const [family] = required.split(':');
  if (family && granted.includes(family) && family !== required) return true;
  return granted.includes('follow') && followCovers.has(required);
}

/** Requested scopes must be a subset of what the app registered. */
export function scopesWithin(requested: readonly string[], registered: readonly string[]): boolean {
  return requested.every((s) => registered.includes(s) || scopeAllows(registered, s));
}
