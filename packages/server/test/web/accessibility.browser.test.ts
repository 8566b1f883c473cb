// axe-core (4.x) on every page of the web UI, signed in and out, in the light and the dark theme,
// with the dialogs and menus open too: any violation fails the suite. Plus the keyboard: one Tab
// stop per post, arrow keys within it, and "?" for the shortcuts.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { Client, type RunningApp } from '@firebreak/testkit/app.js';
import { appAndBrowser, assertLabelled, axeViolations, PASSWORD, skipWithoutChromium } from './browser-kit.js';

describe('accessibility of the web UI in chromium', { skip: skipWithoutChromium, timeout: 300_000 }, () => {
  const running = appAndBrowser();
  let server: RunningApp;
  let browser: Browser;
  let threadPath = '';

  before(async () => {
    ({ server, browser } = running);
    const client = new Client(server.app);
    const ada = await client.register('ada');
    const ben = await client.register('ben');
    const post = (token: string, body: object) => client.request('POST', '/api/v1/statuses', { token, body });
    await client.request('POST', `/api/v1/accounts/${ben.id}/follow`, { token: ada.token });
    await client.request('POST', `/api/v1/accounts/${ada.id}/follow`, { token: ben.token });
    const first = await post(ben.token, { status: 'Fire drills every week #firedrill https://example.com/drills and @ada knows 🔥' });
    threadPath = `/@ben/${first.body.id}`;
    await post(ada.token, { status: '@ben a reply with a link https://example.com/x', in_reply_to_id: first.body.id });
    await post(ada.token, { status: 'Quoting this', quoted_status_id: first.body.id });
    await post(ben.token, { status: 'Behind a warning', spoiler_text: 'Spoilers' });
    await post(ben.token, { status: 'Only for followers', visibility: 'private' });
    await post(ben.token, { status: '@ada just between us', visibility: 'direct' });
    await client.request('POST', `/api/v1/statuses/${first.body.id}/favourite`, { token: ada.token });
    await client.request('POST', `/api/v1/statuses/${first.body.id}/reblog`, { token: ada.token });
    await client.request('PUT', `/api/v1/statuses/${first.body.id}`, { token: ben.token, body: { status: 'Fire drills every week, edited #firedrill https://example.com/drills and @ada knows 🔥' } });
  });

  async function signedIn(colorScheme: 'light' | 'dark'): Promise<Page> {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme })).newPage();
    await page.goto(`${server.url}/sign_in`);
    await page.getByLabel('E-mail or username').fill('ada');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Home' }).waitFor();
    return page;
  }

  async function settle(page: Page, path: string): Promise<void> {
    await page.goto(`${server.url}${path}`);
    // A loaded machine can be slow to show a page; say what it showed if it never does.
    await page.locator('main h1').first().waitFor({ timeout: 60_000 })
      .catch(async (err: Error) => { throw new Error(`${path}: ${err.message}\n${await page.locator('body').innerText().catch(() => '')}`); });
    await page.waitForLoadState('networkidle');
    await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]'));
  }

  for (const colorScheme of ['light', 'dark'] as const) {
    test(`no axe-core violations on any page (${colorScheme} theme)`, async () => {
      const found: string[] = [];
      const check = async (page: Page, where: string) => { for (const v of await axeViolations(page)) found.push(`${where}: ${v}`); };

      const visitor = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme })).newPage();
      for (const path of ['/', '/sign_in', '/sign_up', '/public/local', '/public', threadPath, '/@ben', '/nowhere']) {
        await settle(visitor, path);
        await check(visitor, `signed out ${path}`);
      }
      const page = await signedIn(colorScheme);
      const pages = ['/', '/public/local', '/notifications', '/conversations', '/search?q=fire', '/tags/firedrill', '/@ben', '/@ada', '/@ada/likes', '/@ben/followers',
        threadPath, `${threadPath}/favourites`, `${threadPath}/reblogs`, '/settings', '/bookmarks', '/follow_requests', '/explore'];
      for (const path of pages) {
        await settle(page, path);
        await check(page, path);
        await assertLabelled(page);
      }
      // Dialogs and menus, open.
      await settle(page, threadPath);
      await page.locator('article.focused').getByRole('button', { name: 'More' }).click();
      await page.getByRole('menuitem', { name: 'Copy link' }).waitFor();
      await check(page, 'the post menu');
      await page.keyboard.press('Escape');
      await page.locator('article.focused').getByRole('button', { name: 'Edited' }).click();
      await page.getByRole('dialog', { name: 'Edit history' }).getByText('Original').waitFor();
      await check(page, 'the edit history');
      await page.keyboard.press('Escape');
      await page.locator('article.focused').getByRole('button', { name: 'Quote' }).click();
      await page.getByRole('dialog', { name: 'Quote post' }).waitFor();
      await check(page, 'the quote dialog');
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'detached' });
      await page.locator('body').click({ position: { x: 5, y: 5 } });
      await page.keyboard.press('?');
      await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
      await check(page, 'the shortcuts help');
      await page.keyboard.press('Escape');
      assert.deepEqual(found, []);
    });

    test(`control edges and the focus ring stand out at 3:1 or more; posts are named by author and text (${colorScheme} theme)`, async () => {
      const page = await signedIn(colorScheme);
      await settle(page, '/settings');
      const ratios = await page.evaluate(() => {
        const rgb = (c: string) => (/rgba?\((\d+), (\d+), (\d+)/.exec(c) ?? []).slice(1, 4).map(Number);
        const lum = (c: string) => { const [r, g, b] = rgb(c).map((v) => { const s = v / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!; };
        const contrast = (a: string, b: string) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x! + 0.05) / (y! + 0.05); };
        const bg = getComputedStyle(document.body).backgroundColor;
        const out: Record<string, number> = {};
        for (const sel of ['input#set-name', 'textarea#set-note', 'button[type=submit]:not(.primary), .session-actions button:not(.danger)']) {
          const el = document.querySelector<HTMLElement>(sel);
          if (el) out[`${sel} edge`] = contrast(getComputedStyle(el).borderTopColor, bg);
        }
        const button = document.querySelector<HTMLElement>('.session-actions button')!;
        button.focus();
        const ring = /(rgba?\([^)]*\)) 0px 0px 0px 4px/.exec(getComputedStyle(button).boxShadow)?.[1] ?? 'rgb(0, 0, 0, 0)';
        out['focus ring'] = contrast(ring, bg);
        return out;
      });
      for (const [what, ratio] of Object.entries(ratios)) assert.ok(ratio >= 3, `${what}: ${ratio.toFixed(2)}:1`);
      assert.ok(Object.keys(ratios).length >= 3, JSON.stringify(ratios));
      // A post is named by its author and its text, so a list of them reads as one.
      await settle(page, '/@ben');
      await page.getByRole('article', { name: /^ben Behind a warning|^ben Spoilers/ }).first().waitFor();
      await page.getByRole('article', { name: /^ben Fire drills every week, edited/ }).waitFor();
    });
  }

  test('one Tab stop per post; arrows walk its controls; ? lists the shortcuts', async () => {
    const page = await signedIn('light');
    await settle(page, '/@ben');
    const first = page.locator('article.status').first();
    await first.focus();
    await page.keyboard.press('Tab');
    const afterTab = await page.evaluate(() => document.activeElement?.closest('article')?.getAttribute('data-id'));
    const ids = await page.locator('article.status').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
    assert.equal(afterTab, ids[1], 'Tab goes from one post to the next');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.evaluate(() => document.activeElement?.matches('article.status a, article.status button')), true, 'an arrow enters the post');
    await page.keyboard.press('End');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'More');
    await page.keyboard.press('Escape');
    assert.equal(await page.evaluate(() => document.activeElement?.matches('article.status')), true, 'Escape goes back to the post');
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).getByText("Move between a post's links and buttons").waitFor();
  });
});
