import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, launchChromium, openPage, type PageProblems } from '../../src/testing/browser';
import { realErrors, signUp } from '../../src/testing/chat-page';
import { HOOK_TIMEOUT_MS, type Stack, startStack } from '../../src/testing/ui-stack';

setDefaultTimeout(HOOK_TIMEOUT_MS);

const missing = await chromiumMissing();
if (missing) console.log(missing);

describe.skipIf(Boolean(missing))('organising conversations in the sidebar', () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  let problems: PageProblems;

  /** Made through the API from the page, as the app would: the sidebar then shows them after a reload. */
  const create = (title: string) =>
    page.evaluate(async (t) => {
      const res = await fetch('/api/conversations', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: t, messages: [{ role: 'user', content: `about ${t}` }] }),
      });
      return ((await res.json()) as { id: string }).id;
    }, title);
  const row = (title: string) => page.locator('.conversation', { has: page.locator(`a[title="${title}"]`) });
  const listed = () => page.locator('#conversation-list .conversation a').allTextContents();

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack(), launchChromium()]);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    ({ page, problems } = await openPage(context, stack.url));
    await signUp(page, 'organiser@example.com');
    for (const title of ['Alpha', 'Bravo', 'Charlie', 'Delta']) await create(title);
    await page.reload();
    await page.waitForSelector('.conversation a[title="Delta"]');
  }, HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, HOOK_TIMEOUT_MS);

  test('a-title-takes-the-whole-row-until-the-row-is-hovered', async () => {
    const title = 'Ferry times on Sundays';
    const id = await create(title);
    try {
      await page.reload();
      const link = row(title).locator('a');
      await link.waitFor();
      await page.mouse.move(900, 700);
      // Not hovered: the title is not cut short by room kept for invisible buttons.
      expect(await link.evaluate((a) => a.scrollWidth <= a.clientWidth)).toBe(true);
      await row(title).hover();
      const rename = row(title).locator('button[title="Rename"]');
      expect(await rename.evaluate((b) => getComputedStyle(b.parentElement!).opacity)).toBe('1');
      expect(await rename.evaluate((b) => b.getBoundingClientRect().width)).toBeGreaterThan(20);
      // From the keyboard: Tab from the title reaches its first action, which shows.
      await page.mouse.move(900, 700);
      await link.focus();
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement;
        return { title: el.getAttribute('title'), width: el.getBoundingClientRect().width };
      });
      expect(focused.title).toBe('Pin');
      expect(focused.width).toBeGreaterThan(20);
    } finally {
      await page.evaluate((cid) => fetch(`/api/conversations/${cid}`, { method: 'DELETE' }), id);
      await page.reload();
    }
    await row(title).waitFor({ state: 'detached' });
  });

  test('a-pinned-conversation-shows-on-top-under-pinned', async () => {
    await row('Alpha').hover();
    await row('Alpha').locator('button[title="Pin"]').click();
    await page.waitForSelector('#conversation-list section:first-child h2:text("Pinned")');
    expect(await page.locator('#conversation-list section').first().locator('.conversation a').allTextContents()).toEqual(['Alpha']);
    expect((await listed()).filter((t) => t === 'Alpha')).toHaveLength(1);
  });

  test('an-archived-conversation-leaves-the-list-and-can-be-restored', async () => {
    await row('Bravo').hover();
    await row('Bravo').locator('button[title="Archive"]').click();
    await row('Bravo').waitFor({ state: 'detached' });
    await page.click('.folder-bar button:text("Archived")');
    await row('Bravo').waitFor();
    expect(await listed()).toEqual(['Bravo']);
    await page.fill('#search', 'bravo');
    await page.click('.folder-bar button:text("All chats")');
    await row('Bravo').waitFor();
    await page.fill('#search', '');
    await page.click('.folder-bar button:text("Archived")');
    await row('Bravo').hover();
    await row('Bravo').locator('button[title="Restore"]').click();
    await row('Bravo').waitFor({ state: 'detached' });
    await page.click('.folder-bar button:text("All chats")');
    await row('Bravo').waitFor();
  });

  test('a-conversation-dragged-onto-a-folder-is-filed-there', async () => {
    await page.click('#new-folder');
    await page.fill('#rename-input', 'Recipes');
    await page.click('#rename-dialog button[value="ok"]');
    const folder = page.locator('.folder-bar .folder', { hasText: 'Recipes (0)' });
    await folder.waitFor();
    await row('Charlie').dragTo(folder);
    await page.locator('.folder-bar .folder', { hasText: 'Recipes (1)' }).waitFor();
    await page.locator('.folder-bar .folder', { hasText: 'Recipes' }).click();
    await page.waitForFunction(() => document.querySelectorAll('#conversation-list .conversation').length === 1);
    expect(await listed()).toEqual(['Charlie']);
    await page.click('.folder-bar button:text("All chats")');
    await row('Delta').waitFor();
  });

  test('several-conversations-are-deleted-at-once', async () => {
    await page.click('#select-mode');
    await row('Charlie').locator('.select-row').check();
    await row('Delta').locator('.select-row').check();
    await page.waitForSelector('.select-bar span:text("2 selected")');
    await page.click('#delete-selected');
    await page.click('#confirm-ok');
    await row('Delta').waitFor({ state: 'detached' });
    expect((await listed()).sort()).toEqual(['Alpha', 'Bravo']);
    await page.reload();
    await page.waitForSelector('.conversation a[title="Alpha"]');
    expect((await listed()).sort()).toEqual(['Alpha', 'Bravo']);
    expect(realErrors(problems.errors)).toEqual([]);
  });
});
