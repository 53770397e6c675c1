import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Browser } from 'playwright-core';
import { chromiumMissing, launchChromium, openPage } from '../../src/testing/browser';
import { HOOK_TIMEOUT_MS, type Stack, startStack } from '../../src/testing/ui-stack';

setDefaultTimeout(HOOK_TIMEOUT_MS);

const missing = await chromiumMissing();
if (missing) console.log(missing);

describe.skipIf(Boolean(missing))('the first visit to a new server', () => {
  let stack: Stack;
  let browser: Browser;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack(), launchChromium()]);
  }, HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, HOOK_TIMEOUT_MS);

  test('a-server-with-no-accounts-opens-on-sign-up-and-the-button-waits-for-the-answer', async () => {
    const { page } = await openPage(await browser.newContext(), stack.url);
    await page.waitForSelector('#tab-signup[aria-selected="true"]');
    expect(await page.textContent('#auth-hint')).toContain('becomes the administrator');
    expect(await page.textContent('#auth-submit')).toBe('Create account');
    // Hold the sign-up answer back: the button and the tabs stay disabled until it arrives.
    let release = () => {};
    const held = new Promise<void>((r) => (release = r));
    await page.route('**/api/auth/signup', async (route) => {
      await held;
      await route.continue();
    });
    await page.fill('#auth-email', 'first@example.com');
    await page.fill('#auth-password', 'correct horse battery');
    await page.click('#auth-submit');
    await page.waitForSelector('#auth-submit[disabled]');
    expect(await page.isDisabled('#tab-login')).toBe(true);
    release();
    await page.waitForSelector('#app:not([hidden])');
    expect(await page.textContent('#account-email')).toContain('(admin)');
  });

  test('once-an-account-exists-the-page-opens-on-log-in', async () => {
    const { page } = await openPage(await browser.newContext(), stack.url);
    await page.waitForSelector('#auth-form');
    await page.waitForLoadState('networkidle');
    expect((await page.evaluate(() => fetch('/api/auth/methods').then((r) => r.json()))).firstAccount).toBe(false);
    expect(await page.getAttribute('#tab-login', 'aria-selected')).toBe('true');
    expect(await page.textContent('#auth-hint')).not.toContain('administrator');
  });
});
