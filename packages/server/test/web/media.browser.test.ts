// Pictures in the web UI, in chromium: attached in the composer by the picker, pasting and dropping,
// with alt text, a focal point and the sensitive switch; shown in timelines on their blurhash,
// sensitive ones behind a click, a lightbox; the avatar and header in settings and on the profile.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import type { RunningApp } from '@firebreak/testkit/app.js';
import { noisyJpeg, photoWithGps, pngWithAlpha } from '@firebreak/testkit/media-fixtures.js';
import { appAndBrowser, assertLabelled, signUp, skipWithoutChromium, statusByText } from './browser-kit.js';

describe('pictures in chromium', { skip: skipWithoutChromium, timeout: 180_000 }, () => {
  const running = appAndBrowser();
  let server: RunningApp;
  let browser: Browser;
  const errors: string[] = [];
  before(() => { ({ server, browser } = running); });

  test('pictures: attach by picker, paste and drop, alt text and focal point, sensitive behind a click, a lightbox; avatar and header in settings', async () => {
    const mia = await signUp(browser, server.url, 'mia', { errors });
    await mia.goto(`${server.url}/`);
    await mia.getByRole('heading', { name: 'Home' }).waitFor();
    const composer = mia.locator('main form.composer');
    // The picker: two pictures.
    await composer.locator('input[type=file]').setInputFiles([
      { name: 'card.jpg', mimeType: 'image/jpeg', buffer: await photoWithGps() },
      { name: 'green.png', mimeType: 'image/png', buffer: await pngWithAlpha(120, 90) },
    ]);
    await composer.getByText('Ready').nth(1).waitFor({ timeout: 30_000 });
    await composer.getByLabel('Alt text for picture 1').fill('A red and blue card');
    await composer.getByRole('button', { name: 'Picture 1: select to set the focal point' }).click({ position: { x: 80, y: 20 } });
    // Paste and drop, each one more.
    const pasteBytes = [...await noisyJpeg(64, 48)];
    await composer.locator('textarea[name=status]').evaluate((el, bytes) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(bytes)], 'pasted.jpg', { type: 'image/jpeg' }));
      el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    }, pasteBytes);
    const dropBytes = [...await noisyJpeg(60, 40)];
    await composer.evaluate((el, bytes) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(bytes)], 'dropped.jpg', { type: 'image/jpeg' }));
      el.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, dropBytes);
    assert.equal(await composer.locator('li.attachment').count(), 4);
    // A fifth is refused, and so is a file that is not a picture.
    await composer.locator('input[type=file]').setInputFiles([{ name: 'more.jpg', mimeType: 'image/jpeg', buffer: await noisyJpeg(10, 10) }]).catch(() => {});
    assert.equal(await composer.locator('li.attachment').count(), 4);
    assert.ok(await composer.getByRole('button', { name: 'Add pictures' }).isDisabled());
    await composer.getByText('Ready').nth(3).waitFor({ timeout: 30_000 });
    await composer.getByRole('button', { name: 'Remove picture 4' }).click();
    await composer.getByLabel('Mark pictures as sensitive').check();
    await assertLabelled(mia);
    await composer.getByLabel('Post text').fill('Three pictures');
    await composer.getByRole('button', { name: 'Post', exact: true }).click();
    const post = statusByText(mia, 'Three pictures');
    await post.waitFor();
    assert.equal(await composer.locator('li.attachment').count(), 0, 'the tray is empty after posting');
    // Sensitive: hidden behind a click, the blurhash showing.
    const gallery = post.locator('.media-gallery');
    assert.ok(await gallery.evaluate((g) => g.classList.contains('sensitive')));
    assert.equal(await gallery.locator('canvas.blurhash').count(), 3);
    await post.getByRole('button', { name: /Sensitive content/ }).click();
    assert.ok(!(await gallery.evaluate((g) => g.classList.contains('sensitive'))));
    const first = gallery.locator('img').first();
    assert.equal(await first.getAttribute('alt'), 'A red and blue card');
    await mia.waitForFunction(() => (document.querySelector('.media-gallery img') as HTMLImageElement | null)?.naturalWidth === 200);
    // The lightbox: full size, arrows move, Escape closes.
    await post.getByRole('button', { name: 'View picture: A red and blue card' }).click();
    const box = mia.locator('dialog.lightbox');
    await box.waitFor();
    await mia.waitForFunction(() => (document.querySelector('dialog.lightbox img') as HTMLImageElement | null)?.naturalHeight === 300);
    assert.equal(await box.locator('.lightbox-count').textContent(), '1 of 3');
    await mia.keyboard.press('ArrowRight');
    assert.equal(await box.locator('.lightbox-count').textContent(), '2 of 3');
    await mia.keyboard.press('Escape');
    await box.waitFor({ state: 'detached' });
    // What the server has: the alt text, a focal point off centre, sensitive.
    const statusId = await post.getAttribute('data-status-id');
    const status = await mia.evaluate(async (id) => (await fetch(`/api/v1/statuses/${id}`)).json(), statusId);
    assert.equal(status.sensitive, true);
    assert.equal(status.media_attachments.length, 3);
    assert.equal(status.media_attachments[0].description, 'A red and blue card');
    assert.ok(status.media_attachments[0].meta.focus.y > 0.3, JSON.stringify(status.media_attachments[0].meta.focus));

    // Settings: a new avatar and header, served as pictures; then the avatar removed.
    await mia.goto(`${server.url}/settings`);
    await mia.getByLabel('Avatar (cropped to a square)').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: await pngWithAlpha(500, 500) });
    await mia.getByText('Avatar saved.').waitFor();
    await mia.getByLabel('Header (cropped to 3:1)').setInputFiles({ name: 'wide.jpg', mimeType: 'image/jpeg', buffer: await noisyJpeg(900, 300) });
    await mia.getByText('Header saved.').waitFor();
    assert.match(await mia.getByAltText('Your avatar').getAttribute('src') ?? '', /^\/system\/files\/[0-9a-f]{64}\.png$/);
    assert.match(await mia.getByAltText('Your header').getAttribute('src') ?? '', /^\/system\/files\/[0-9a-f]{64}\.jpg$/);
    await mia.waitForFunction(() => (document.querySelector('img.settings-avatar') as HTMLImageElement | null)?.naturalWidth === 400);
    await mia.goto(`${server.url}/@mia`);
    await mia.waitForFunction(() => (document.querySelector('.profile .banner img') as HTMLImageElement | null)?.naturalWidth === 1500);
    await mia.goto(`${server.url}/settings`);
    await mia.getByRole('button', { name: 'Remove avatar' }).click();
    await mia.getByText('Avatar removed.').waitFor();
    assert.match(await mia.getByAltText('Your avatar').getAttribute('src') ?? '', /missing\.png$/);
    assert.deepEqual(errors.filter((e) => !/status of 4\d\d/.test(e)), []);
  });
});
