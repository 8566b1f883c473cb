// The Mastodon entities the page uses (only the fields it reads).
export interface Account {
  id: string; username: string; acct: string; display_name: string; note: string; avatar: string; header?: string;
  followers_count: number; following_count: number; statuses_count: number; created_at: string; locked: boolean;
  source?: { note: string; follow_requests_count?: number };
}
export interface Status {
  id: string; created_at: string; edited_at: string | null; url: string | null; account: Account; content: string; spoiler_text: string; visibility: string;
  in_reply_to_id: string | null; in_reply_to_account_id: string | null; reblog: Status | null;
  quote: { state: string; quoted_status?: Status | null } | null;
  quote_approval?: { current_user: string };
  replies_count: number; reblogs_count: number; favourites_count: number;
  favourited: boolean; reblogged: boolean; bookmarked: boolean;
  mentions: Array<{ id: string; acct: string }>;
  sensitive?: boolean;
  media_attachments?: MediaAttachment[];
  /** The reader's filters this post matches where it is shown (Mastodon's FilterResult). */
  filtered?: Array<{ filter: { title: string; filter_action: 'warn' | 'hide' | 'blur'; context: string[] }; keyword_matches: string[] | null }>;
}
export interface MediaAttachment {
  id: string; type: 'image' | 'gifv' | 'video' | 'audio' | 'unknown'; url: string | null; preview_url: string | null;
  description: string | null; blurhash: string | null;
  meta?: { focus?: { x: number; y: number }; original?: { width: number; height: number } };
}
export interface Notification { id: string; type: string; created_at: string; account: Account; status: Status | null }
export interface Relationship { id: string; following: boolean; requested: boolean; followed_by: boolean; blocking: boolean; muting: boolean; note?: string }
export interface Tag { id?: string; name: string; following?: boolean; history?: Array<{ day: string; uses: string; accounts: string }> }
export interface Conversation { id: string; unread: boolean; accounts: Account[]; last_status: Status | null }
export interface StatusEdit { content: string; spoiler_text: string; created_at: string; account: Account }
