// The details people notice (issue 19), each in a real Chromium: a post's visibility shown, the same
// post shown twice agreeing on its like, editing with an "edited" label and the history, the post
// menu, deleting the open post, who liked and reposted, direct messages, follower counts and
// "Requested" that update, times that move, Back returning to the same place, emoji from the
// app's own font, unknown paths, and phone layouts at 390 and 320 px.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { Client, type RunningApp, type User } from '@firebreak/testkit/app.js';
import { appAndBrowser, eventually, PASSWORD, postMenu, skipWithoutChromium, statusByText, type Viewport } from './browser-kit.js';

describe('web client details in chromium', { skip: skipWithoutChromium, timeout: 300_000 }, () => {
  const running = appAndBrowser();
  let server: RunningApp;
  let browser: Browser;
  let client: Client;
  let people: Record<'pia' | 'quinn' | 'rosa', User>;
  const errors: string[] = [];

  before(async () => {
    ({ server, browser } = running);
    client = new Client(server.app);
    people = { pia: await client.register('pia'), quinn: await client.register('quinn'), rosa: await client.register('rosa') };
    await api('pia', 'POST', `/api/v1/accounts/${people.quinn.id}/follow`);
  });

  async function api(who: keyof typeof people, method: string, url: string, body?: object) {
    const res = await client.request(method, url, { token: people[who].token, body });
    assert.ok(res.status < 300, `${method} ${url}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async function as(who: keyof typeof people, viewport: Viewport = { width: 1280, height: 800 }, options: { fakeClock?: boolean } = {}): Promise<Page> {
    const context = await browser.newContext({ viewport });
    if (options.fakeClock) await context.clock.install();
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(`${who}: ${e.message}`));
    await page.goto(`${server.url}/sign_in`);
    await page.getByLabel('E-mail or username').fill(who);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Home' }).waitFor();
    return page;
  }

  test('visibility is shown on every post; a post and its repost agree on the like', async () => {
    const original = await api('quinn', 'POST', '/api/v1/statuses', { status: 'Shown twice' });
    await api('quinn', 'POST', '/api/v1/statuses', { status: 'Just for followers', visibility: 'private' });
    await api('quinn', 'POST', '/api/v1/statuses', { status: '@pia only you and me', visibility: 'direct' });
    await api('quinn', 'POST', '/api/v1/statuses', { status: 'Quietly', visibility: 'unlisted' });
    await api('quinn', 'POST', `/api/v1/statuses/${original.id}/reblog`);
    const pia = await as('pia');
    await statusByText(pia, 'Just for followers').getByText('Followers', { exact: true }).waitFor();
    await statusByText(pia, 'only you and me').getByText('Mentioned only').waitFor();
    await statusByText(pia, 'Quietly').getByText('Unlisted').waitFor();
    const copies = pia.locator(`article.status[data-status-id="${original.id}"]`);
    await eventually(() => copies.count(), 2, 'the post and its repost are both on the timeline');
    await copies.first().getByRole('button', { name: /^Like/ }).click();
    for (const i of [0, 1]) {
      await eventually(() => copies.nth(i).getByRole('button', { name: /^Like/ }).getAttribute('aria-pressed'), 'true', `copy ${i} shows the like`);
      await eventually(() => copies.nth(i).getByRole('button', { name: /^Like/ }).textContent(), 'Like1');
    }
    // The direct message is in the Messages tab.
    await pia.getByRole('link', { name: 'Messages' }).click();
    await pia.getByRole('heading', { name: 'Messages' }).waitFor();
    await pia.locator('article.conversation', { hasText: 'only you and me' }).getByText('quinn').waitFor();
  });

  test('edit with history; the post menu; who liked and reposted; deleting the open post', async () => {
    const mine = await api('pia', 'POST', '/api/v1/statuses', { status: 'First words' });
    await api('quinn', 'POST', `/api/v1/statuses/${mine.id}/favourite`);
    await api('quinn', 'POST', `/api/v1/statuses/${mine.id}/reblog`);
    const pia = await as('pia');
    await pia.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await pia.goto(`${server.url}/@pia/${mine.id}`);
    await pia.getByRole('heading', { name: 'Post' }).waitFor();
    const focused = pia.locator('article.focused');

    await postMenu(pia, 'First words', 'Edit');
    const dialog = pia.getByRole('dialog', { name: 'Edit post' });
    await eventually(() => dialog.getByLabel('Edited text').inputValue(), 'First words');
    await dialog.getByLabel('Edited text').fill('Better words');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await pia.getByText('Post edited').waitFor();
    await focused.getByText('Better words').waitFor();
    await focused.getByRole('button', { name: 'Edited' }).click();
    const history = pia.getByRole('dialog', { name: 'Edit history' });
    await history.getByText('First words').waitFor();
    await history.getByText('Better words').waitFor();
    await pia.keyboard.press('Escape');

    await postMenu(pia, 'Better words', 'Copy link');
    await pia.getByText('Link copied').waitFor();
    assert.equal(await pia.evaluate(() => navigator.clipboard.readText()), `${server.url}/@pia/${mine.id}`);

    await focused.getByRole('link', { name: '1 like' }).click();
    await pia.getByRole('heading', { name: 'Liked by' }).waitFor();
    await pia.getByRole('list', { name: 'Liked by' }).getByText('@quinn').waitFor();
    await pia.goBack();
    await focused.getByRole('link', { name: '1 repost' }).click();
    await pia.getByRole('list', { name: 'Reposted by' }).getByText('@quinn').waitFor();
    await pia.goBack();

    await postMenu(pia, 'Better words', 'Delete');
    await pia.getByRole('alertdialog').getByRole('button', { name: 'Delete' }).click();
    await pia.getByText('This post was deleted.').waitFor();
    assert.equal(await pia.getByLabel('Reply text').count(), 0, 'no reply box under a deleted post');
    assert.equal(await pia.locator('article.status').count(), 0);
  });

  test('follower counts and "Requested" update without a reload', async () => {
    await api('rosa', 'PATCH', '/api/v1/accounts/update_credentials', { locked: true });
    const pia = await as('pia');
    await pia.goto(`${server.url}/@rosa`);
    const followers = pia.getByRole('link', { name: /followers/ });
    await eventually(() => followers.textContent(), '0 followers');
    await pia.getByRole('button', { name: 'Follow', exact: true }).click();
    await pia.getByRole('button', { name: 'Requested' }).waitFor();
    await pia.getByRole('region', { name: 'Outbox' }).getByText('Sent').waitFor(); // the request reached the server
    await api('rosa', 'POST', `/api/v1/follow_requests/${people.pia.id}/authorize`);
    await pia.evaluate(() => window.dispatchEvent(new Event('focus'))); // coming back to the tab looks again
    await pia.getByRole('button', { name: 'Unfollow' }).waitFor();
    await eventually(() => followers.textContent(), '1 followers');
    await pia.getByRole('button', { name: 'Unfollow' }).click();
    await pia.getByRole('button', { name: 'Follow', exact: true }).waitFor();
    await eventually(() => followers.textContent(), '0 followers');
  });

  test('relative times move on; emoji are drawn in colour, as the app\'s own images where the system has no emoji font', async () => {
    await api('quinn', 'POST', '/api/v1/statuses', { status: 'Fresh off the press 🔥🧯' });
    // Signed in: under load the server sheds anonymous reads first, and this test is about the page.
    const page = await as('pia', undefined, { fakeClock: true });
    await page.goto(`${server.url}/@quinn`);
    const time = statusByText(page, 'Fresh off the press').locator('time');
    await eventually(() => time.textContent(), 'now');
    await page.clock.fastForward('03:00');
    await eventually(() => time.textContent(), '3m');
    // Where the system draws emoji in colour they stay text; where it cannot (this machine has no
    // emoji font, say), each is the app's own Twemoji image with the character as its text.
    const systemColour = await page.evaluate(() => !document.documentElement.classList.contains('emoji-images'));
    if (!systemColour) {
      const fire = statusByText(page, 'Fresh off the press').locator('img.emoji[alt="\u{1F525}"]');
      await eventually(() => fire.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), true, 'the image loaded');
      assert.match(await fire.getAttribute('src') ?? '', /^\/web\/emoji\/[\d.]+\/1f525\.svg$/);
      assert.equal(await statusByText(page, 'Fresh off the press').locator('.content').evaluate((el) => el.textContent), 'Fresh off the press ', 'the text keeps no emoji twice');
      assert.match(await statusByText(page, 'Fresh off the press').getAttribute('aria-labelledby') ?? '', /-text/);
    }
  });

  test('Back returns to the same place in the timeline, with the same post focused', async () => {
    for (let i = 0; i < 30; i++) await api('quinn', 'POST', '/api/v1/statuses', { status: `Scroll item ${i}` });
    const pia = await as('pia');
    await pia.goto(`${server.url}/`);
    await statusByText(pia, 'Scroll item 29').waitFor();
    await pia.locator('body').click({ position: { x: 5, y: 400 } });
    for (let i = 0; i < 12; i++) await pia.keyboard.press('j');
    const id = await pia.evaluate(() => document.activeElement?.getAttribute('data-id'));
    await pia.waitForTimeout(400); // the place is saved as the page settles
    const scrolled = await pia.evaluate(() => window.scrollY);
    assert.ok(scrolled > 500, `scrolled down: ${scrolled}`);
    await pia.keyboard.press('Enter');
    await pia.getByRole('heading', { name: 'Post' }).waitFor();
    await pia.goBack();
    await pia.getByRole('heading', { name: 'Home' }).waitFor();
    await eventually(() => pia.evaluate(() => document.activeElement?.getAttribute('data-id')), id, 'the same post has focus');
    const back = await pia.evaluate(() => window.scrollY);
    assert.ok(Math.abs(back - scrolled) < 50, `back at ${back}, was at ${scrolled}`);
  });

  test('unknown paths are the app\'s "Page not found"', async () => {
    const pia = await as('pia');
    for (const path of ['/explore', '/home', '/directory']) {
      const response = await pia.goto(`${server.url}${path}`);
      assert.equal(response!.status(), 404, path);
      await pia.getByRole('heading', { name: 'Page not found' }).waitFor();
      await pia.getByRole('link', { name: 'Home', exact: true }).waitFor();
    }
  });

  for (const width of [390, 320]) {
    test(`a ${width} px phone: nothing overlaps, nothing scrolls sideways`, async () => {
      await api('pia', 'POST', '/api/v1/statuses', { status: 'A post of mine with a long unbroken word: Feuerwehrübungsplatzverwaltungsgebäude and more text after it' });
      const phone = await as('pia', { width, height: 844 });
      for (const path of ['/', '/@pia', '/@quinn', '/notifications', '/conversations', '/search?q=scroll', '/settings']) {
        await phone.goto(`${server.url}${path}`);
        await phone.locator('main h1').first().waitFor();
        await phone.waitForLoadState('networkidle');
        const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `${path} scrolls sideways by ${overflow}px`);
        // Every post's buttons sit inside the post and inside the screen, and the tab bar covers none of them.
        const problems = await phone.evaluate(() => {
          const out: string[] = [];
          const nav = document.getElementById('nav')!.getBoundingClientRect();
          for (const el of document.querySelectorAll('#nav a, #nav button')) {
            const r = el.getBoundingClientRect();
            if (r.left < 0 || r.right > window.innerWidth) out.push(`tab ${el.textContent} outside the screen`);
          }
          for (const article of document.querySelectorAll('article.status')) {
            const box = article.getBoundingClientRect();
            for (const b of article.querySelectorAll('.actions button')) {
              const r = b.getBoundingClientRect();
              if (r.right > box.right + 1 || r.left < box.left - 1 || r.right > window.innerWidth) out.push(`${b.getAttribute('title')} outside its post`);
              const under = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
              if (r.bottom < nav.top && under && !b.contains(under)) out.push(`${b.getAttribute('title')} covered by ${under.tagName}.${under.className}`);
            }
          }
          return out;
        });
        assert.deepEqual(problems, [], path);
      }
      await phone.goto(`${server.url}/`);
      await phone.locator('#nav').getByRole('button', { name: 'Post' }).click();
      await phone.getByRole('dialog', { name: 'New post' }).waitFor();
    });
  }

  test('no page errors', () => assert.deepEqual(errors, []));
});
