// The columns of an account entity, split as the entity cache splits them. A module of its own, with no
// imports: statuses.ts (creating a status returns its author's counters) and hydration.ts both need them,
// and accounts.ts is too far up the imports for statuses.ts to use.

/** The account columns an entity shows besides its counters; migration 0013's trigger changes accounts.version when any of them changes. */
export const ACCOUNT_CONTENT_FIELDS = ['username', 'display_name', 'note', 'locked', 'bot', 'discoverable', 'created_at',
  'avatar_key', 'header_key', 'role_id', 'suspended_at', 'silenced_at', 'sensitized_at', 'disabled', 'approved'] as const;
/** An account's counters: they change without its version, so entities read them with every page. */
export const ACCOUNT_COUNTS = ['followers_count', 'following_count', 'statuses_count', 'last_status_at'] as const;
