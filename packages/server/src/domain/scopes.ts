// OAuth scopes as Mastodon defines them: `read`, `write`, `follow`, `push`, the granular `read:x` /
// `write:x`, the legacy `follow` that covers follows, blocks and mutes, and the administration scopes
// `admin:read` / `admin:write` with their granular `admin:read:x` / `admin:write:x`. `read` and
// `write` do not cover administration: a token asks for it by name. A scope only opens a route; the
// account's role must also have the route's permission (api/auth.ts).
import { badRequest } from '../errors.js';

const granular = {
  read: ['accounts', 'blocks', 'bookmarks', 'favourites', 'filters', 'follows', 'lists', 'mutes', 'notifications', 'search', 'statuses'],
  write: ['accounts', 'blocks', 'bookmarks', 'conversations', 'favourites', 'filters', 'follows', 'lists', 'media', 'mutes', 'notifications', 'reports', 'statuses'],
  admin: ['accounts', 'reports', 'domain_allows', 'domain_blocks', 'ip_blocks', 'email_domain_blocks', 'canonical_email_blocks'],
};

export const ALL_SCOPES = new Set<string>([
  'read', 'write', 'follow', 'push', 'profile',
  ...granular.read.map((s) => `read:${s}`),
  ...granular.write.map((s) => `write:${s}`),
  'admin:read', 'admin:write',
  ...granular.admin.flatMap((s) => [`admin:read:${s}`, `admin:write:${s}`]),
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
  // A scope covers the scopes it is a prefix of: `read` covers `read:statuses`, `admin:read` covers
  // `admin:read:accounts`; `read` does not cover `admin:read`.
  if (granted.some((g) => g === required || required.startsWith(`${g}:`))) return true;
  return granted.includes('follow') && followCovers.has(required);
}

/** Requested scopes must be a subset of what the app registered. */
export function scopesWithin(requested: readonly string[], registered: readonly string[]): boolean {
  return requested.every((s) => registered.includes(s) || scopeAllows(registered, s));
}
