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
// twitter-text's shape of a URL: not glued to a letter, digit, @, $ or #; a host of any letters (IDN)
// ending in a top-level domain; an optional port; a path of Latin or Cyrillic letters, digits and URL
// punctuation; a query of ASCII letters, digits and URL punctuation.
const URL_PATTERN = /(?<![A-Za-z0-9@＠$#＃])(https?:\/\/[\p{L}\p{N}.-]+)(:\d+)?(\/[\p{Script=Latin}\p{Script=Cyrillic}\p{M}0-9!*';:=+,.$/%#[\]\-\u2013_~@|&()]*)?(\?[a-z0-9!?*'@();:&=+$/%#[\]\-_.,~|]*)?/giu;
const HOST = /^https?:\/\/[\p{L}\p{N}-]+(\.[\p{L}\p{N}-]+)*\.\p{L}{2,}$/iu;
// What a path or a query may end with: "https://example.com/a?b=c." ends before the full stop. A
// closing bracket ends a path only when the path opened one, as in
// https://en.wikipedia.org/wiki/Fire_(classical_element); pathPart cuts at any other.
const PATH_END = /[\p{Script=Latin}\p{Script=Cyrillic}\p{M}0-9+=_#/)-]/u;
const QUERY_END = /[a-z0-9_&=#/-]/i;
const NOT_A_DOT = /[^.]/;
const segmenter = new Intl.Segmenter();

export function findMentions(text: string): Entity[] {
  return [...text.matchAll(MENTION)].map((m): Entity => ({ start: m.index, end: m.index + m[0].length, kind: 'mention', value: m[1]!, domain: m[2] }));
}

/** One character at a time from the end, not a /[^…]+$/ replace: that would be quadratic on long pasted runs. */
function trimEnd(text: string, endsWith: RegExp): string {
  let end = text.length;
  while (end > 0 && !endsWith.test(text[end - 1]!)) end--;
  return text.slice(0, end);
}

function pathPart(path: string): string {
  let depth = 0;
  let open = 0;
  let end = path.length;
  for (let i = 0; i < path.length; i++) {
    if (path[i] === '(') {
      if (depth === 0) open = i;
      depth++;
    } else if (path[i] === ')') {
      if (depth === 0) { end = i; break; }
      depth--;
    }
  }
  return trimEnd(path.slice(0, depth > 0 ? open : end), PATH_END);
}

export function findUrls(text: string): Entity[] {
  const found: Entity[] = [];
  for (const m of text.matchAll(URL_PATTERN)) {
    const [, hostPart, port = '', rawPath = '', rawQuery = ''] = m;
    const host = trimEnd(hostPart!, NOT_A_DOT);
    if (!HOST.test(host)) continue;
    let url = host;
    if (host === hostPart) {
      const path = pathPart(rawPath);
      url += port + path + (path === rawPath ? trimEnd(rawQuery, QUERY_END) : '');
    }
    found.push({ start: m.index, end: m.index + url.length, kind: 'url', value: url });
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
