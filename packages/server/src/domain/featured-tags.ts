// Featured hashtags: the hashtags an account shows on its profile (Mastodon's FeaturedTag).

/** At most this many per account (Mastodon's FeaturedTag::LIMIT); the instance advertises it. */
export const MAX_FEATURED_TAGS = 10;
