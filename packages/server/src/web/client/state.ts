// What the page knows across views, and what the view on screen must stop when it is left.
import type { Account } from './types.js';

export const state: { me: Account | null; maxChars: number; unreadNotifications: number; defaultVisibility: string } = {
  me: null,
  maxChars: 500,
  unreadNotifications: 0,
  /** posting:default:visibility from /api/v1/preferences: where every new post starts. */
  defaultVisibility: 'public',
};

const cleanups: Array<() => void> = [];

/** Stream subscriptions and observers a view starts must end with it, or they pile up view after view. */
export function onLeave(stop: () => void): void {
  cleanups.push(stop);
}

export function leaveView(): void {
  for (const stop of cleanups.splice(0)) stop();
  viewIncomplete = false;
}

/** Whether the view on screen could not load everything (the server was unreachable): it reloads once it is back. */
let viewIncomplete = false;
export function markViewIncomplete(): void { viewIncomplete = true; }
export const isViewIncomplete = () => viewIncomplete;
