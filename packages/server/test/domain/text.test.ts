// Properties of the status text renderer and counter, checked over generated input (fast-check).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { countCharacters, parseText, renderStatusHtml } from '@firebreak/server/domain/text.js';

const ctx = { baseUrl: 'https://firebreak.test', localDomain: 'firebreak.test', knownAccounts: new Set(['alice', 'bob']) };

/** Text with the pieces that matter: markup characters, entities, newlines, emoji and combining marks. */
const piece = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('<', '>', '&', '"', "'", '<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '\n', '\n\n', ' ',
    '@alice', '@bob@firebreak.test', '@nobody', '@carol@elsewhere.example', '#tag', '#Ünïcode', 'https://example.com/a?b=1&c=<d>',
    'http://x.test/"onmouseover="alert(1)', '👩‍👩‍👧', 'é', 'e\u0301', '🇫🇷', 'javascript:alert(1)'),
);
const statusText = fc.array(piece, { maxLength: 20 }).map((parts) => parts.join(''));

function stripTags(html: string): string {
  return html.replace(/<br \/>/g, '\n').replace(/<\/p><p>/g, '\n\n').replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

it('never lets user text become markup: the only tags are the ones the renderer writes', () => {
  fc.assert(fc.property(statusText, (text) => {
    const html = renderStatusHtml(text, ctx);
    for (const tag of html.match(/<[^>]*>/g) ?? []) {
      assert.match(tag, /^<(\/?p|br \/|\/a|\/span|span( class="(h-card|invisible)")?( translate="no")?|a href="[^"<>]*"( target="_blank" rel="nofollow noopener noreferrer" translate="no"| class="(mention hashtag|u-url mention)"( rel="tag")?))>$/, tag);
    }
    assert.ok(!/[<>]/.test(html.replace(/<[^>]*>/g, '')), 'every < and > of user text is escaped');
  }), { numRuns: 2000 });
});

it('keeps every visible character of the text (modulo whitespace and shortened link labels)', () => {
  fc.assert(fc.property(statusText, (text) => {
    if (/https?:\/\//.test(text)) return; // long link labels are shortened with an ellipsis
    const shown = stripTags(renderStatusHtml(text, ctx)).replace(/\s+/g, '');
    assert.equal(shown, text.replace(/\r/g, '').replace(/\s+/g, ''));
  }), { numRuns: 2000 });
});

it('counts graphemes, with every URL as 23 characters and remote mention domains free', () => {
  assert.equal(countCharacters('hello'), 5);
  assert.equal(countCharacters('👩‍👩‍👧🇫🇷e\u0301'), 3);
  assert.equal(countCharacters(`see https://example.com/${'x'.repeat(100)}`), 4 + 23);
  assert.equal(countCharacters('@carol@elsewhere.example hi'), '@carol hi'.length);
  fc.assert(fc.property(fc.webUrl(), fc.string({ maxLength: 30 }), (url, words) => {
    const text = `${words.replace(/\S*:\/\/\S*/g, '')} ${url}`;
    if (text.includes('#') || text.includes('@')) return;
    assert.ok(countCharacters(text) <= [...new Intl.Segmenter().segment(text)].length + 23);
  }), { numRuns: 500 });
});

it('extracts local mentions and hashtags once each, case-insensitively', () => {
  const parsed = parseText('@Alice @alice @bob@firebreak.test @carol@elsewhere.example #Tea #tea #Coffee', 'firebreak.test');
  assert.deepEqual(parsed.mentions.sort(), ['alice', 'bob']);
  assert.deepEqual(parsed.tags, ['Tea', 'Coffee']);
});
