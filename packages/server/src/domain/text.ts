// Status text: counting like Mastodon (graphemes; every URL counts as 23; remote mention domains free)
// and rendering to safe HTML with linked URLs, @mentions and #hashtags. Everything that is not one of
// those entities is HTML-escaped, so user text can never become markup.
import twitter from 'twitter-text';

export const CHARACTERS_PER_URL = 23;
const MENTION = /(?<=^|[^/\w])@([a-z0-9_]+)(?:@([a-z0-9.-]+[a-z0-9]+))?/gi;
const segmenter = new Intl.Segmenter();

interface Entity { start: number; end: number; kind: 'url' | 'tag' | 'mention'; value: string; domain?: string }

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function extractEntities(text: string): Entity[] {
  const found: Entity[] = [];
  for (const u of twitter.extractUrlsWithIndices(text, { extractUrlsWithoutProtocol: false })) {
    found.push({ start: u.indices[0], end: u.indices[1], kind: 'url', value: u.url });
  }
  for (const h of twitter.extractHashtagsWithIndices(text)) {
    found.push({ start: h.indices[0], end: h.indices[1], kind: 'tag', value: h.hashtag });
  }
  for (const m of text.matchAll(MENTION)) {
    found.push({ start: m.index!, end: m.index! + m[0].length, kind: 'mention', value: m[1]!, domain: m[2] });
  }
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const entities: Entity[] = [];
  let cursor = 0;
  for (const e of found) {
    if (e.start < cursor) continue; // overlaps an earlier entity (a #fragment inside a URL, say)
    entities.push(e);
    cursor = e.end;
  }
  return entities;
}

export function countCharacters(text: string): number {
  let counted = '';
  let cursor = 0;
  for (const e of extractEntities(text)) {
    if (e.kind === 'tag') continue;
    counted += text.slice(cursor, e.start) + (e.kind === 'url' ? 'x'.repeat(CHARACTERS_PER_URL) : `@${e.value}`);
    cursor = e.end;
  }
  counted += text.slice(cursor);
  let n = 0;
  for (const _ of segmenter.segment(counted)) n++;
  return n;
}

export interface ParsedText { mentions: string[]; tags: string[] }

/** Local usernames mentioned (bare, or qualified with our own domain) and hashtags, de-duplicated. */
export function parseText(text: string, localDomain: string): ParsedText {
  const mentions = new Set<string>();
  const tags = new Map<string, string>();
  for (const e of extractEntities(text)) {
    if (e.kind === 'mention' && (!e.domain || e.domain.toLowerCase() === localDomain.toLowerCase())) mentions.add(e.value.toLowerCase());
    if (e.kind === 'tag' && !tags.has(e.value.toLowerCase())) tags.set(e.value.toLowerCase(), e.value);
  }
  return { mentions: [...mentions], tags: [...tags.values()].slice(0, 30) };
}

export interface RenderContext {
  baseUrl: string;
  localDomain: string;
  /** Lower-cased username → true for accounts that exist locally; only these become links. */
  knownAccounts: Set<string>;
}

function renderInline(text: string, ctx: RenderContext): string {
  let html = '';
  let cursor = 0;
  for (const e of extractEntities(text)) {
    html += escapeHtml(text.slice(cursor, e.start));
    const raw = text.slice(e.start, e.end);
    if (e.kind === 'url') {
      const display = e.value.replace(/^https?:\/\/(www\.)?/i, '');
      const shown = display.length > 30 ? `${display.slice(0, 30)}…` : display;
      html += `<a href="${escapeHtml(e.value)}" target="_blank" rel="nofollow noopener noreferrer" translate="no">${escapeHtml(shown)}</a>`;
    } else if (e.kind === 'tag') {
      html += `<a href="${ctx.baseUrl}/tags/${encodeURIComponent(e.value.toLowerCase())}" class="mention hashtag" rel="tag">#<span>${escapeHtml(e.value)}</span></a>`;
    } else if ((!e.domain || e.domain.toLowerCase() === ctx.localDomain.toLowerCase()) && ctx.knownAccounts.has(e.value.toLowerCase())) {
      html += `<span class="h-card" translate="no"><a href="${ctx.baseUrl}/@${escapeHtml(e.value)}" class="u-url mention">@<span>${escapeHtml(raw.slice(1))}</span></a></span>`;
    } else {
      html += escapeHtml(raw);
    }
    cursor = e.end;
  }
  return html + escapeHtml(text.slice(cursor));
}

export function renderStatusHtml(text: string, ctx: RenderContext): string {
  const paragraphs = text.replace(/\r\n?/g, '\n').trim().split(/\n{2,}/).filter((p) => p.length > 0);
  return paragraphs.map((p) => `<p>${p.split('\n').map((line) => renderInline(line, ctx)).join('<br />')}</p>`).join('');
}

/** Bios are plain text too, rendered the same way. */
export const renderNoteHtml = renderStatusHtml;
