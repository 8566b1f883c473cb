// The web UI's reading controls in a real browser (chromium through playwright-core): grouped
// notifications ("… and 2 others liked your post"), filtered notification requests, lists (made,
// filled and read), filters (warn and hide), followed hashtags, the direct messages tab, private
// notes on profiles, and the about page.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Client, startListeningApp, type RunningApp, type User } from '@firebreak/testkit/app.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const PASSWORD = 'correct horse battery';
// In CI a missing browser is a failure (the test runs and fails to launch), never a silent skip.
const skip = !existsSync(CHROMIUM) && process.env.CI !== 'true' ? `chromium not found at ${CHROMIUM}` : false;

describe('reading controls in chromium', { skip, timeout: 240_000 }, () => {
  let server: RunningApp;
  let browser: Browser;
  let c: Client;
  const errors: string[] = [];

  before(async () => {
    server = await startListeningApp();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    c = new Client(server.app);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const api = async (user: User, method: string, url: string, body?: unknown) => {
    const res = await c.request(method, url, { token: user.token, body });
    assert.ok(res.status < 300, `${method} ${url}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  async function signIn(username: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(`${username}: ${e.message}`));
    await page.goto(`${server.url}/sign_in`);
    await page.getByLabel('E-mail or username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Home' }).waitFor();
    return page;
  }

  test('grouped notifications and filtered requests', async () => {
    const ana = await c.register('ana');
    const fans = [await c.register('fan_a'), await c.register('fan_b'), await c.register('fan_c')];
    for (const [i, fan] of fans.entries()) await api(fan, 'PATCH', '/api/v1/accounts/update_credentials', { display_name: `Fan ${'ABC'[i]}` });
    const post = await c.post(ana, 'a post for the fans');
    for (const fan of fans) await api(fan, 'POST', `/api/v1/statuses/${post.id}/favourite`);
    const page = await signIn('ana');
    await page.getByRole('link', { name: /Notifications/ }).first().click();
    const group = page.locator('article.notification.favourite');
    await group.waitFor();
    assert.equal(await group.count(), 1, 'three likes are one row');
    assert.match(await group.innerText(), /Fan C and 2 others liked your post/);
    assert.equal(await group.locator('.group-avatars img').count(), 3);

    // A stranger's private mention is filtered (Mastodon's default); accepting it brings it in.
    const stranger = await c.register('stranger');
    await c.post(stranger, '@ana a private hello', { visibility: 'direct' });
    await page.reload();
    await page.getByRole('link', { name: 'Filtered (1)' }).click();
    await page.getByRole('heading', { name: 'Filtered notifications' }).waitFor();
    const request = page.locator('article.notification-request');
    assert.match(await request.innerText(), /1 notification/);
    await request.getByRole('button', { name: 'Accept' }).click();
    await request.getByText('Accepted').waitFor();
    await page.getByLabel('Unsolicited private mentions').selectOption('accept');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').waitFor();
    assert.equal((await api(ana, 'GET', '/api/v2/notifications/policy')).for_private_mentions, 'accept');
    await page.goto(`${server.url}/notifications`);
    await page.locator('article.status', { hasText: 'a private hello' }).waitFor();
  });

  test('lists: make one, add someone, read it; exclusive lists leave home', async () => {
    const ben = await c.register('ben');
    const [cal, dee] = [await c.register('cal'), await c.register('dee')];
    for (const u of [cal, dee]) await api(ben, 'POST', `/api/v1/accounts/${u.id}/follow`);
    const page = await signIn('ben');
    await page.getByRole('link', { name: 'Lists' }).click();
    await page.getByText('No lists yet.').waitFor();
    await page.getByLabel('Title').fill('Cal only');
    await page.getByLabel('Hide these people\'s posts from Home').check();
    await page.getByRole('button', { name: 'Create list' }).click();
    await page.getByRole('heading', { name: 'Cal only' }).waitFor();
    await page.getByText(/Manage list/).click();
    const calRow = page.locator('.account-row', { hasText: '@cal' });
    await calRow.getByRole('button', { name: 'Add' }).click();
    await calRow.getByRole('button', { name: 'Remove' }).waitFor();
    const [list] = await api(ben, 'GET', '/api/v1/lists');
    assert.deepEqual((await api(ben, 'GET', `/api/v1/lists/${list.id}/accounts`)).map((a: any) => a.id), [cal.id]);
    // Posts arrive live on the list's page (its stream), and only the members'.
    await page.waitForTimeout(300);
    await c.post(dee, 'dee is not listed');
    await c.post(cal, 'cal says hi to the list');
    await page.getByRole('button', { name: /Show 1 new post/ }).click();
    await page.locator('article.status', { hasText: 'cal says hi to the list' }).waitFor();
    assert.equal(await page.locator('article.status', { hasText: 'dee is not listed' }).count(), 0);
    await page.goto(`${server.url}/`);
    await page.locator('article.status', { hasText: 'dee is not listed' }).waitFor();
    assert.equal(await page.locator('article.status', { hasText: 'cal says hi' }).count(), 0, 'an exclusive list\'s members leave home');
  });

  test('filters warn and hide; followed hashtags; messages; private notes; about', async () => {
    const eve = await c.register('eve');
    const fay = await c.register('fay');
    await api(eve, 'POST', `/api/v1/accounts/${fay.id}/follow`);
    await c.post(fay, 'the ending was a surprise');
    await c.post(fay, 'nothing secret here, really classified');
    const page = await signIn('eve');
    await page.goto(`${server.url}/filters`);
    await page.getByLabel('Title').fill('Spoilers');
    await page.getByLabel('Words (separated by commas)').fill('ending');
    await page.getByRole('button', { name: 'Add filter' }).click();
    await page.locator('article.filter', { hasText: 'Spoilers' }).waitFor();
    const form = page.getByRole('form', { name: 'New filter' });
    await form.getByLabel('Title').fill('Classified');
    await form.getByLabel('Words (separated by commas)').fill('classified');
    await form.getByLabel('Filtered posts are').selectOption('hide');
    await form.getByRole('button', { name: 'Add filter' }).click();
    await page.locator('article.filter', { hasText: 'Classified' }).waitFor();
    await page.goto(`${server.url}/`);
    const warned = page.locator('article.status', { hasText: 'Filtered: Spoilers' });
    await warned.waitFor();
    assert.equal(await page.getByText('the ending was a surprise').isVisible(), false, 'hidden behind the warning');
    await warned.getByRole('button', { name: 'Show anyway' }).click();
    await page.getByText('the ending was a surprise').waitFor();
    assert.equal(await page.locator('article.status', { hasText: 'classified' }).count(), 0, 'hide: never on the page');

    // Following a hashtag from its page.
    await c.post(fay, 'about #birds');
    await page.goto(`${server.url}/tags/birds`);
    await page.getByRole('button', { name: 'Follow' }).click();
    await page.getByRole('button', { name: 'Unfollow' }).waitFor();
    await page.goto(`${server.url}/followed_tags`);
    await page.getByRole('list', { name: 'Followed hashtags' }).getByRole('link', { name: '#birds' }).waitFor();

    // The direct messages tab: a conversation arrives, opens its thread.
    await page.goto(`${server.url}/conversations`);
    await page.getByText(/^No messages yet/).waitFor();
    await page.waitForTimeout(300);
    await c.post(fay, '@eve just between us', { visibility: 'direct' });
    const conversation = page.locator('article.conversation', { hasText: 'just between us' });
    await conversation.waitFor();
    await conversation.click();
    await page.getByRole('heading', { name: 'Post' }).waitFor();

    // A private note on Fay's profile, kept across a reload.
    await page.goto(`${server.url}/@fay`);
    await page.getByLabel('Private note').fill('met at the bird club');
    await page.getByRole('button', { name: 'Save note' }).click();
    await page.getByText('Saved.').waitFor();
    await page.reload();
    assert.equal(await page.getByLabel('Private note').inputValue(), 'met at the bird club');
    await page.goto(`${server.url}/@eve`);
    assert.equal(await page.getByLabel('Private note').count(), 0, 'no note on one\'s own profile');

    await page.goto(`${server.url}/about`);
    await page.getByRole('heading', { name: 'About this server' }).waitFor();
    assert.deepEqual(errors, []);
  });
});
