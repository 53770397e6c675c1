import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, launchChromium, openPage, type PageProblems, screenshot } from '../../src/testing/browser';
import { realErrors, signUp } from '../../src/testing/chat-page';
import { type OAuthMcpServer, startOAuthMcpServer } from '../../src/testing/oauth-mcp-server';
import { HOOK_TIMEOUT_MS, type Stack, startStack } from '../../src/testing/ui-stack';

setDefaultTimeout(HOOK_TIMEOUT_MS);

const missing = await chromiumMissing();
if (missing) console.log(missing);

describe.skipIf(Boolean(missing))('connecting an OAuth MCP account in the browser', () => {
  let stack: Stack;
  let oauth: OAuthMcpServer;
  let browser: Browser;
  let page: Page;
  let problems: PageProblems;

  beforeAll(async () => {
    [stack, browser, oauth] = await Promise.all([startStack(), launchChromium(), startOAuthMcpServer()]);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    ({ page, problems } = await openPage(context, stack.url));
    await signUp(page, 'oauth-admin@example.com');
    const res = await page.request.post(`${stack.url}/api/admin/mcp-servers`, {
      data: { name: 'team', url: oauth.url, transport: 'streamable-http', auth: 'oauth' },
    });
    expect(res.status()).toBe(201);
  }, HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await oauth?.stop();
  }, HOOK_TIMEOUT_MS);

  test('connect-signs-in-at-the-server-comes-back-connected-and-disconnect-forgets-it', async () => {
    await page.goto(`${stack.url}/settings`);
    const row = page.locator('.mcp-account[data-server="team"]');
    expect(await row.locator('.reason').textContent()).toBe('Not connected');
    await row.getByRole('button', { name: 'Connect your account at team' }).click();
    // The authorization server's own consent page, on its own origin.
    await page.waitForURL((url) => url.origin === new URL(oauth.issuer).origin);
    await page.fill('input[name="login"]', 'carol');
    await page.click('button');
    await page.waitForURL((url) => url.pathname === '/settings' && url.search === '');
    expect(await page.locator('#settings-view .admin-status.ok').textContent()).toBe('Your account at team is connected.');
    await expect(row.locator('.reason').textContent()).resolves.toStartWith('Connected since');
    const status = await page.request.get(`${stack.url}/api/plugins`);
    const whoami = (await status.json()).plugins.find((p: { name: string }) => p.name === 'mcp:team:whoami');
    expect(whoami).toMatchObject({ available: true });
    await row.scrollIntoViewIfNeeded();
    await screenshot(page, 'settings-mcp-connected-desktop');
    await page.setViewportSize({ width: 390, height: 844 });
    await row.scrollIntoViewIfNeeded();
    await screenshot(page, 'settings-mcp-connected-phone');
    await page.setViewportSize({ width: 1280, height: 800 });

    await row.getByRole('button', { name: 'Disconnect your account at team' }).click();
    await page.getByRole('button', { name: 'Disconnect', exact: true }).click();
    await page.waitForFunction(() => document.querySelector('.mcp-account .reason')?.textContent === 'Not connected');
    expect(realErrors(problems.errors)).toEqual([]);
  });
});
