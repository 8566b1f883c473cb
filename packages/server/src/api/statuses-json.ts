// A page of statuses as JSON text, the same text as JSON.stringify(serializeStatuses(...)), spliced
// from parts: what a status's content and an account's profile decide is turned into JSON once per
// content and kept beside it (the entity cache shares one object per content: domain/hydration.ts),
// and only counters, the viewer's flags and filters, media and quotes are serialized per request.
// Building every page's entities as objects and then stringifying them cost more of a home read than
// anything else the app did (BENCHMARKS.md, "JSON kept with the content").
import type { AccountContent, StatusBatch, StatusContent } from '../domain/hydration.js';
import type { PublicAccountRow } from '../domain/accounts.js';
import type { StatusRow } from '../domain/statuses.js';
import { accountCounters, accountProfile, isShown, quoteOf, statusContent, statusView, type Site } from './serializers.js';

/** A content's JSON members (the text between an object's braces), for the site and author name it was made for. */
interface Members { site: Site; username: string; text: string }

/** Keyed by the content itself: kept as long as the entity cache (or a request) keeps the content. */
const statusMembers = new WeakMap<StatusContent, Members>();
const accountMembers = new WeakMap<AccountContent, Members>();

/** The members of an object's JSON, without its braces. */
const members = (entity: object) => JSON.stringify(entity).slice(1, -1);

/**
 * The statuses the viewer may see, in the order given, as a JSON array (serializeStatuses's, as text),
 * encoded in UTF-8. Sent as a string, the page was copied once more per response: Node's HTTP writer
 * puts the headers before a string body as one string, which the socket must flatten before encoding
 * (BENCHMARKS.md, "A page sent as bytes").
 */
export function statusesJson(site: Site, batch: StatusBatch, rows: StatusRow[]): Buffer {
  const accounts = new Map<string, string>();
  const parts: string[] = [];
  for (const row of rows) if (isShown(batch, row)) parts.push(statusJson(site, batch, row, 0, accounts));
  const text = parts.join(',');
  const json = Buffer.allocUnsafe(Buffer.byteLength(text) + 2);
  json[0] = 0x5b; // [
  json[json.length - 1] = 0x5d; // ]
  json.write(text, 1);
  return json;
}

function statusJson(site: Site, b: StatusBatch, s: StatusRow, depth: number, accounts: Map<string, string>): string {
  const account = b.accounts.get(s.account_id)!;
  const reblogOf = s.reblog_of_id ? b.statuses.get(s.reblog_of_id) : undefined;
  const quote = quoteOf(b, s, depth);
  const quoteText = !quote ? 'null'
    : 'status' in quote ? `{"state":"accepted","quoted_status":${statusJson(site, b, quote.status, depth + 1, accounts)}}`
    : JSON.stringify(quote.entity);
  return `{${contentMembers(site, b, s, account.username)},"account":${accountJson(site, b, account, accounts)},${members(statusView(site, b, s, account, reblogOf))},`
    + `"reblog":${reblogOf ? statusJson(site, b, reblogOf, depth, accounts) : 'null'},"quote":${quoteText}}`;
}

/** A status's content as JSON members: made from the content the batch was shown from, once. */
function contentMembers(site: Site, b: StatusBatch, s: StatusRow, username: string): string {
  const content = b.contents.statuses.get(s.id)!;
  return kept(statusMembers, content, site, username, () => statusContent(site, content.row, username, content.mentions, content.tags));
}

/** An account's JSON, once per page: its profile's members as kept, then its counters. */
function accountJson(site: Site, b: StatusBatch, a: PublicAccountRow, page: Map<string, string>): string {
  let text = page.get(a.id);
  if (text !== undefined) return text;
  const profile = kept(accountMembers, b.contents.accounts.get(a.id)!, site, a.username, () => accountProfile(site, a));
  text = `{${profile},${members(accountCounters(a))}}`;
  page.set(a.id, text);
  return text;
}

/** The members kept for `content` when they were made for this site and author name; else made from `entity` now, and kept. */
function kept<K extends object>(memo: WeakMap<K, Members>, content: K, site: Site, username: string, entity: () => object): string {
  const found = memo.get(content);
  if (found && found.site === site && found.username === username) return found.text;
  const text = members(entity());
  memo.set(content, { site, username, text });
  return text;
}
