import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, launchChromium, openPage, type PageProblems, screenshot } from '../../src/testing/browser';
import { lastAnswer, pickModel, realErrors, send, signUp, waitForAnswerEnd } from '../../src/testing/chat-page';
import { HOOK_TIMEOUT_MS, type Stack, startStack } from '../../src/testing/ui-stack';

setDefaultTimeout(HOOK_TIMEOUT_MS);

const missing = await chromiumMissing();
if (missing) console.log(missing);

const FERRY = [
  '# Island ferry',
  '',
  'The Gannet ferry to Skellig Minor leaves the north quay at 7:40 every weekday.',
  'Bicycles travel free on the first crossing of the day.',
].join('\n');

const GARDEN = [
  '# Community garden',
  '',
  'Plot holders must water their beds before nine in the morning during July.',
  'The compost heap behind the shed is turned on the first Sunday of each month.',
].join('\n');

const SIZES = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } };

/** Drops a file on the message box the way a drag from the desktop does. */
async function dropOnComposer(page: Page, name: string, text: string) {
  await page.evaluate(
    ({ name, text }) => {
      const data = new DataTransfer();
      data.items.add(new File([text], name, { type: 'text/markdown' }));
      const box = document.querySelector('#composer-input')!;
      box.dispatchEvent(new DragEvent('dragenter', { bubbles: true, cancelable: true, dataTransfer: data }));
      box.dispatchEvent(new DragEvent('dragover', { bubbles: true, cancelable: true, dataTransfer: data }));
      box.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: data }));
    },
    { name, text },
  );
}

const composerChip = (page: Page, name: string) => page.locator('#composer-attachments .chip', { hasText: name });

async function waitReady(page: Page, name: string) {
  await composerChip(page, name).and(page.locator('[data-status="ready"]')).waitFor({ timeout: 60_000 });
}

