// What the browser tests share: Debian's chromium through playwright-core, people signing up and in
// through the UI, and the checks every page must pass (axe-core, labelled controls).
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startListeningApp, type RunningApp } from '@firebreak/testkit/app.js';

export { eventually } from '../eventually.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const PASSWORD = 'correct horse battery';
// In CI a missing browser is a failure (the test runs and fails to launch), never a silent skip.
export const skipWithoutChromium = !existsSync(CHROMIUM) && process.env.CI !== 'true' ? `chromium not found at ${CHROMIUM}` : false;

export const launch = (): Promise<Browser> => chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });

/** A listening app and Chromium for the enclosing suite: started before its tests (and its own before hooks), closed after. */
export function appAndBrowser(): { server: RunningApp; browser: Browser } {
  const running = {} as { server: RunningApp; browser: Browser };
  before(async () => {
    running.server = await startListeningApp();
    running.browser = await launch();
  });
  after(async () => {
    await running.browser?.close();
    await running.server?.close();
  });
  return running;
}

export type Viewport = { width: number; height: number };
export const DESKTOP: Viewport = { width: 1280, height: 800 };

/** Collects page errors and console errors (less the 4xx answers tests provoke on purpose). */
export function watchErrors(page: Page, who: string, errors: string[]): void {
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`${who}: ${m.text()}`); });
  page.on('pageerror', (e) => errors.push(`${who}: ${e.message}`));
}

export async function signUp(browser: Browser, baseUrl: string, username: string, options: { viewport?: Viewport; errors?: string[]; context?: BrowserContext } = {}): Promise<Page> {
  const context = options.context ?? await browser.newContext({ viewport: options.viewport ?? DESKTOP });
  const page = await context.newPage();
  if (options.errors) watchErrors(page, username, options.errors);
  await page.goto(`${baseUrl}/sign_up`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('E-mail').fill(`${username}@example.com`);
  await page.getByLabel(/^Password/).fill(PASSWORD);
  await page.getByLabel('I agree to the server rules').check();
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Home' }).waitFor();
  return page;
}

export async function signIn(browser: Browser, baseUrl: string, username: string, options: { password?: string; viewport?: Viewport; errors?: string[]; colorScheme?: 'light' | 'dark' } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: options.viewport ?? DESKTOP, colorScheme: options.colorScheme });
  const page = await context.newPage();
  if (options.errors) watchErrors(page, username, options.errors);
  await page.goto(`${baseUrl}/sign_in`);
  await page.getByLabel('E-mail or username').fill(username);
  await page.getByLabel('Password').fill(options.password ?? PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Home' }).waitFor();
  return page;
}

export const statusByText = (page: Page, text: string) => page.locator('article.status', { hasText: text }).first();

/** Opens a post's "More" menu and picks an item. */
export async function postMenu(page: Page, text: string, item: string): Promise<void> {
  await statusByText(page, text).getByRole('button', { name: 'More' }).click();
  await page.getByRole('menuitem', { name: item }).click();
}

export async function follow(page: Page, baseUrl: string, username: string): Promise<void> {
  await page.goto(`${baseUrl}/@${username}`);
  await page.getByRole('button', { name: 'Follow', exact: true }).click();
  await page.getByRole('button', { name: /Unfollow|Requested/ }).waitFor();
}

/** Every form control and button on the page has an accessible name. */
export async function assertLabelled(page: Page): Promise<void> {
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('button, input:not([type=hidden]), select, textarea, a[href]')]
    .filter((el) => {
      const e = el as HTMLElement & { labels?: NodeListOf<HTMLLabelElement> };
      if (!e.checkVisibility()) return false; // not rendered, not in the accessibility tree
      return !(e.getAttribute('aria-label') || e.getAttribute('aria-labelledby') || e.labels?.length || e.textContent?.trim() || e.title || e.getAttribute('aria-hidden') === 'true');
    })
    .map((el) => el.outerHTML.slice(0, 120)));
  assert.deepEqual(unlabelled, [], `unlabelled controls on ${page.url()}`);
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation { id: string; impact: string; help: string; nodes: Array<{ target: string[]; failureSummary: string }> }

/**
 * axe-core's violations on the page as it is now (every rule axe runs by default: WCAG 2.x A and AA
 * and its best practices). Injected through the DevTools protocol, which the page's CSP does not
 * govern (the page itself allows no inline script).
 */
export async function axeViolations(page: Page): Promise<string[]> {
  if (!await page.evaluate(() => 'axe' in window)) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: AxeViolation[] }> } }).axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
  });
  return violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => `${n.target.join(' ')} [${n.failureSummary.replace(/\s+/g, ' ')}]`).join('; ')}`);
}

export async function assertNoAxeViolations(page: Page, where: string): Promise<void> {
  assert.deepEqual(await axeViolations(page), [], `axe-core on ${where}`);
}

