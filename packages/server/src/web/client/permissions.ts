// What the signed-in account's role lets it do, read from its CredentialAccount (the server checks
// again on every request: this only decides what the page offers).
import { state } from './state.js';

/** Mastodon's permission flags the page uses (entities/Role.md). */
export const PERMISSION = {
  administrator: 0x1, viewAuditLog: 0x4, viewDashboard: 0x8, manageReports: 0x10, manageSettings: 0x40, manageUsers: 0x400,
  inviteUsers: 0x10000, manageRoles: 0x20000, deleteUserData: 0x80000,
} as const;

export function can(permission: keyof typeof PERMISSION): boolean {
  const bits = Number(state.me?.role?.permissions ?? 0);
  return (bits & PERMISSION.administrator) !== 0 || (bits & PERMISSION[permission]) !== 0;
}

/** Whether the page shows the moderation area at all. */
export const isStaff = () => can('manageReports') || can('manageUsers');
