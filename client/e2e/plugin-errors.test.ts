import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { errorCatalogue } from '../../src/lib/error-catalogue';
import { chromiumMissing, launchChromium, openPage, type PageProblems } from '../../src/testing/browser';
import { lastAnswer, pickModel, realErrors, send, signUp, waitForAnswerEnd } from '../../src/testing/chat-page';
import { HOOK_TIMEOUT_MS, MODEL_CHAT_PATH, type Stack, startStack } from '../../src/testing/ui-stack';

setDefaultTimeout(HOOK_TIMEOUT_MS);

const missing = await chromiumMissing();
if (missing) console.log(missing);

describe.skipIf(Boolean(missing))('plugin errors in the browser', () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  let problems: PageProblems;

  beforeAll(async () => {
    // One sandbox and no queue: whatever holds the sandbox turns the next run away.
    [stack, browser] = await Promise.all([
      startStack({ CODE_INTERPRETER_CONCURRENCY: '1', CODE_INTERPRETER_QUEUE: '0' }),
      launchChromium(),
    ]);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    ({ page, problems } = await openPage(context, stack.url));
    await signUp(page, 'sandbox@example.com');
  }, HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, HOOK_TIMEOUT_MS);

  test('a-busy-code-sandbox-shows-as-a-plugin-error-with-the-wait-and-the-answer-still-comes', async () => {
    await pickModel(page, 'local/scripted');
    await page.click('#plugin-menu summary');
    await page.check('#plugin-code_interpreter');
    const release = await stack.server.ctx.plugins.services.sandboxes!.acquire({ userId: 'someone else', holdMs: 5_000 });
    stack.model.script(MODEL_CHAT_PATH, { text: 'The calculator is busy, so here is my best guess.' });
    await send(page, '6 * 7');
    await waitForAnswerEnd(page);
    release();
    const row = page.locator('.turn-assistant details[data-name="code_interpreter"]').last();
    expect(await row.locator('summary').textContent()).toContain('failed');
    const shown = (await row.locator('.error').textContent()) ?? '';
    expect(shown.startsWith(errorCatalogue.sandbox_busy.message)).toBe(true);
    expect(shown).toMatch(/Try again in \d+ seconds?\.$/);
    expect(await lastAnswer(page).textContent()).toContain('The calculator is busy, so here is my best guess.');
    expect(await page.locator('.turn-assistant .error-notice').count()).toBe(0);
    expect(realErrors(problems.errors)).toEqual([]);
  });
});
