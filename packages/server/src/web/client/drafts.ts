// Drafts: what someone is writing (a post, a reply, a quote, an edit, their profile) is kept on this
// device as they type, per account, until it is sent or they discard it, so leaving the page,
// closing a dialog or reloading loses nothing. localStorage, because a view reads its draft while
// it renders (synchronously); the outbox (IndexedDB) takes over once a post is sent.
import { state } from './state.js';

const PREFIX = 'fb-draft';

const storageKey = (name: string) => `${PREFIX}:${state.me?.id ?? 'anonymous'}:${name}`;

export function loadDraft<T extends object>(name: string): T | null {
  try {
    return JSON.parse(localStorage.getItem(storageKey(name)) ?? 'null') as T | null;
  } catch {
    return null;
  }
}

export function saveDraft(name: string, draft: object | null): void {
  try {
    if (draft) localStorage.setItem(storageKey(name), JSON.stringify(draft));
    else localStorage.removeItem(storageKey(name));
  } catch { /* storage full or refused: the text is still on screen */ }
}

/** How many drafts the signed-in person has kept (sign-out asks before dropping them). */
export function draftCount(): number {
  const mine = `${PREFIX}:${state.me?.id}:`;
  return Object.keys(localStorage).filter((k) => k.startsWith(mine)).length;
}

export function clearDrafts(): void {
  const mine = `${PREFIX}:${state.me?.id}:`;
  for (const k of Object.keys(localStorage)) if (k.startsWith(mine)) localStorage.removeItem(k);
}
