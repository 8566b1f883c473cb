// The web client keeps every word: a post written while the server is down waits in the outbox
// (IndexedDB) through navigation and a reload (the service worker opens the app), then lands exactly
// once when the server is back; drafts survive navigation and reloads, and a dialog asks before
// dropping one.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startListeningApp, type RunningApp } from '@firebreak/testkit/app.js';
import { eventually, launch, signUp, skipWithoutChromium, statusByText } from './browser-kit.js';

describe('the outbox and drafts in chromium', { skip: skipWithoutChromium, timeout: 240_000 }, () => {
  let browser: Browser;
  before(async () => { browser = await launch(); });
  after(async () => { await browser?.close(); });

  test('a post and a like made while the server is down wait through navigation and a reload, then land exactly once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'firebreak-outage-'));
    let server: RunningApp | null = await startListeningApp({ dataDir });
    const port = Number(new URL(server.url).port);
    const stop = async () => { const s = server; server = null; await s?.close(); };
    try {
      const page = await signUp(browser, server.url, 'olga');
      // Once the service worker controls the page, a load through it keeps the app for offline use.
      await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 20_000 });
      await page.reload();
      await page.getByRole('heading', { name: 'Home' }).waitFor();

      await page.getByLabel('Post text').fill('Before the fire');
      await page.locator('main form.composer').getByRole('button', { name: 'Post', exact: true }).click();
      await statusByText(page, 'Before the fire').waitFor();

      await page.getByLabel('Post text').fill('Written in a fire');
      await stop(); // the server goes down as the person presses Post
      await page.locator('main form.composer').getByRole('button', { name: 'Post', exact: true }).click();
      const outbox = page.getByRole('region', { name: 'Outbox' });
      // A like during the outage waits too, and its button says what it will be.
      await statusByText(page, 'Before the fire').getByRole('button', { name: /^Like/ }).click();
      await outbox.getByText('Like a post by olga').waitFor();
      assert.equal(await statusByText(page, 'Before the fire').getByRole('button', { name: /^Like/ }).getAttribute('aria-pressed'), 'true');
      await outbox.getByText('Post “Written in a fire”').waitFor();
      await outbox.getByText(/Waiting for the server/).waitFor();
      await page.locator('#connection').getByText("Can't reach Firebreak").waitFor();
      await eventually(() => page.getByLabel('Post text').inputValue(), '', 'the composer hands the post to the outbox');

      // Elsewhere in the app, and after a reload (served by the service worker), it is still there.
      await page.getByRole('link', { name: 'Notifications' }).click();
      await page.getByRole('heading', { name: 'Notifications' }).waitFor();
      await page.getByText("Can't reach the server. This list loads by itself when it is back.").waitFor();
      await page.reload();
      await page.getByRole('heading', { name: 'Notifications' }).waitFor();
      await page.locator('#connection').getByText(/Can't reach Firebreak\. Showing what was saved at/).waitFor();
      await outbox.getByText('Post “Written in a fire”').waitFor();
      await outbox.getByText('Like a post by olga').waitFor();
      await page.getByRole('link', { name: 'Home', exact: true }).click();
      await page.getByText(/^Offline: a saved copy from/).waitFor();

      // The server comes back (same data, same port): the post goes out, once, and the page recovers.
      server = await startListeningApp({ dataDir, port });
      await page.getByText('Posted', { exact: true }).waitFor({ timeout: 30_000 });
      await page.locator('#connection').waitFor({ state: 'hidden' });
      await statusByText(page, 'Written in a fire').waitFor();
      await page.getByText(/^Offline: a saved copy from/).waitFor({ state: 'detached' });
      await page.reload();
      await statusByText(page, 'Written in a fire').waitFor();
      assert.equal(await page.locator('article.status', { hasText: 'Written in a fire' }).count(), 1);
      const stored = await server!.app.inject({ method: 'GET', url: '/api/v1/timelines/public?local=true' });
      assert.equal((stored.json() as Array<{ content: string }>).filter((s) => s.content.includes('Written in a fire')).length, 1, 'exactly one post on the server');
      const liked = (stored.json() as Array<{ content: string; favourites_count: number }>).find((s) => s.content.includes('Before the fire'));
      assert.equal(liked?.favourites_count, 1, 'the like made during the outage landed');
      await eventually(() => outbox.isHidden(), true, 'nothing left in the outbox');
    } finally {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  describe('drafts', () => {
    let server: RunningApp;
    let page: Page;
    before(async () => {
      server = await startListeningApp();
      page = await signUp(browser, server.url, 'dora');
    });
    after(async () => { await server?.close(); });

    test('the composer keeps its text across navigation and reloads until it is sent or discarded', async () => {
      const text = page.getByLabel('Post text');
      await text.fill('Half a thought');
      await page.getByRole('link', { name: 'Explore' }).click();
      await page.getByRole('heading', { name: 'Explore' }).waitFor();
      await page.goBack();
      await page.getByRole('heading', { name: 'Home' }).waitFor();
      await eventually(() => page.getByLabel('Post text').inputValue(), 'Half a thought');
      await page.reload();
      await eventually(() => page.getByLabel('Post text').inputValue(), 'Half a thought');
      await page.locator('main form.composer').getByRole('button', { name: 'Discard' }).click();
      await page.getByRole('alertdialog', { name: 'Discard draft?' }).getByRole('button', { name: 'Discard' }).click();
      await eventually(() => page.getByLabel('Post text').inputValue(), '');
      await page.reload();
      await eventually(() => page.getByLabel('Post text').inputValue(), '');
    });

    test('Ctrl+Enter refuses what the button refuses; each new post starts at the default visibility', async () => {
      await page.goto(`${server.url}/`);
      const composer = page.locator('main form.composer');
      await page.getByLabel('Post text').fill('a'.repeat(501));
      assert.equal(await composer.getByRole('button', { name: 'Post', exact: true }).isDisabled(), true);
      await page.getByLabel('Post text').press('Control+Enter');
      await page.waitForTimeout(500);
      assert.equal(await page.getByRole('region', { name: 'Outbox' }).isHidden(), true, 'nothing was queued');
      assert.equal((await page.getByLabel('Post text').inputValue()).length, 501, 'and nothing was lost');
      await page.getByLabel('Post text').fill('For my followers');
      await composer.getByLabel('Visibility').selectOption('private');
      await page.getByLabel('Post text').press('Control+Enter');
      await statusByText(page, 'For my followers').getByText('Followers', { exact: true }).waitFor();
      assert.equal(await composer.getByLabel('Visibility').inputValue(), 'public', 'the menu went back to the default');
    });

    test('reply and quote dialogs keep their drafts, and Escape asks before dropping one', async () => {
      await page.goto(`${server.url}/`);
      const post = statusByText(page, 'For my followers');
      await post.getByRole('button', { name: 'Reply' }).click();
      const dialog = page.getByRole('dialog', { name: 'Reply' });
      await dialog.getByLabel('Reply text').fill('A reply I am not done with');
      await page.keyboard.press('Escape');
      const question = page.getByRole('alertdialog', { name: 'Discard draft?' });
      await question.getByRole('button', { name: 'Keep draft' }).click();
      await dialog.waitFor({ state: 'detached' });
      await page.reload();
      await statusByText(page, 'For my followers').getByRole('button', { name: 'Reply' }).click();
      await eventually(() => dialog.getByLabel('Reply text').inputValue(), 'A reply I am not done with');
      await page.keyboard.press('Escape');
      await question.getByRole('button', { name: 'Discard' }).click();
      await dialog.waitFor({ state: 'detached' });
      await statusByText(page, 'For my followers').getByRole('button', { name: 'Reply' }).click();
      await eventually(() => dialog.getByLabel('Reply text').inputValue(), '');
      await page.keyboard.press('Escape'); // nothing written: closes without asking
      await dialog.waitFor({ state: 'detached' });

      // The quote dialog shows what is quoted, and keeps its draft too.
      await statusByText(page, 'For my followers').getByRole('button', { name: 'Quote' }).click();
      const quote = page.getByRole('dialog', { name: 'Quote post' });
      await quote.locator('.quote', { hasText: 'For my followers' }).waitFor();
      await quote.getByLabel('Post text').fill('Worth quoting');
      await quote.getByRole('button', { name: 'Close' }).click();
      await question.getByRole('button', { name: 'Keep draft' }).click();
      await page.getByRole('link', { name: 'Notifications' }).click();
      await page.goBack();
      await statusByText(page, 'For my followers').getByRole('button', { name: 'Quote' }).click();
      await eventually(() => quote.getByLabel('Post text').inputValue(), 'Worth quoting');
    });

    test('unsaved settings survive navigation and a reload', async () => {
      await page.goto(`${server.url}/settings`);
      await page.getByLabel('Bio').fill('Half-written bio');
      await page.getByRole('link', { name: 'Home', exact: true }).click();
      await page.getByRole('heading', { name: 'Home' }).waitFor();
      await page.goto(`${server.url}/settings`);
      await eventually(() => page.getByLabel('Bio').inputValue(), 'Half-written bio');
      await page.getByText('You have unsaved changes.').waitFor();
      await page.reload();
      await eventually(() => page.getByLabel('Bio').inputValue(), 'Half-written bio');
      await page.getByRole('button', { name: 'Save profile' }).click();
      await page.getByText('Profile saved.').waitFor();
      await page.getByText('You have unsaved changes.').waitFor({ state: 'hidden' });
      await page.reload();
      await eventually(() => page.getByLabel('Bio').inputValue(), 'Half-written bio');
    });
  });
});
