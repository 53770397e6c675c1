import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, launchChromium, openPage, type PageProblems } from '../../src/testing/browser';
import { pickModel, realErrors, send, signUp, waitForAnswerEnd } from '../../src/testing/chat-page';
import { HOOK_TIMEOUT_MS, MODEL_CHAT_PATH, MODEL_TITLE_QUEUE, type Stack, startStack } from '../../src/testing/ui-stack';

setDefaultTimeout(HOOK_TIMEOUT_MS);

const missing = await chromiumMissing();
if (missing) console.log(missing);

describe.skipIf(Boolean(missing))('the branch switcher', () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  let problems: PageProblems;

  const userTexts = async () => (await page.locator('.turn-user .bubble').allTextContents()).map((t) => t.trim());
  const answerTexts = async () => (await page.locator('.turn-assistant .answer').allTextContents()).map((t) => t.trim());

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack(), launchChromium()]);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    ({ page, problems } = await openPage(context, stack.url));
    await signUp(page, 'brancher@example.com');
  }, HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, HOOK_TIMEOUT_MS);

  test('an-edited-message-pages-between-its-versions-and-the-chosen-one-goes-on', async () => {
    await pickModel(page, 'local/scripted');
    stack.model.script(MODEL_CHAT_PATH, { text: 'First answer.' });
    stack.model.script(MODEL_TITLE_QUEUE, { text: 'A title' });
    await send(page, 'First question');
    await waitForAnswerEnd(page);
    stack.model.script(MODEL_CHAT_PATH, { text: 'Second answer.' });
    await send(page, 'Second question');
    await waitForAnswerEnd(page);
    expect(await page.locator('.branch-switcher').count()).toBe(0);

    stack.model.script(MODEL_CHAT_PATH, { text: 'Edited answer.' });
    await page.locator('.turn-user').nth(1).getByRole('button', { name: 'Edit and resend' }).click();
    await page.fill('textarea[aria-label="Edit message"]', 'Second question, edited');
    await page.locator('.edit-box button.primary').click();
    await waitForAnswerEnd(page);
    const switcher = page.locator('.turn-user').nth(1).locator('.branch-switcher');
    await switcher.waitFor();
    expect(await switcher.locator('.branch-position').textContent()).toBe('2/2');

    await switcher.getByRole('button', { name: 'Previous version' }).click();
    await page.locator('.turn-user .bubble', { hasText: /^Second question$/ }).waitFor();
    expect(await userTexts()).toEqual(['First question', 'Second question']);
    expect(await answerTexts()).toEqual(['First answer.', 'Second answer.']);
    expect(await page.locator('.turn-user').nth(1).locator('.branch-position').textContent()).toBe('1/2');

    // A new message continues the branch on screen, not the newest one.
    stack.model.script(MODEL_CHAT_PATH, { text: 'Third answer.' });
    await send(page, 'Third question');
    await waitForAnswerEnd(page);
    await page.reload();
    await page.locator('.turn-assistant .answer', { hasText: 'Third answer.' }).waitFor();
    expect(await userTexts()).toEqual(['First question', 'Second question', 'Third question']);

    await page.locator('.turn-user').nth(1).getByRole('button', { name: 'Next version' }).click();
    await page.locator('.turn-user .bubble', { hasText: 'Second question, edited' }).waitFor();
    expect(await userTexts()).toEqual(['First question', 'Second question, edited']);
    expect(await answerTexts()).toEqual(['First answer.', 'Edited answer.']);
  });

  test('regenerated-answers-of-an-import-page-like-edits', async () => {
    const file = [
      {
        id: 'branches-e2e',
        title: 'Colours',
        chat: {
          history: {
            messages: {
              q: { id: 'q', parentId: null, role: 'user', content: 'Pick a colour', timestamp: 1_767_300_000 },
              a: { id: 'a', parentId: 'q', role: 'assistant', content: 'Blue', timestamp: 1_767_300_001 },
              b: { id: 'b', parentId: 'q', role: 'assistant', content: 'Green', timestamp: 1_767_300_002 },
              c: { id: 'c', parentId: 'q', role: 'assistant', content: 'Red', timestamp: 1_767_300_003 },
            },
          },
        },
      },
    ];
    const path = `/tmp/confab-e2e-branches-${crypto.randomUUID()}.json`;
    await Bun.write(path, JSON.stringify(file));
    await page.setInputFiles('#import-file', path);
    await page.click('.conversation a:text("Colours")');
    const switcher = page.locator('.turn-assistant .branch-switcher');
    await switcher.waitFor();
    expect(await switcher.locator('.branch-position').textContent()).toBe('3/3');
    expect(await answerTexts()).toEqual(['Red']);
    await switcher.getByRole('button', { name: 'Previous answer' }).click();
    await page.locator('.turn-assistant .answer', { hasText: 'Green' }).waitFor();
    await page.locator('.turn-assistant').getByRole('button', { name: 'Previous answer' }).click();
    await page.locator('.turn-assistant .answer', { hasText: 'Blue' }).waitFor();
    expect(await page.locator('.turn-assistant .branch-position').textContent()).toBe('1/3');
    expect(await page.locator('.turn-assistant').getByRole('button', { name: 'Previous answer' }).isDisabled()).toBe(true);
    expect(realErrors(problems.errors)).toEqual([]);
  });
});
