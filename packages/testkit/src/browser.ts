// The web UI's browser tests: Debian's chromium through playwright-core, and a listening app for it.
import { after, before } from 'node:test';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startListeningApp, type RunningApp } from './app.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** node:test's `skip` for a browser suite: in CI a missing browser is a failure (the suite runs and fails to launch), never a skip. */
export const skipWithoutChromium: string | false = !existsSync(CHROMIUM) && process.env.CI !== 'true' ? `chromium not found at ${CHROMIUM}` : false;

/** Starts an app and a browser before the suite's tests and closes both after; read them once started. */
export function browserSuite(): { server: () => RunningApp; browser: () => Browser } {
  let server: RunningApp | undefined;
  let browser: Browser | undefined;
  before(async () => {
    server = await startListeningApp();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });
  return { server: () => server!, browser: () => browser! };
}

/** Signs `username` up through the web UI's form, and waits for their home timeline. */
export async function signUpThroughPage(page: Page, baseUrl: string, username: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/sign_up`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('E-mail').fill(`${username}@example.com`);
  await page.getByLabel(/^Password/).fill(password);
  await page.getByLabel('I agree to the server rules').check();
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Home' }).waitFor();
}
