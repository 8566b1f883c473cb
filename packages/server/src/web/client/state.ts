// What the page knows across views, and what the view on screen must stop when it is left.
import type { Account } from './types.js';

export const state: { me: Account | null; maxChars: number; unreadNotifications: number } = {
  me: null,
  maxChars: 500,
  unreadNotifications: 0,
};

const cleanups: Array<() => void> = [];

/** Stream subscriptions and observers a view starts must end with it, or they pile up view after view. */
export function onLeave(stop: () => void): void {
  cleanups.push(stop);
}

export function leaveView(): void {
  for (const stop of cleanups.splice(0)) stop();
}
