// The web UI in a real browser (Debian's chromium through playwright-core): two people sign up,
// follow each other, post and see each other's posts arrive live, reply, quote, like, repost, open
// the thread, get notifications, search, edit their profile and sign out. XSS attempts in a post, a
// bio and a display name must stay inert text.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startApp, type RunningApp } from './helpers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const PASSWORD = 'correct horse battery';
const haveChromium = existsSync(CHROMIUM);
// In CI a missing browser is a failure (the test runs and fails to launch), never a silent skip.
const skip = !haveChromium && process.env.CI !== 'true' ? `chromium not found at ${CHROMIUM}` : false;

const XSS_NAME = '<img src=x onerror=xss=1>';
const XSS_BIO = '<script>window.xss=2</script><img src=x onerror="window.xss=3">';
const XSS_POST = '<img src=x onerror="window.xss=4"><script>window.xss=5</script> not markup';

describe('web UI in chromium', { skip, timeout: 180_000 }, () => {
  let server: RunningApp;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const consoleErrors: string[] = [];

  before(async () => {
    server = await startApp();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function signUp(username: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    const page = await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(`${username}: ${m.text()}`); });
    page.on('pageerror', (e) => consoleErrors.push(`${username}: ${e.message}`));
    await page.goto(`${server.url}/sign_up`);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('E-mail').fill(`${username}@example.com`);
    await page.getByLabel(/^Password/).fill(PASSWORD);
    await page.getByLabel('I agree to the server rules').check();
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Home' }).waitFor();
    return page;
  }

  const statusByText = (page: Page, text: string) => page.locator('article.status', { hasText: text }).first();

  async function follow(page: Page, username: string): Promise<void> {
    await page.goto(`${server.url}/@${username}`);
    await page.getByRole('button', { name: 'Follow', exact: true }).click();
    await page.getByRole('button', { name: 'Unfollow' }).waitFor();
  }

  async function assertNoScriptRan(page: Page): Promise<void> {
    assert.equal(await page.evaluate(() => (window as unknown as { xss?: number }).xss), undefined, 'an injected script ran');
    assert.equal(await page.locator('img[src="x"]').count(), 0, 'an injected element exists');
    assert.equal(await page.locator('body script').count(), 0, 'an injected script element exists');
  }

  test('two people use Firebreak together, live', async () => {
    const alice = await signUp('alice');
    const bob = await signUp('bob');

    // Strict CSP on the page, and the session cookie is out of reach of scripts.
    const response = await alice.goto(`${server.url}/`);
    assert.match(response!.headers()['content-security-policy']!, /script-src 'self'/);
    assert.ok(!(await alice.evaluate(() => document.cookie)).includes('fb_session'), 'session cookie readable by scripts');
    await alice.getByRole('heading', { name: 'Home' }).waitFor();

    await follow(alice, 'bob');
    await follow(bob, 'alice');

    // Bob posts; Alice, on her home timeline, sees it arrive without reloading.
    await alice.goto(`${server.url}/`);
    await alice.getByRole('heading', { name: 'Home' }).waitFor();
    await bob.goto(`${server.url}/`);
    await bob.getByLabel('Post text').fill('Hello from Bob #firedrill https://example.com/a-very-long-path-that-counts-as-23');
    // 15 + 11 characters of text and hashtag, and the URL counts as 23, as the server counts.
    assert.equal(await bob.locator('.counter').textContent(), `${500 - 15 - 11 - 23} characters left`);
    await bob.locator('main form.composer').getByRole('button', { name: 'Post', exact: true }).click();
    await statusByText(bob, 'Hello from Bob').waitFor();
    await alice.getByRole('button', { name: 'Show 1 new post' }).click();
    const bobsPost = statusByText(alice, 'Hello from Bob');
    await bobsPost.waitFor();

    // Alice replies, quotes, likes and reposts.
    await bobsPost.getByRole('button', { name: 'Reply' }).click();
    const dialog = alice.getByRole('dialog');
    await dialog.getByLabel('Reply text').fill('@bob welcome aboard');
    await dialog.getByRole('button', { name: 'Reply' }).click();
    await dialog.waitFor({ state: 'detached' });
    await bobsPost.getByRole('button', { name: 'Like' }).click();
    await bobsPost.getByRole('button', { name: 'Repost' }).click();
    await alice.waitForFunction(() => document.querySelector('article.status .action.like[aria-pressed="true"]'));
    await bobsPost.getByRole('button', { name: 'Quote' }).click();
    await alice.getByRole('dialog').getByLabel('Post text').fill('Everyone should read this');
    await alice.getByRole('dialog').getByRole('button', { name: 'Post' }).click();
    const quote = statusByText(alice, 'Everyone should read this');
    await quote.locator('.quote', { hasText: 'Hello from Bob' }).waitFor();

    // Bob's posts by Alice arrive live on his timeline too, and his notifications badge counts up.
    await statusByText(bob, 'Everyone should read this').or(bob.getByRole('button', { name: /new post/ })).first().waitFor();
    await bob.locator('#nav .badge').waitFor();
    await bob.getByRole('link', { name: /Notifications/ }).click();
    for (const text of ['liked your post', 'reposted your post', 'quoted your post', 'followed you']) {
      await bob.locator('main').getByText(text).first().waitFor();
    }
    await statusByText(bob, 'welcome aboard').waitFor(); // the mention

    // The thread: Bob's post with Alice's reply under it.
    await bob.goto(`${server.url}/@bob`);
    await statusByText(bob, 'Hello from Bob').locator('a.time').click();
    await bob.getByRole('heading', { name: 'Post' }).waitFor();
    await bob.locator('.thread article.focused', { hasText: 'Hello from Bob' }).waitFor();
    await bob.locator('.thread article', { hasText: 'welcome aboard' }).waitFor();

    // Search: people, hashtags, posts.
    await alice.goto(`${server.url}/search?q=firedrill`);
    await alice.getByRole('region', { name: 'Hashtags' }).getByRole('link', { name: '#firedrill' }).waitFor();
    await alice.getByRole('region', { name: 'Posts' }).getByText('Hello from Bob').waitFor();
    await alice.goto(`${server.url}/search?q=bob`);
    await alice.getByRole('region', { name: 'People' }).getByText('@bob').waitFor();
    await alice.getByRole('link', { name: '#firedrill' }).first().isVisible();
    await alice.goto(`${server.url}/tags/firedrill`);
    await statusByText(alice, 'Hello from Bob').waitFor();

    // Profile edit with hostile display name and bio; a hostile post.
    await alice.goto(`${server.url}/settings`);
    await alice.getByLabel('Display name').fill(XSS_NAME);
    await alice.getByLabel('Bio').fill(XSS_BIO);
    await alice.getByRole('button', { name: 'Save profile' }).click();
    await alice.getByText('Profile saved.').waitFor();
    await alice.goto(`${server.url}/`);
    await alice.getByLabel('Post text').fill(XSS_POST);
    await alice.locator('main form.composer').getByRole('button', { name: 'Post', exact: true }).click();
    await statusByText(alice, 'not markup').waitFor();

    // Bob sees all of it as text.
    await bob.goto(`${server.url}/@alice`);
    await bob.getByRole('heading', { name: XSS_NAME }).waitFor();
    await bob.getByText('<script>window.xss=2</script>', { exact: false }).waitFor();
    await statusByText(bob, 'not markup').waitFor();
    assert.ok((await statusByText(bob, 'not markup').textContent())!.includes('<script>window.xss=5</script>'));
    await assertNoScriptRan(bob);
    await bob.goto(`${server.url}/`);
    await statusByText(bob, 'not markup').waitFor();
    await assertNoScriptRan(bob);
    await assertNoScriptRan(alice);

    // Sign out: back to the landing page, and the old session no longer works.
    await alice.goto(`${server.url}/settings`);
    await alice.getByRole('button', { name: 'Sign out' }).click();
    await alice.getByRole('heading', { name: 'Welcome to Firebreak' }).waitFor();
    const cookies = await alice.context().cookies();
    assert.ok(!cookies.some((c) => c.name === 'fb_session' && c.value), 'the session cookie survived sign-out');
    assert.deepEqual(consoleErrors.filter((e) => !/status of 40[14]/.test(e)), []);
  });
});
