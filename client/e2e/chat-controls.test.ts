import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, launchChromium, openPage, type PageProblems, screenshot } from '../../src/testing/browser';
import { lastAnswer, pickModel, realErrors, send, signUp, waitForAnswerEnd, words } from '../../src/testing/chat-page';
import { isTitleRequest } from '../../src/testing/title-requests';
import { HOOK_TIMEOUT_MS, MODEL_CHAT_PATH, type Stack, startStack } from '../../src/testing/ui-stack';

setDefaultTimeout(HOOK_TIMEOUT_MS);

const missing = await chromiumMissing();
if (missing) console.log(missing);

describe.skipIf(Boolean(missing))('shaping a chat in the browser', () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  let problems: PageProblems;

  /** The body of the newest chat request the scripted model received for a turn (not a title). */
  const lastRequest = () => stack.model.requests.filter((r) => r.path === MODEL_CHAT_PATH && !isTitleRequest(r.body)).at(-1)?.body ?? {};
  const systemOf = (body: { messages?: { role: string; content: string }[] }) =>
    (body.messages ?? []).filter((m) => m.role === 'system').map((m) => m.content);

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack(), launchChromium()]);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    ({ page, problems } = await openPage(context, stack.url));
    await signUp(page, 'cam@example.com');
  }, HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, HOOK_TIMEOUT_MS);

  test('custom-instructions-from-settings-reach-the-model', async () => {
    await page.click('a[href="/settings"]');
    await page.fill('#custom-instructions', 'Always answer in haiku.');
    await page.click('form[aria-label="Custom instructions"] button[type="submit"]');
    await page.waitForSelector('text=Saved. New messages use these instructions.');
    await page.click('#new-chat');
    await pickModel(page, 'local/scripted');
    await send(page, 'Tell me about autumn');
    await waitForAnswerEnd(page);
    expect(await page.textContent('.turn-assistant .assistant-label')).toContain('local/scripted');
    expect(systemOf(lastRequest())).toContain('Always answer in haiku.');
  });

  test('conversation-settings-set-instructions-and-parameters-for-the-next-turns', async () => {
    await page.click('#conversation-settings');
    await page.fill('#conv-system-prompt', 'Answer in French.');
    await page.fill('#conv-temperature', '0.3');
    await page.fill('#conv-max-tokens', '200');
    await screenshot(page, 'conversation-settings-desktop');
    await page.click('.admin-dialog button[value="ok"]');
    await page.waitForSelector('.admin-dialog', { state: 'detached' });
    await send(page, 'And winter?');
    await waitForAnswerEnd(page);
    const body = lastRequest();
    expect(systemOf(body)).toContain('Answer in French.');
    expect(systemOf(body)).not.toContain('Always answer in haiku.');
    expect(body.temperature).toBe(0.3);
    expect(body.max_tokens).toBe(200);
  });

  test('out-of-range-parameters-are-refused-in-the-dialog', async () => {
    await page.click('#conversation-settings');
    await page.fill('#conv-temperature', '5');
    await page.click('.admin-dialog button[value="ok"]');
    // The browser holds the form back, so nothing is sent and the dialog stays open.
    expect(await page.$eval('#conv-temperature', (i) => (i as HTMLInputElement).validity.rangeOverflow)).toBe(true);
    expect(await page.isVisible('.admin-dialog')).toBe(true);
    await page.click('.admin-dialog button[value="cancel"]');
    await page.waitForSelector('.admin-dialog', { state: 'detached' });
    const id = page.url().split('/c/')[1];
    const stored = await page.evaluate(async (cid) => (await fetch(`/api/conversations/${cid}`)).json(), id);
    expect(stored.settings.params.temperature).toBe(0.3);
  });

  test('tools-ticked-for-a-conversation-are-still-ticked-after-a-reload', async () => {
    await page.click('#plugin-menu summary');
    const box = page.locator('#plugin-toggles input:not([disabled])').first();
    const name = await box.getAttribute('value');
    await box.check();
    await page.click('#plugin-menu summary');
    stack.model.script(MODEL_CHAT_PATH, { text: 'Noted.' });
    await send(page, 'Remember the tool');
    await waitForAnswerEnd(page);
    await page.reload();
    await page.waitForSelector('.turn-assistant');
    await page.waitForFunction((n) => (document.querySelector(`#plugin-toggles input[value="${n}"]`) as HTMLInputElement)?.checked, name);
    expect(await page.textContent('#plugin-menu summary')).toBe('Tools (1)');
    // Unticking is remembered too.
    await page.click('#plugin-menu summary');
    await page.locator(`#plugin-toggles input[value="${name}"]`).uncheck();
    await page.click('#plugin-menu summary');
    await send(page, 'No tools now');
    await waitForAnswerEnd(page);
    await page.reload();
    await page.waitForSelector('.turn-assistant');
    expect(await page.textContent('#plugin-menu summary')).toBe('Tools');
  });

  test('thumbs-down-with-a-comment-is-saved-with-the-answer', async () => {
    await page.locator('.turn-assistant').last().locator('button[aria-label="Bad answer"]').click();
    await page.fill('#rename-input', 'It ignored my question');
    await page.press('#rename-input', 'Enter');
    await page.waitForSelector('.turn-assistant >> nth=-1 >> button[aria-label="Bad answer"][aria-pressed="true"]');
    const id = page.url().split('/c/')[1];
    const conversation = await page.evaluate(async (cid) => (await fetch(`/api/conversations/${cid}`)).json(), id);
    const rated = conversation.messages.filter((m: { feedback: unknown }) => m.feedback);
    expect(rated.map((m: { feedback: unknown }) => m.feedback)).toEqual([{ rating: 'down', comment: 'It ignored my question' }]);
  });

  test('enter-in-the-rename-dialog-saves-and-the-header-follows', async () => {
    const row = page.locator('.conversation a[aria-current="page"]').locator('..');
    await row.hover();
    await row.locator('button[aria-label^="Rename"]').click();
    await page.fill('#rename-input', 'Seasons in verse');
    await page.press('#rename-input', 'Enter');
    await page.waitForSelector('.conversation >> text=Seasons in verse');
    await page.waitForFunction(() => document.getElementById('view-title')?.textContent === 'Seasons in verse');
  });

  test('a-preset-starts-a-chat-with-its-instructions', async () => {
    await page.click('a[href="/settings"]');
    await page.fill('#preset-name', 'Pirate');
    await page.selectOption('#preset-model', 'local/scripted');
    await page.fill('#preset-prompt', 'Talk like a pirate.');
    await page.click('text=Save preset');
    await page.waitForSelector('.admin-table >> text=Pirate');
    await page.click('button[aria-label="Start a chat with Pirate"]');
    await page.waitForFunction(() => /\/c\/[0-9a-f-]{36}$/.test(location.pathname));
    await page.waitForFunction(() => document.getElementById('view-title')?.textContent === 'Pirate');
    expect(await page.inputValue('#model-picker')).toBe('local/scripted');
    await send(page, 'Ahoy?');
    await waitForAnswerEnd(page);
    expect(systemOf(lastRequest())).toContain('Talk like a pirate.');
    expect(realErrors(problems.errors).filter((e) => !/status of 400/.test(e))).toEqual([]);
    expect(problems.offHost).toEqual([]);
  });

  test('keyboard-shortcuts-list-new-chat-focus-and-stop', async () => {
    await page.click('#messages');
    await page.keyboard.press('?');
    await page.waitForSelector('#shortcuts-dialog[open]');
    expect(await page.textContent('#shortcuts-dialog')).toContain('New chat');
    await screenshot(page, 'shortcuts-desktop');
    await page.keyboard.press('Escape');
    await page.waitForSelector('#shortcuts-dialog', { state: 'detached' });

    await page.keyboard.press('Control+Shift+O');
    await page.waitForFunction(() => location.pathname === '/');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('composer-input');
    await page.click('#messages');
    await page.keyboard.press('Shift+Escape');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('composer-input');

    await pickModel(page, 'local/scripted');
    stack.model.script(MODEL_CHAT_PATH, { text: words(400), delayMs: 20 });
    await send(page, 'Count slowly');
    await page.waitForFunction(() => (document.querySelector('.turn-assistant .answer')?.textContent ?? '').includes('word3'));
    await page.keyboard.press('Escape');
    await waitForAnswerEnd(page);
    expect(await page.textContent('.turn-assistant >> nth=-1')).toContain('Stopped before the end.');
  });

  test('an-offline-answer-that-searched-nothing-offers-to-turn-on-documents-and-asks-again', async () => {
    await page.click('#new-chat');
    await pickModel(page, 'offline');
    await page.evaluate(() => {
      for (const box of document.querySelectorAll<HTMLInputElement>('#plugin-toggles input:checked')) box.click();
    });
    await send(page, 'What does the handbook say about holidays?');
    await waitForAnswerEnd(page);
    expect(await lastAnswer(page).textContent()).toContain('No document was searched');
    await screenshot(page, 'offer-documents-desktop');
    await page.click('button.offer-documents');
    await waitForAnswerEnd(page);
    expect(await page.isChecked('#plugin-rag_lookup')).toBe(true);
    // Asked again with lookup on: the documents were searched, so the offer is not repeated.
    expect(await lastAnswer(page).textContent()).not.toContain('No document was searched');
    expect(await page.locator('button.offer-documents').count()).toBe(0);
    expect(await page.locator('.turn-user').count()).toBe(1);
    const id = page.url().split('/c/')[1];
    const stored = await page.evaluate(async (cid) => (await fetch(`/api/conversations/${cid}`)).json(), id);
    expect(stored.settings.plugins).toEqual(['rag_lookup']);
  });
});

