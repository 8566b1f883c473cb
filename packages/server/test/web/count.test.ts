// The compose box's counter must agree with the server's, or people get "too long" after the fact.
// Both count with src/shared/status-length.ts; they differ only in how they find URLs (the server
// with twitter-text, the page with findUrls), so that is what these tests pin down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import twitter from 'twitter-text';
import { countCharacters as serverCount } from '@firebreak/server/domain/text.js';
import { findUrls, statusLength as pageCount } from '@firebreak/server/shared/status-length.js';

const corpus = [
  '', 'hello', 'héllo wörld', '👩‍👩‍👧 family', '🇫🇷🇩🇪', 'e\u0301 combining',
  'see https://example.com', 'see https://example.com/a/b?c=d#e, and more', 'http://example.org.', '(https://example.com/x)',
  'https://en.wikipedia.org/wiki/Fire_(classical_element) nice', 'two https://a.example.com https://b.example.net/path',
  'https://例え.jp/パス', 'not a url: example.com', 'ftp://example.com', 'https://localhost:3000/x',
  'hi @alice and @bob@remote.example', '@alice@firebreak.example hello', 'mail me: a@example.com', '#tag #Tag2 #日本',
  'https://example.com/@user/123', 'https://example.com:8080/x', 'https://sub.example.co.uk/p?q=1', 'x'.repeat(500), 'line\nbreaks\r\nhere', 'https://example.com!!!', '"https://example.com"',
  // The page counted most of these differently before its findUrls followed twitter-text's shape of a URL.
  'HTTPS://EXAMPLE.COM/News', 'Https://example.com', "https://example.com's front page", 'https://example.com#top', 'https://example.com:8080#top',
  '<https://example.com/a>', 'https://example.com/a?b=c.', 'https://example.com/a?b=c!', 'https://example.com/wiki/(', 'x/https://example.com', '_https://example.com',
  'https://example.com/café?q=1', 'https://example.com/путь', '(see https://example.com/a_(b)_c)',
];

test('the page counts characters like the server', () => {
  for (const text of corpus) assert.equal(pageCount(text), serverCount(text), JSON.stringify(text));
});

test('the page finds the URLs twitter-text finds', () => {
  for (const text of corpus) assert.deepEqual(findUrls(text).map((u) => u.value), twitter.extractUrls(text, { extractUrlsWithoutProtocol: false }), JSON.stringify(text));
});

// Ordinary text around URLs with top-level domains twitter-text knows (the one known difference).
const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?$/);
const url = fc.record({
  scheme: fc.constantFrom('http://', 'https://', 'HTTPS://', 'Https://'),
  host: fc.array(label, { minLength: 1, maxLength: 3 }).map((labels) => labels.join('.')),
  tld: fc.constantFrom('com', 'org', 'dev', 'io', 'co.uk', 'jp', 'social', 'みんな'),
  port: fc.constantFrom('', ':8080'),
  path: fc.option(fc.array(fc.constantFrom('a', 'Path', 'Fire_(element)', 'x-y', 'file.html', '%20', '123', 'café', 'путь', '@user', '~me', ''), { maxLength: 4 }).map((s) => `/${s.join('/')}`), { nil: '' }),
  query: fc.option(fc.array(fc.constantFrom('a=1', 'q=hello+world', 'x', 'utm_source=x'), { minLength: 1, maxLength: 3 }).map((q) => `?${q.join('&')}`), { nil: '' }),
  fragment: fc.constantFrom('', '#top', '#'),
}).map((u) => `${u.scheme}${u.host}.${u.tld}${u.port}${u.path}${u.query}${u.fragment}`);
const word = fc.constantFrom('word', 'Wörter', '日本語', '👩‍👩‍👧', 'e\u0301', '@alice', '@bob@remote.example', '#tag', '#日本', 'example.com', 'a@example.com', "it's", '$5');
const before = fc.constantFrom(' ', '\n', ' (', '"', "'", '…', '—', '。', ': ', '<', '[');
const after = fc.constantFrom(' ', '\n', ', ', '. ', ') ', '"', "'s ", '! ', '? ', ': ', '…', '。', '.\n', '>', '] ');
// After a URL's closing punctuation comes a space: text glued on after it ("a.com。example.com",
// 'a.com"example.com') is where twitter-text consults its list of top-level domains, which the page
// does not ship (a known difference, like "https://example.notatld"). Generated texts without the
// space sometimes found that difference, and the test failed now and then.
const text = fc.array(fc.oneof(word.map((w) => `${w} `), fc.tuple(before, url, after).map(([b, u, a]) => `${b}${u}${a}${/\s$/.test(a) ? '' : ' '}`)), { maxLength: 8 }).map((parts) => parts.join(''));

test('the page counts generated text with URLs like the server', () => {
  fc.assert(fc.property(text, (t) => { assert.equal(pageCount(t), serverCount(t)); }), { numRuns: 2000 });
});
