// How long a status is, one rule for the server (src/domain/text.ts, which refuses a post that is
// too long) and for the compose box's counter in the page (src/web/client/compose.ts): grapheme
// clusters, every http(s) URL as CHARACTERS_PER_URL, a mention of a remote account as just its
// @username (Mastodon's rule). This module runs in both places, so it uses neither Node nor the DOM
// (its tsconfig gives it neither) and imports nothing.
//
// The server finds URLs with twitter-text; loading that library in the page would cost more than all
// our code, so the page finds them with findUrls, a pattern that agrees with twitter-text on ordinary
// text (test/web/count.test.ts compares both). Known difference: twitter-text also checks the
// top-level domain against its list, so "https://example.notatld" counts as 23 in the page and in
// full on the server. The server stays the judge: a post it finds too long is refused with a clear error.
export const CHARACTERS_PER_URL = 23;

export interface Entity { start: number; end: number; kind: 'url' | 'tag' | 'mention'; value: string; domain?: string }

const MENTION = /(?<=^|[^/\w])@([a-z0-9_]+)(?:@([a-z0-9.-]+[a-z0-9]+))?/gi;
// Host may be any letters (IDN); the rest of the URL is printable ASCII, as twitter-text has it.
const URL_PATTERN = /(?<![\w@#$/])https?:\/\/[\p{L}\p{N}.-]+[\x21-\x7e]*/giu;
const TRAILING_PUNCTUATION = /[.,:;!?'"\])}]+$/u;
const HOST_WITH_TLD = /^https?:\/\/[\p{L}\p{N}-]+(\.[\p{L}\p{N}-]+)*\.[\p{L}]{2,}/u;
const segmenter = new Intl.Segmenter();

export function findMentions(text: string): Entity[] {
  return [...text.matchAll(MENTION)].map((m): Entity => ({ start: m.index, end: m.index + m[0].length, kind: 'mention', value: m[1]!, domain: m[2] }));
}

export function findUrls(text: string): Entity[] {
  const found: Entity[] = [];
  for (const m of text.matchAll(URL_PATTERN)) {
    // A closing bracket stays when the URL opened one: https://en.wikipedia.org/wiki/Fire_(classical_element)
    const trimmed = m[0].replace(TRAILING_PUNCTUATION, '');
    const url = trimmed.endsWith('(') || m[0].slice(trimmed.length).startsWith(')') && trimmed.includes('(') ? trimmed + ')' : trimmed;
    if (HOST_WITH_TLD.test(url)) found.push({ start: m.index, end: m.index + url.length, kind: 'url', value: url });
  }
  return found;
}

/** Of overlapping entities the first (and then the longest) wins: a #fragment inside a URL is part of the URL. */
export function withoutOverlaps(found: Entity[]): Entity[] {
  const sorted = [...found].sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: Entity[] = [];
  let cursor = 0;
  for (const e of sorted) {
    if (e.start < cursor) continue;
    kept.push(e);
    cursor = e.end;
  }
  return kept;
}

/** `entities` must not overlap; the server passes those twitter-text found, the page those found here. */
export function statusLength(text: string, entities: readonly Entity[] = withoutOverlaps([...findUrls(text), ...findMentions(text)])): number {
  let counted = '';
  let cursor = 0;
  for (const e of entities) {
    if (e.kind === 'tag') continue;
    counted += text.slice(cursor, e.start) + (e.kind === 'url' ? 'x'.repeat(CHARACTERS_PER_URL) : `@${e.value}`);
    cursor = e.end;
  }
  counted += text.slice(cursor);
  let n = 0;
  for (const _ of segmenter.segment(counted)) n++;
  return n;
}