describe.skipIf(Boolean(missing))('the chat on a phone', () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack(), launchChromium()]);
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    ({ page } = await openPage(context, stack.url));
    await signUp(page, 'pip@example.com');
  }, HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, HOOK_TIMEOUT_MS);

  const rightEdge = (selector: string) => page.$eval(selector, (el) => el.getBoundingClientRect().right);

  test('the-tools-popup-fits-a-390-px-screen', async () => {
    await page.click('#plugin-menu summary');
    await page.waitForSelector('#plugin-toggles', { state: 'visible' });
    expect(await rightEdge('#plugin-toggles')).toBeLessThanOrEqual(390);
    expect(await page.$eval('#plugin-toggles', (el) => el.getBoundingClientRect().left)).toBeGreaterThanOrEqual(0);
    // The menu speaks to the person choosing, not in the prompt written for the model.
    const menu = (await page.textContent('#plugin-toggles')) ?? '';
    expect(menu).toContain('Looks things up in your documents and cites them.');
    expect(menu).not.toContain('numbered passages');
    await screenshot(page, 'tools-popup-phone');
    await page.click('#plugin-menu summary');
  });

  test('the-model-picker-shows-the-whole-model-name', async () => {
    await pickModel(page, 'local/scripted');
    const fits = await page.$eval('#model-picker', (el) => {
      const select = el as HTMLSelectElement;
      const probe = document.createElement('span');
      probe.style.font = getComputedStyle(select).font;
      probe.textContent = select.selectedOptions[0].textContent;
      document.body.append(probe);
      const needed = probe.getBoundingClientRect().width;
      probe.remove();
      return select.clientWidth >= needed;
    });
    expect(fits).toBe(true);
  });

  test('revoke-stays-on-screen-in-the-api-key-table', async () => {
    await page.goto(`${stack.url}/settings`);
    await page.fill('#key-name', 'phone script with a long name');
    await page.click('text=Create key');
    await page.waitForSelector('button[aria-label="Revoke phone script with a long name"]');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    expect(await rightEdge('button[aria-label="Revoke phone script with a long name"]')).toBeLessThanOrEqual(390);
    await screenshot(page, 'settings-keys-phone');
  });
});
