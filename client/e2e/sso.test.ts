import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromiumMissing, launchChromium, openPage, type PageProblems } from '../../src/testing/browser';
import { startOidcProvider, type TestOidcProvider } from '../../src/testing/oidc-provider';
import { HOOK_TIMEOUT_MS, type Stack, startStack } from '../../src/testing/ui-stack';

setDefaultTimeout(HOOK_TIMEOUT_MS);

const missing = await chromiumMissing();
if (missing) console.log(missing);

/** The provider's development pages import a web font; nothing of Confab's may leave the machine. */
const offHostOfConfab = (problems: PageProblems) => problems.offHost.filter((url) => !url.startsWith('https://fonts.googleapis.com/'));

describe.skipIf(Boolean(missing))('single sign-on in the browser', () => {
  let provider: TestOidcProvider;
  let stack: Stack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: PageProblems;

  beforeAll(async () => {
    provider = await startOidcProvider({
      clients: [],
      accounts: { ada: { email: 'ada@example.com', groups: ['staff', 'confab-admins'] } },
    });
    const started = startStack((url) => {
      provider.registerClient({
        clientId: 'confab',
        clientSecret: 'confab-browser-secret',
        redirectUris: [`${url}/api/auth/oidc/callback`],
      });
      return {
        PUBLIC_URL: url,
        OIDC_ISSUER: provider.issuer,
        OIDC_CLIENT_ID: 'confab',
        OIDC_CLIENT_SECRET: 'confab-browser-secret',
        OIDC_SCOPES: 'openid email groups',
        OIDC_ADMIN_GROUPS: 'confab-admins',
        OIDC_BUTTON_LABEL: 'Sign in with Test ID',
        PASSWORD_LOGIN: 'off',
      };
    });
    [stack, browser] = await Promise.all([started, launchChromium()]);
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    ({ page, problems } = await openPage(context, stack.url));
  }, HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await provider?.close();
  }, HOOK_TIMEOUT_MS);

  test('with-password-login-off-the-login-page-offers-only-the-providers-button', async () => {
    const button = page.getByRole('link', { name: 'Sign in with Test ID' });
    await button.waitFor();
    expect(await page.locator('#auth-email').isVisible()).toBe(false);
    expect(await page.locator('#auth-password').isVisible()).toBe(false);
    expect(await page.locator('#auth-submit').isVisible()).toBe(false);
  });

  test('signing-in-at-the-provider-lands-in-the-chat-with-a-session', async () => {
    await page.getByRole('link', { name: 'Sign in with Test ID' }).click();
    await page.locator('input[name="login"]').fill('ada');
    await page.locator('input[name="password"]').fill('any password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.locator('#composer-input').waitFor();
    expect(new URL(page.url()).origin).toBe(stack.url);
    const me = await page.evaluate(async () => (await fetch('/api/auth/me')).json());
    expect(me).toMatchObject({ email: 'ada@example.com', role: 'admin', status: 'active' });
    expect(offHostOfConfab(problems)).toEqual([]);
  });

  test('logging-out-ends-the-session-at-confab-and-at-the-provider', async () => {
    await page.locator('#logout').click();
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.getByRole('link', { name: 'Sign in with Test ID' }).waitFor();
    expect(new URL(page.url()).origin).toBe(stack.url);
    const status = await page.evaluate(async () => (await fetch('/api/auth/me')).status);
    expect(status).toBe(401);
    // The provider's session ended too: signing in again asks for the login.
    await page.getByRole('link', { name: 'Sign in with Test ID' }).click();
    await page.locator('input[name="login"]').waitFor();
  });

  test('a-failed-sign-in-shows-why-on-the-login-page', async () => {
    await page.goto(`${stack.url}/?sso_error=sso_group_forbidden`);
    const error = page.locator('#auth-error');
    await error.waitFor();
    expect(await error.textContent()).toBe('The identity provider does not place you in a group allowed to use this server.');
    expect(new URL(page.url()).search).toBe('');
  });
});
