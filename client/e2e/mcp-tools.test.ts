import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, launchChromium, openPage, type PageProblems, screenshot } from '../../src/testing/browser';
import { lastAnswer, pickModel, realErrors, send, signUp, waitForAnswerEnd } from '../../src/testing/chat-page';
import { HOOK_TIMEOUT_MS, MODEL_CHAT_PATH, type Stack, startStack } from '../../src/testing/ui-stack';

setDefaultTimeout(HOOK_TIMEOUT_MS);

const EVERYTHING = process.env.TEST_MCP_EVERYTHING_URL;
const missing = (await chromiumMissing()) ?? (EVERYTHING ? undefined : 'skipping: TEST_MCP_EVERYTHING_URL is not set');
if (missing) console.log(missing);

/** The scripted local model as one that calls tools, which a local server is not assumed to do. */
function toolModelConfig(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'confab-models-')), 'models.json');
  writeFileSync(
    path,
    JSON.stringify({ groups: { 'scripted-tools': { deployments: [{ provider: 'local', model: 'scripted' }], tools: true } } }),
  );
  return path;
}

describe.skipIf(Boolean(missing))('MCP tools in the browser', () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  let problems: PageProblems;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack({ MODELS_CONFIG: toolModelConfig() }), launchChromium()]);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    ({ page, problems } = await openPage(context, stack.url));
    await signUp(page, 'mcp-admin@example.com');
    const res = await page.request.post(`${stack.url}/api/admin/mcp-servers`, { data: { name: 'everything', url: EVERYTHING } });
    expect(res.status()).toBe(201);
    await page.reload();
  }, HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, HOOK_TIMEOUT_MS);

  test('a-tool-switched-on-shows-its-call-with-server-arguments-and-result-collapsed', async () => {
    await pickModel(page, 'scripted-tools');
    await page.click('#plugin-menu summary');
    const toggle = page.locator('input[value="mcp:everything:echo"]');
    expect(await page.locator('label', { has: toggle }).textContent()).toContain('echo (MCP server everything)');
    await toggle.check();
    stack.model.script(
      MODEL_CHAT_PATH,
      { text: '', toolCalls: [{ id: 'call_1', name: 'mcp__everything__echo', arguments: '{"message":"from the browser"}' }] },
      { text: 'The server echoed it back.' },
    );
    await send(page, 'Echo something');
    await waitForAnswerEnd(page);
    expect(await lastAnswer(page).textContent()).toContain('The server echoed it back.');

    const row = page.locator('.turn-assistant details[data-name="mcp:everything:echo"]').last();
    expect(await row.locator('summary').textContent()).toContain('echo (MCP server everything) (called by the model) — done');
    expect(await row.getAttribute('open')).toBeNull();
    expect(await row.locator('.mcp-result').isVisible()).toBe(false);
    await row.locator('summary').click();
    expect(JSON.parse((await row.locator('.mcp-arguments').textContent()) ?? '')).toEqual({ message: 'from the browser' });
    expect(await row.locator('.mcp-result').textContent()).toBe('Echo: from the browser');

    await page.reload();
    const stored = page.locator('.turn-assistant details[data-name="mcp:everything:echo"]').last();
    await stored.locator('summary').click();
    expect(await stored.locator('.mcp-result').textContent()).toBe('Echo: from the browser');
    expect(JSON.parse((await stored.locator('.mcp-arguments').textContent()) ?? '')).toEqual({ message: 'from the browser' });
    expect(realErrors(problems.errors)).toEqual([]);
  });

  test('an-admin-adds-and-tests-an-mcp-server-in-the-admin-area', async () => {
    await page.goto(`${stack.url}/admin/mcp`);
    await page.fill('#mcp-name', 'again');
    await page.fill('#mcp-url', EVERYTHING ?? '');
    await page.fill('#mcp-token', 'tok-secret-value-9876');
    await page.click('text=Add MCP server');
    const row = page.locator('.admin-table tr', { hasText: 'again' });
    await row.waitFor();
    expect(await row.textContent()).not.toContain('tok-secret-value-9876');
    await row.locator('button', { hasText: 'Test' }).click();
    await row.locator('.test-result.ok').waitFor();
    expect(await row.locator('.test-result').textContent()).toContain('echo');
    await screenshot(page, 'admin-mcp-desktop');
    await page.goto(`${stack.url}/`);
    await page.click('#plugin-menu summary');
    await page.waitForSelector('input[value="mcp:again:echo"]', { state: 'attached' });
  });
});
