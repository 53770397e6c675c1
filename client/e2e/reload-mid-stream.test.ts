import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, launchChromium, openPage, type PageProblems } from '../../src/testing/browser';
import { lastAnswer, pickModel, realErrors, send, signUp, waitForAnswerEnd, words } from '../../src/testing/chat-page';
import { HOOK_TIMEOUT_MS, MODEL_CHAT_PATH, MODEL_TITLE_QUEUE, type Stack, startStack } from '../../src/testing/ui-stack';

setDefaultTimeout(HOOK_TIMEOUT_MS);

const missing = await chromiumMissing();
if (missing) console.log(missing);

describe.skipIf(Boolean(missing))('reloading while an answer streams', () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  let problems: PageProblems;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack(), launchChromium()]);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    ({ page, problems } = await openPage(context, stack.url));
    await signUp(page, 'reloader@example.com');
  }, HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, HOOK_TIMEOUT_MS);

  test('the-page-reconnects-to-the-live-answer-and-continues-it', async () => {
    const text = words(150, 'live');
    await pickModel(page, 'local/scripted');
    // Long enough to be still streaming when the page has reloaded.
    stack.model.script(MODEL_CHAT_PATH, { text, delayMs: 40 });
    stack.model.script(MODEL_TITLE_QUEUE, { text: 'A title' });
    await send(page, 'Tell me a long story');
    await lastAnswer(page).filter({ hasText: 'live5' }).waitFor();
    const conversationId = await page.evaluate(() => location.pathname.slice(3));
    // The server saves the answer about once a second; wait until a stored part exists.
    for (let i = 0; i < 200; i++) {
      const stored = await page.evaluate(async (cid) => (await (await fetch(`/api/conversations/${cid}`)).json()).messages, conversationId);
      if (stored.at(-1)?.content) break;
      await Bun.sleep(25);
    }
    await page.reload();
    await page.waitForSelector('.answer.streaming');
    await waitForAnswerEnd(page);
    expect(((await lastAnswer(page).textContent()) ?? '').trim()).toBe(text);
    expect(await page.isVisible('text=reload to see more')).toBe(false);
    expect(realErrors(problems.errors)).toEqual([]);
  });
});
