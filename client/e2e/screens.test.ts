import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Browser } from 'playwright-core';
import { chromiumMissing, launchChromium, openPage, screenshot } from '../../src/testing/browser';
import { pickModel, realErrors, send, signUp, waitForAnswerEnd } from '../../src/testing/chat-page';
import { HOOK_TIMEOUT_MS, MODEL_CHAT_PATH, type Stack, startStack } from '../../src/testing/ui-stack';

setDefaultTimeout(HOOK_TIMEOUT_MS);

const missing = await chromiumMissing();
if (missing) console.log(missing);

const RICH_REPLY = [
  'Here is a **short** example with a list:',
  '',
  '1. Read the file',
  '2. Count the words',
  '',
  '```ts',
  'export function count(text: string): number {',
  '  return text.split(/\\s+/).filter(Boolean).length;',
  '}',
  '```',
  '',
  '| Input | Words |',
  '| --- | --- |',
  '| "a b" | 2 |',
].join('\n');

const SIZES = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;

describe.skipIf(Boolean(missing))('main screens', () => {
  let stack: Stack;
  let browser: Browser;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack(), launchChromium()]);
  }, HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, HOOK_TIMEOUT_MS);

  test('benchmark-streams-two-models-side-by-side-then-tabulates', async () => {
    const context = await browser.newContext({ viewport: SIZES.desktop });
    const { page, problems } = await openPage(context, stack.url);
    await signUp(page, 'bench@example.com');
    await page.click('a[href="/benchmark"]');
    await page.waitForSelector('#benchmark-view:not([hidden]) .bench-models input');
    for (const box of await page.locator('.bench-models input').all()) await box.check();
    stack.model.script(MODEL_CHAT_PATH, { text: 'Scripted models answer one word at a time, slowly.', delayMs: 30 });
    await page.fill('#bench-prompt', 'What is the offline model?');
    await page.click('text=Run benchmark');
    await page.waitForSelector('.bench-column[data-model="local/scripted"] .answer:has-text("Scripted models")');
    await page.waitForSelector('.bench-table');
    const rows = await page.locator('.bench-table tbody tr').allTextContents();
    expect(rows).toHaveLength(2);
    expect(rows.join(' ')).toContain('offline');
    expect(rows.join(' ')).toContain('local/scripted');
    const headers = await page.locator('.bench-table thead th').allTextContents();
    expect(headers).toEqual(['Model', 'TTFT (ms)', 'Total (ms)', 'Tokens/s', 'Tokens (in / out)', 'Cost']);
    await screenshot(page, 'benchmark-desktop-light');
    expect(realErrors(problems.errors)).toEqual([]);
    await context.close();
  });

  for (const scheme of ['light', 'dark'] as const) {
    for (const [size, viewport] of Object.entries(SIZES)) {
      test(`screens-render-on-${size}-${scheme}`, async () => {
        const context = await browser.newContext({ viewport, colorScheme: scheme, isMobile: size === 'phone', hasTouch: size === 'phone' });
        const { page, problems } = await openPage(context, stack.url);
        await page.waitForSelector('#auth-form');
        await screenshot(page, `auth-${size}-${scheme}`);
        await signUp(page, `${size}-${scheme}@example.com`);
        await pickModel(page, 'local/scripted');
        stack.model.script(MODEL_CHAT_PATH, { text: RICH_REPLY });
        await send(page, 'Show me how to count words');
        await waitForAnswerEnd(page);
        await page.waitForSelector('.answer pre code .hljs-keyword');
        await screenshot(page, `chat-${size}-${scheme}`);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow).toBeLessThanOrEqual(0);
        await page.click('#plugin-menu summary');
        await page.waitForSelector('#plugin-toggles', { state: 'visible' });
        await screenshot(page, `tools-${size}-${scheme}`);
        await page.click('#plugin-menu summary');
        await page.click('#conversation-settings');
        await page.waitForSelector('.admin-dialog #conv-system-prompt');
        await screenshot(page, `conversation-settings-${size}-${scheme}`);
        await page.click('.admin-dialog button[value="cancel"]');
        await page.waitForSelector('.admin-dialog', { state: 'detached' });
        if (size === 'phone') {
          await page.click('#open-sidebar');
          await page.waitForSelector('.app.sidebar-open');
          await page.waitForTimeout(250);
          await screenshot(page, `sidebar-${size}-${scheme}`);
          await page.keyboard.press('Escape');
        }
        await page.click('#toggle-documents');
        await page.waitForSelector('#documents-panel:not([hidden])');
        await screenshot(page, `documents-${size}-${scheme}`);
        await page.click('#documents-panel button[aria-label="Close documents"]');
        await page.goto(`${stack.url}/settings`);
        await page.waitForSelector('#settings-view:not([hidden]) .plugin-toggle');
        await page.fill('#key-name', 'screenshot key');
        await page.click('text=Create key');
        await page.waitForSelector('.new-key code');
        await screenshot(page, `settings-${size}-${scheme}`);
        expect(realErrors(problems.errors)).toEqual([]);
        await context.close();
      });
    }
  }
});
