// The Mastodon entities the page uses (only the fields it reads).
export interface Account {
  id: string; username: string; acct: string; display_name: string; note: string; avatar: string; header?: string;
  followers_count: number; following_count: number; statuses_count: number; created_at: string; locked: boolean;
  source?: { note: string; follow_requests_count?: number };
  /** CredentialAccount only: the signed-in account's role. */
  role?: { id: string; name: string; permissions: string };
  roles?: Array<{ id: string; name: string }>;
  suspended?: boolean; limited?: boolean;
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
export interface AccountWarning { id: string; action: string; text: string; status_ids: string[] | null; created_at: string }
export interface Report { id: string; category: string; comment: string; status_ids: string[]; target_account: Account; action_taken: boolean }
export interface Notification {
  id: string; type: string; created_at: string; account: Account; status: Status | null;
  report?: Report; moderation_warning?: AccountWarning;
}
export interface Rule { id: string; text: string; hint: string }
export interface AdminAccount {
  id: string; username: string; email: string; created_at: string; ip: { ip: string } | null; role: { id: string; name: string };
  approved: boolean; disabled: boolean; silenced: boolean; suspended: boolean; sensitized: boolean; invite_request: string | null; account: Account;
}
export interface AdminReport {
  id: string; action_taken: boolean; category: string; comment: string; created_at: string;
  account: AdminAccount; target_account: AdminAccount; assigned_account: AdminAccount | null; action_taken_by_account: AdminAccount | null;
  statuses: Status[]; rules: Rule[];
}
export interface ActionLog { id: string; action: string; target_type: string; target_id: string | null; summary: string; created_at: string; account: Account | null }
export interface Relationship { id: string; following: boolean; requested: boolean; followed_by: boolean; blocking: boolean; muting: boolean; note?: string }
export interface Tag { id?: string; name: string; following?: boolean; history?: Array<{ day: string; uses: string; accounts: string }> }
export interface Conversation { id: string; unread: boolean; accounts: Account[]; last_status: Status | null }
export interface StatusEdit { content: string; spoiler_text: string; created_at: string; account: Account }
