// The compose box's counter must agree with the server's, or people get "too long" after the fact.
// Both count with src/shared/status-length.ts; they differ only in how they find URLs (the server
// with twitter-text, the page with findUrls).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countCharacters as serverCount } from '@firebreak/server/domain/text.js';
import { statusLength as pageCount } from '@firebreak/server/shared/status-length.js';

const corpus = [
  '', 'hello', 'héllo wörld', '👩‍👩‍👧 family', '🇫🇷🇩🇪', 'e\u0301 combining',
  'see https://example.com', 'see https://example.com/a/b?c=d#e, and more', 'http://example.org.', '(https://example.com/x)',
  'https://en.wikipedia.org/wiki/Fire_(classical_element) nice', 'two https://a.example.com https://b.example.net/path',
  'https://例え.jp/パス', 'not a url: example.com', 'ftp://example.com', 'https://localhost:3000/x',
  'hi @alice and @bob@remote.example', '@alice@firebreak.example hello', 'mail me: a@example.com', '#tag #Tag2 #日本',
  'https://example.com/@user/123', 'https://例え.jp/パス', 'https://example.com:8080/x', 'https://sub.example.co.uk/p?q=1', 'x'.repeat(500), 'line\nbreaks\r\nhere', 'https://example.com!!!', '"https://example.com"',
];

test('the page counts characters like the server', () => {
  for (const text of corpus) assert.equal(pageCount(text), serverCount(text), JSON.stringify(text));
});
