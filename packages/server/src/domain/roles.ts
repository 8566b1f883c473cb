// Roles and their permissions, as Mastodon 4.x defines them: a role is a bitmask of permission flags
// (entities/Role.md), and the Administrator flag grants every other one. Firebreak has Mastodon's
// default roles and no custom ones: everyone (-99), Moderator, Admin and Owner. The owner is made by
// `firebreak admin create-owner`; anyone with Manage Roles may give a role below their own.
export const PERMISSIONS = {
  administrator: 0x1,
  devops: 0x2,
  view_audit_log: 0x4,
  view_dashboard: 0x8,
  manage_reports: 0x10,
  manage_federation: 0x20,
  manage_settings: 0x40,
  manage_blocks: 0x80,
  manage_taxonomies: 0x100,
  manage_appeals: 0x200,
  manage_users: 0x400,
  manage_invites: 0x800,
  manage_rules: 0x1000,
  manage_announcements: 0x2000,
  manage_custom_emojis: 0x4000,
  manage_webhooks: 0x8000,
  invite_users: 0x10000,
  manage_roles: 0x20000,
  manage_user_access: 0x40000,
  delete_user_data: 0x80000,
} as const;

export type Permission = keyof typeof PERMISSIONS;

const ALL = Object.values(PERMISSIONS).reduce((a, b) => a | b, 0);
const bits = (...names: Permission[]) => names.reduce((a, n) => a | PERMISSIONS[n], 0);

export interface Role { id: number; name: string; color: string; position: number; permissions: number; highlighted: boolean }

export type RoleName = 'user' | 'moderator' | 'admin' | 'owner';

/**
 * Mastodon's seeded roles. Unlike Mastodon's "everyone", ours cannot invite: on an instance whose
 * registrations are closed or need approval, an invite is a way past the door, so it is the staff's.
 */
export const ROLES: Record<RoleName, Role> = {
  user: { id: -99, name: '', color: '', position: -1, permissions: 0, highlighted: false },
  moderator: {
    id: 1, name: 'Moderator', color: '', position: 10, highlighted: true,
    permissions: bits('view_dashboard', 'view_audit_log', 'manage_users', 'manage_reports', 'manage_taxonomies', 'invite_users'),
  },
  admin: { id: 2, name: 'Admin', color: '', position: 100, highlighted: true, permissions: ALL & ~PERMISSIONS.administrator },
  owner: { id: 3, name: 'Owner', color: '', position: 1000, highlighted: true, permissions: ALL },
};

export const ROLE_NAMES = Object.keys(ROLES) as RoleName[];

const byId = new Map(Object.values(ROLES).map((r) => [r.id, r]));

/** The role with this id; an id no role has (a row edited by hand) counts as everyone's. */
export const roleOf = (id: number | null | undefined): Role => byId.get(Number(id)) ?? ROLES.user;

export const roleNamed = (name: string): Role | undefined => (ROLE_NAMES as string[]).includes(name) ? ROLES[name as RoleName] : undefined;

/** Whether the role has any one of `permissions` (the Administrator flag has them all). */
export function can(roleId: number | null | undefined, ...permissions: Permission[]): boolean {
  const granted = roleOf(roleId).permissions;
  return (granted & PERMISSIONS.administrator) !== 0 || permissions.some((p) => (granted & PERMISSIONS[p]) !== 0);
}

/** Role ids that have `permission`: who is told of new reports, new sign-ups. */
export const roleIdsWith = (permission: Permission): number[] => Object.values(ROLES).filter((r) => can(r.id, permission)).map((r) => r.id);

/** Staff may act on accounts below their own role only (a moderator cannot suspend an admin). */
export const outranks = (actorRoleId: number, targetRoleId: number): boolean => roleOf(actorRoleId).position > roleOf(targetRoleId).position;
