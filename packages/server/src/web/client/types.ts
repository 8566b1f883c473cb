// The Mastodon entities the page uses (only the fields it reads).
export interface Account {
  id: string; username: string; acct: string; display_name: string; note: string; avatar: string;
  followers_count: number; following_count: number; statuses_count: number; created_at: string; locked: boolean;
  source?: { note: string; follow_requests_count?: number };
  /** CredentialAccount only: the signed-in account's role. */
  role?: { id: string; name: string; permissions: string };
  roles?: Array<{ id: string; name: string }>;
  suspended?: boolean; limited?: boolean;
}
export interface Status {
  id: string; created_at: string; account: Account; content: string; spoiler_text: string; visibility: string;
  in_reply_to_id: string | null; in_reply_to_account_id: string | null; reblog: Status | null;
  quote: { state: string; quoted_status?: Status | null } | null;
  quote_approval?: { current_user: string };
  replies_count: number; reblogs_count: number; favourites_count: number;
  favourited: boolean; reblogged: boolean; bookmarked: boolean;
  mentions: Array<{ id: string; acct: string }>;
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
export interface Relationship { id: string; following: boolean; requested: boolean; followed_by: boolean; blocking: boolean; muting: boolean }
export interface Tag { name: string; history?: Array<{ day: string; uses: string; accounts: string }> }
