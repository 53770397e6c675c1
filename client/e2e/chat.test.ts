import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, launchChromium, openPage, type PageProblems, screenshot } from '../../src/testing/browser';
import { lastAnswer, pickModel, realErrors, send, signUp, waitForAnswerEnd, words } from '../../src/testing/chat-page';
import { HOOK_TIMEOUT_MS, MODEL_CHAT_PATH, MODEL_TITLE_QUEUE, type Stack, startStack } from '../../src/testing/ui-stack';

setDefaultTimeout(HOOK_TIMEOUT_MS);

const missing = await chromiumMissing();
if (missing) console.log(missing);

describe.skipIf(Boolean(missing))('chat in the browser', () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  let problems: PageProblems;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack(), launchChromium()]);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    ({ page, problems } = await openPage(context, stack.url));
  }, HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, HOOK_TIMEOUT_MS);

  test('first-user-signs-up-and-is-told-they-are-admin', async () => {
    await signUp(page, 'admin@example.com');
    await page.waitForSelector('text=you are its administrator');
    expect(await page.textContent('#account-email')).toContain('(admin)');
  });

  test('streams-a-reply-on-the-offline-model', async () => {
    await pickModel(page, 'offline');
    await send(page, 'What is the boiling point of mercury?');
    await waitForAnswerEnd(page);
    expect(await lastAnswer(page).textContent()).toContain('offline model');
    expect(page.url()).toMatch(/\/c\/[0-9a-f-]{36}$/);
    await page.waitForSelector('.conversation a[aria-current="page"]');
  });

  test('shift-enter-adds-a-line-and-enter-sends', async () => {
    await page.click('#composer-input');
    await page.keyboard.type('first');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('second');
    expect(await page.inputValue('#composer-input')).toBe('first\nsecond');
    expect(await page.locator('.turn-user').count()).toBe(1);
    await page.fill('#composer-input', '');
  });

  test('stop-ends-the-answer-mid-stream', async () => {
    await page.click('#new-chat');
    await pickModel(page, 'local/scripted');
    const full = words(300);
    stack.model.script(MODEL_CHAT_PATH, { text: full, delayMs: 20 });
    await send(page, 'Count for me, slowly');
    await page.waitForFunction(() => (document.querySelector('.turn-assistant .answer')?.textContent ?? '').includes('word5'));
    expect(await page.isVisible('#stop')).toBe(true);
    await page.click('#stop');
    await waitForAnswerEnd(page);
    await page.waitForSelector('text=Stopped before the end.');
    const shown = (await lastAnswer(page).textContent()) ?? '';
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.length).toBeLessThan(full.length);
    await screenshot(page, 'chat-stopped-desktop-light');
  });

  test('reload-finds-the-conversation-in-the-sidebar', async () => {
    const url = page.url();
    await page.goto(stack.url);
    await page.waitForSelector('.conversation');
    const rows = page.locator('.conversation a');
    expect(await rows.count()).toBe(2);
    await page.locator(`.conversation a[href="${new URL(url).pathname}"]`).click();
    await page.waitForSelector('text=Count for me, slowly');
    await page.waitForSelector('text=Stopped before the end.');
    expect(page.url()).toBe(url);
  });

  test('rename-and-delete-a-conversation', async () => {
    const id = new URL(page.url()).pathname.slice(3);
    await page.click(`.conversation[data-id="${id}"] button[title="Rename"]`);
    await page.fill('#rename-input', 'Counting practice');
    await page.click('#rename-dialog button[value="ok"]');
    await page.waitForSelector('.conversation a:text("Counting practice")');
    await page.reload();
    await page.waitForSelector('.conversation a:text("Counting practice")');
    await page.click(`.conversation[data-id="${id}"] button[title="Delete"]`);
    expect(await page.textContent('#confirm-text')).toContain('Counting practice');
    await page.click('#confirm-ok');
    await page.waitForFunction((gone) => !document.querySelector(`.conversation[data-id="${gone}"]`), id);
    expect(new URL(page.url()).pathname).toBe('/');
    expect((await page.context().request.get(`${stack.url}/api/conversations/${id}`)).status()).toBe(404);
  });

  test('edit-and-regenerate-branch-and-the-newest-branch-shows-after-reload', async () => {
    await page.click('#new-chat');
    await pickModel(page, 'local/scripted');
    stack.model.script(MODEL_CHAT_PATH, { text: 'First answer.' });
    stack.model.script(MODEL_TITLE_QUEUE, { text: 'A title' });
    await send(page, 'First question');
    await waitForAnswerEnd(page);
    stack.model.script(MODEL_CHAT_PATH, { text: 'Second answer.' });
    await send(page, 'Second question');
    await waitForAnswerEnd(page);
    stack.model.script(MODEL_CHAT_PATH, { text: 'Edited answer.' }, { text: 'Regenerated answer.' });
    await page.locator('.turn-user').nth(1).getByRole('button', { name: 'Edit and resend' }).click();
    await page.fill('textarea[aria-label="Edit message"]', 'Second question, edited');
    await page.locator('.edit-box button.primary').click();
    await waitForAnswerEnd(page);
    expect(await page.locator('.turn-user').allTextContents()).toEqual([
      expect.stringContaining('First question'),
      expect.stringContaining('Second question, edited'),
    ]);
    await page
      .locator('.turn-assistant')
      .last()
      .getByRole('button', { name: /Regenerate/ })
      .click();
    await waitForAnswerEnd(page);
    expect(((await lastAnswer(page).textContent()) ?? '').trim()).toBe('Regenerated answer.');
    expect(await page.locator('.turn-user').count()).toBe(2);
    await page.reload();
    await page.waitForSelector('text=Regenerated answer.');
    expect(await page.locator('.turn-assistant').count()).toBe(2);
    expect(await page.isVisible('text=Second answer.')).toBe(false);
    const id = new URL(page.url()).pathname.slice(3);
    const stored = await (await page.context().request.get(`${stack.url}/api/conversations/${id}`)).json();
    expect(stored.messages.length).toBe(8);
  });

  test('resumes-after-the-socket-drops-mid-stream', async () => {
    await page.click('#new-chat');
    await pickModel(page, 'local/scripted');
    const full = words(120, 'tok');
    stack.model.script(MODEL_CHAT_PATH, { text: full, delayMs: 25 });
    await send(page, 'Keep going even if the network blinks');
    await page.waitForFunction(() => (document.querySelector('.turn-assistant .answer')?.textContent ?? '').includes('tok10'));
    expect(stack.proxy.cutAll()).toBeGreaterThan(0);
    await page.waitForSelector('#connection:has-text("reconnecting")');
    await page.waitForSelector('#connection:has-text("Reconnected")');
    await waitForAnswerEnd(page);
    const shown = ((await lastAnswer(page).textContent()) ?? '').trim();
    expect(shown).toBe(full);
  });

  test('auto-scroll-stops-when-the-user-scrolls-up', async () => {
    await page.setViewportSize({ width: 1280, height: 500 });
    stack.model.script(MODEL_CHAT_PATH, {
      text: Array.from({ length: 80 }, (_, i) => `Line ${i} of a long answer.\n\n`).join(''),
      delayMs: 15,
    });
    await send(page, 'Write a long answer');
    await page.waitForFunction(() => (document.querySelector('.turn-assistant:last-child .answer')?.textContent ?? '').includes('Line 20'));
    await page.evaluate(() => document.getElementById('messages')!.scrollTo({ top: 0 }));
    await page.waitForSelector('#jump-to-latest:not([hidden])');
    await waitForAnswerEnd(page);
    expect(await page.evaluate(() => document.getElementById('messages')!.scrollTop)).toBeLessThan(50);
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  test('no-script-errors-or-off-host-requests', () => {
    expect(realErrors(problems.errors)).toEqual([]);
    expect(problems.offHost).toEqual([]);
  });
});
