// Status text: counting like Mastodon (the rule in src/shared/status-length.ts, with URLs found by
// twitter-text) and rendering to safe HTML with linked URLs, @mentions and #hashtags. Everything that
// is not one of those entities is HTML-escaped, so user text can never become markup.
import twitter from 'twitter-text';
import { unprocessable } from '../errors.js';
import { findMentions, statusLength, withoutOverlaps, type Entity } from '../shared/status-length.js';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function extractEntities(text: string): Entity[] {
  return withoutOverlaps([
    ...twitter.extractUrlsWithIndices(text, { extractUrlsWithoutProtocol: false }).map((u): Entity => ({ start: u.indices[0], end: u.indices[1], kind: 'url', value: u.url })),
    ...twitter.extractHashtagsWithIndices(text).map((h): Entity => ({ start: h.indices[0], end: h.indices[1], kind: 'tag', value: h.hashtag })),
    ...findMentions(text),
  ]);
}

export function countCharacters(text: string): number {
  return statusLength(text, extractEntities(text));
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

/** A required title or keyword: trimmed, not blank, at most `max` characters (Mastodon's messages). */
export function requiredText(field: string, value: string | undefined, max: number): string {
  const trimmed = (value ?? '').trim();
  if (!trimmed) throw unprocessable(`Validation failed: ${field} can't be blank`);
  if ([...trimmed].length > max) throw unprocessable(`Validation failed: ${field} is too long (maximum is ${max} characters)`);
  return trimmed;
}