describe.skipIf(Boolean(missing))('attachments in the composer', () => {
  let stack: Stack;
  let browser: Browser;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack(), launchChromium()]);
  }, HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, HOOK_TIMEOUT_MS);

  describe('at desktop size', () => {
    let page: Page;
    let problems: PageProblems;
    beforeAll(async () => {
      const context = await browser.newContext({ viewport: SIZES.desktop });
      ({ page, problems } = await openPage(context, stack.url));
      await signUp(page, 'attacher@example.com');
      await pickModel(page, 'offline');
    });

    test('a-file-attached-with-the-paperclip-is-read-whole-cited-and-kept-on-the-message', async () => {
      await page.setInputFiles('#attach-file', { name: 'ferry.md', mimeType: 'text/markdown', buffer: Buffer.from(FERRY) });
      await composerChip(page, 'ferry.md').waitFor();
      // Sent at once: the message waits for the file to be read, then goes.
      await send(page, 'When does the Gannet ferry leave the north quay?');
      await page.waitForSelector('.turn-user .attachment-chips.sent .chip:has-text("ferry.md")');
      await waitForAnswerEnd(page);
      expect(await lastAnswer(page).textContent()).toContain('leaves the north quay at 7:40 every weekday');
      await lastAnswer(page).locator('button.cite').first().click();
      await page.waitForSelector('#citation-dialog[open]');
      expect(await page.textContent('#citation-title')).toContain('ferry.md');
      expect(await page.textContent('#citation-passage mark')).toContain('The Gannet ferry to Skellig Minor leaves the north quay at 7:40');
      await page.click('#citation-dialog button[value="close"]');
      expect(await page.locator('#composer-attachments .chip').count()).toBe(0);
      await page.reload();
      await page.waitForSelector('.turn-user .attachment-chips.sent .chip:has-text("ferry.md")');
      await page.waitForSelector('.turn-assistant .answer button.cite');
    });

    test('a-file-dropped-on-the-message-box-is-attached-and-answers-cite-it', async () => {
      await page.click('#new-chat');
      await pickModel(page, 'offline');
      await dropOnComposer(page, 'garden.md', GARDEN);
      await waitReady(page, 'garden.md');
      expect(await composerChip(page, 'garden.md').locator('.chip-status').textContent()).toBe('Ready');
      await send(page, 'When must plot holders water their beds in July?');
      await waitForAnswerEnd(page);
      const answer = (await lastAnswer(page).textContent()) ?? '';
      expect(answer).toContain('water their beds before nine in the morning');
      expect(await lastAnswer(page).locator('button.cite').count()).toBeGreaterThan(0);
      await page.reload();
      await page.waitForSelector('.turn-user .attachment-chips.sent .chip:has-text("garden.md")');
    });

    test('a-removed-chip-is-not-sent', async () => {
      await page.click('#new-chat');
      await page.setInputFiles('#attach-file', { name: 'ferry.md', mimeType: 'text/markdown', buffer: Buffer.from(FERRY) });
      await waitReady(page, 'ferry.md');
      await page.click('#composer-attachments button[aria-label="Remove ferry.md"]');
      expect(await page.locator('#composer-attachments .chip').count()).toBe(0);
      await send(page, 'When does the Gannet ferry leave?');
      await waitForAnswerEnd(page);
      expect(await page.locator('.turn-user .attachment-chips').count()).toBe(0);
    });

    test('the-same-file-attached-twice-is-sent-once', async () => {
      await page.click('#new-chat');
      for (let i = 0; i < 2; i++)
        await page.setInputFiles('#attach-file', { name: 'ferry.md', mimeType: 'text/markdown', buffer: Buffer.from(FERRY) });
      await page.waitForFunction(() => document.querySelectorAll('#composer-attachments .chip[data-status="ready"]').length === 2);
      await send(page, 'Which quay does the Gannet ferry leave from?');
      await waitForAnswerEnd(page);
      expect(await page.locator('.turn-user .attachment-chips.sent .chip').count()).toBe(1);
      expect(await lastAnswer(page).textContent()).toContain('north quay');
    });

    test('a-file-that-cannot-be-read-holds-the-message-until-it-is-removed', async () => {
      await page.click('#new-chat');
      await page.setInputFiles('#attach-file', { name: 'empty.md', mimeType: 'text/markdown', buffer: Buffer.alloc(0) });
      await composerChip(page, 'empty.md').and(page.locator('[data-status="failed"]')).waitFor();
      // The browser logs the refused upload (400 empty_file); that one error is expected here.
      const refused = problems.errors.findIndex((e) => /status of 400/.test(e));
      expect(refused).toBeGreaterThanOrEqual(0);
      problems.errors.splice(refused, 1);
      await send(page, 'Read the empty file');
      await page.waitForSelector('#composer-hint:has-text("empty.md could not be read")');
      expect(await page.locator('.turn-user').count()).toBe(0);
      expect(await page.inputValue('#composer-input')).toBe('Read the empty file');
      await page.click('#composer-attachments button[aria-label="Remove empty.md"]');
      await page.press('#composer-input', 'Enter');
      await waitForAnswerEnd(page);
      expect(await page.locator('.turn-user .attachment-chips').count()).toBe(0);
    });

    test('conversation-settings-switch-documents-to-always-search', async () => {
      await page.click('#conversation-settings');
      await page.waitForSelector('.admin-dialog #conv-document-mode');
      expect(await page.inputValue('#conv-document-mode')).toBe('auto');
      await screenshot(page, 'conversation-settings-documents-desktop-light');
      await page.selectOption('#conv-document-mode', 'retrieve');
      await page.click('.admin-dialog button[value="ok"]');
      await page.waitForSelector('.admin-dialog', { state: 'detached' });
      const mode = await page.evaluate(async () => {
        const id = location.pathname.split('/').at(-1);
        const res = await fetch(`/api/conversations/${id}`);
        return (await res.json()).settings.documentMode;
      });
      expect(mode).toBe('retrieve');
      await page.click('#conversation-settings');
      await page.waitForSelector('.admin-dialog #conv-document-mode');
      expect(await page.inputValue('#conv-document-mode')).toBe('retrieve');
      await page.click('.admin-dialog button[value="cancel"]');
    });

    test('no-script-errors-or-off-host-requests', () => {
      expect(realErrors(problems.errors)).toEqual([]);
      expect(problems.offHost).toEqual([]);
    });
  });

  for (const scheme of ['light', 'dark'] as const) {
    for (const [size, viewport] of Object.entries(SIZES)) {
      test(`composer-with-chips-renders-on-${size}-${scheme}`, async () => {
        const context = await browser.newContext({ viewport, colorScheme: scheme, isMobile: size === 'phone', hasTouch: size === 'phone' });
        const { page, problems } = await openPage(context, stack.url);
        await signUp(page, `chips-${size}-${scheme}@example.com`);
        await pickModel(page, 'offline');
        await page.setInputFiles('#attach-file', [
          { name: 'ferry.md', mimeType: 'text/markdown', buffer: Buffer.from(FERRY) },
          { name: 'community-garden-rules-and-watering-schedule.md', mimeType: 'text/markdown', buffer: Buffer.from(GARDEN) },
        ]);
        await waitReady(page, 'ferry.md');
        await waitReady(page, 'community-garden-rules');
        await page.fill('#composer-input', 'When does the Gannet ferry leave?');
        await screenshot(page, `composer-attachments-${size}-${scheme}`);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow).toBeLessThanOrEqual(0);
        await page.press('#composer-input', 'Enter');
        await waitForAnswerEnd(page);
        await page.waitForSelector('.turn-user .attachment-chips.sent .chip');
        await screenshot(page, `sent-attachments-${size}-${scheme}`);
        expect(realErrors(problems.errors)).toEqual([]);
        await context.close();
      });
    }
  }
});
