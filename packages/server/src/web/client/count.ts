// Counts characters the way the server does (src/domain/text.ts countCharacters): grapheme clusters,
// every http(s) URL as 23, a mention of a remote account as just its @username. The server uses
// twitter-text to find URLs; loading that library in the page would cost more than all our code, so
// this is a small regex that agrees with it on ordinary text (test/web/count.test.ts compares both
// on a corpus). Known difference: twitter-text also checks the top-level domain against its list, so
// "https://example.notatld" counts as 23 here and in full there. The server stays the judge: a post it finds too long is refused with a clear error.
export const CHARACTERS_PER_URL = 23;

// Host may be any letters (IDN); the rest of the URL is printable ASCII, as twitter-text has it.
const URL_PATTERN = /(?<![\w@#$/])https?:\/\/[\p{L}\p{N}.-]+[\x21-\x7e]*/giu;
const TRAILING_PUNCTUATION = /[.,:;!?'"\])}]+$/u;
const MENTION = /(?<=^|[^/\w])@([a-z0-9_]+)(?:@([a-z0-9.-]+[a-z0-9]+))?/gi;
const segmenter = new Intl.Segmenter();

interface Span { start: number; end: number; replacement: string }

function spans(text: string): Span[] {
  const found: Span[] = [];
  for (const m of text.matchAll(URL_PATTERN)) {
    let url = m[0];
    // A closing bracket stays when the URL opened one: https://en.wikipedia.org/wiki/Fire_(classical_element)
    const trimmed = url.replace(TRAILING_PUNCTUATION, '');
    url = trimmed.endsWith('(') || url.slice(trimmed.length).startsWith(')') && trimmed.includes('(') ? trimmed + ')' : trimmed;
    if (/^https?:\/\/[\p{L}\p{N}-]+(\.[\p{L}\p{N}-]+)*\.[\p{L}]{2,}/u.test(url)) {
      found.push({ start: m.index!, end: m.index! + url.length, replacement: 'x'.repeat(CHARACTERS_PER_URL) });
    }
  }
  for (const m of text.matchAll(MENTION)) found.push({ start: m.index!, end: m.index! + m[0].length, replacement: `@${m[1]}` });
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: Span[] = [];
  let cursor = 0;
  for (const s of found) {
    if (s.start < cursor) continue;
    kept.push(s);
    cursor = s.end;
  }
  return kept;
}

export function countCharacters(text: string): number {
  let counted = '';
  let cursor = 0;
  for (const s of spans(text)) {
    counted += text.slice(cursor, s.start) + s.replacement;
    cursor = s.end;
  }
  counted += text.slice(cursor);
  let n = 0;
  for (const _ of segmenter.segment(counted)) n++;
  return n;
}
