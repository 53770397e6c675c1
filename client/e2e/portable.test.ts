import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromiumMissing, launchChromium, openPage, type PageProblems } from '../../src/testing/browser';
import { pickModel, realErrors, send, signUp, waitForAnswerEnd } from '../../src/testing/chat-page';
import { HOOK_TIMEOUT_MS, MODEL_CHAT_PATH, type Stack, startStack } from '../../src/testing/ui-stack';

setDefaultTimeout(HOOK_TIMEOUT_MS);

const missing = await chromiumMissing();
if (missing) console.log(missing);

const EMAIL = 'sharer-owner@example.com';

const HOSTILE_ANSWER = 'Proof in **bold** <img src=x onerror="window.__xss=1"> [link](javascript:window.__xss=2)';

/** ChatGPT's export format, by hand: two branches under a hidden system node, float create_times. */
const CHATGPT_FILE = JSON.stringify([
  {
    title: 'Imported from ChatGPT',
    create_time: 1_767_225_600.5,
    update_time: 1_767_225_700.25,
    conversation_id: 'e2e00000-0000-4000-8000-000000000001',
    mapping: {
      root: { id: 'root', parent: null, children: ['sys'], message: null },
      sys: {
        id: 'sys',
        parent: 'root',
        children: ['q1', 'q2'],
        message: {
          author: { role: 'system' },
          create_time: null,
          content: { content_type: 'text', parts: [''] },
          metadata: { is_visually_hidden_from_conversation: true },
        },
      },
      q1: {
        id: 'q1',
        parent: 'sys',
        children: [],
        message: { author: { role: 'user' }, create_time: 1_767_225_601.1, content: { content_type: 'text', parts: ['first try'] } },
      },
      q2: {
        id: 'q2',
        parent: 'sys',
        children: ['a2'],
        message: { author: { role: 'user' }, create_time: 1_767_225_650.9, content: { content_type: 'text', parts: ['edited question'] } },
      },
      a2: {
        id: 'a2',
        parent: 'q2',
        children: [],
        message: {
          author: { role: 'assistant' },
          create_time: 1_767_225_655.3,
          content: { content_type: 'text', parts: ['answer to the edit'] },
        },
      },
    },
  },
]);

describe.skipIf(Boolean(missing))('conversations people take with them', () => {
  let stack: Stack;
  let browser: Browser;
  let owner: BrowserContext;
  let page: Page;
  let problems: PageProblems;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack(), launchChromium()]);
    owner = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    ({ page, problems } = await openPage(owner, stack.url));
    await signUp(page, EMAIL);
  }, HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, HOOK_TIMEOUT_MS);

  test('a-share-page-shows-the-snapshot-and-leaks-nothing-else', async () => {
    await pickModel(page, 'local/scripted');
    stack.model.script(MODEL_CHAT_PATH, { text: HOSTILE_ANSWER });
    await send(page, 'Prove it');
    await waitForAnswerEnd(page);
    await page.locator('.conversation button[title="Share or download"]').first().click();
    await page.click('#share-create');
    await page.waitForSelector('#share-url:not([hidden])');
    const url = await page.locator('#share-url').inputValue();
    const title = await page.locator('#actions-title').textContent();
    expect(url).toStartWith(`${stack.url}/s/`);

    // After sharing, the conversation goes on; the page must not show it.
    await page.keyboard.press('Escape');
    await send(page, 'A later private question');
    await waitForAnswerEnd(page);

    const visitor = await browser.newContext();
    const { page: shared, problems: visitorProblems } = await openPage(visitor, url);
    await shared.waitForSelector('.turn-assistant .answer strong');
    expect(await shared.title()).toBe(`${title} · Confab`);
    expect(await shared.locator('#shared-title').textContent()).toBe(title);
    const text = await shared.locator('#shared-messages').textContent();
    expect(text).toContain('Prove it');
    expect(text).toContain('Proof in bold');
    expect(text).not.toContain('A later private question');
    const html = await shared.content();
    for (const secret of [EMAIL, 'sharer-owner', '/c/', 'local/scripted']) expect(html).not.toContain(secret);
    expect(await shared.locator('meta[name="robots"]').getAttribute('content')).toBe('noindex, nofollow');
    for (const link of await shared.locator('.answer a').all()) await link.click().catch(() => {});
    const findings = await shared.evaluate(() => ({
      xss: (window as any).__xss,
      handlers: [...document.querySelectorAll('.answer *')].filter((el) => [...el.attributes].some((a) => a.name.startsWith('on'))).length,
      forms: document.querySelectorAll('form, textarea, input, button').length,
      cookie: document.cookie,
    }));
    expect(findings).toEqual({ xss: undefined, handlers: 0, forms: 0, cookie: '' });
    expect(visitorProblems).toEqual({ errors: [], offHost: [] });

    // Revoking works at once, for a page opened before too.
    await page.locator('.conversation button[title="Share or download"]').first().click();
    await page.click('#share-revoke');
    await page.waitForSelector('#share-create:text("Create link")');
    await shared.reload();
    await shared.waitForSelector('#shared-error:not([hidden])');
    expect(await shared.locator('#shared-error').textContent()).toContain('revoked');
    expect(await shared.locator('.turn').count()).toBe(0);
    await page.keyboard.press('Escape');
    await visitor.close();
    expect(realErrors(problems.errors)).toEqual([]);
  });

  test('a-chatgpt-file-imported-from-the-sidebar-opens-on-its-latest-branch', async () => {
    const path = `/tmp/confab-e2e-chatgpt-${crypto.randomUUID()}.json`;
    await Bun.write(path, CHATGPT_FILE);
    await page.setInputFiles('#import-file', path);
    await page.waitForSelector('#import-status:text("Imported 1 conversation")');
    await page.click('.conversation a:text("Imported from ChatGPT")');
    await page.locator('.turn-assistant .answer', { hasText: 'answer to the edit' }).waitFor();
    const shown = await page.locator('#messages').textContent();
    expect(shown).toContain('edited question');
    expect(shown).not.toContain('first try');

    await page.setInputFiles('#import-file', path);
    await page.waitForSelector('#import-status:text("Imported 0 conversations, 1 already here")');
    expect(await page.locator('.conversation a:text("Imported from ChatGPT")').count()).toBe(1);

    await Bun.write(path, '{"not": "an export"}');
    await page.setInputFiles('#import-file', path);
    await page.waitForSelector('#import-status.error');
    expect(await page.locator('#import-status').textContent()).toContain('not a Confab, ChatGPT or Open WebUI conversation');
  });

  test('shared-links-are-listed-and-revoked-in-one-place', async () => {
    const row = page.locator('.conversation', { hasText: 'Imported from ChatGPT' });
    await row.locator('button[title="Share or download"]').click();
    await page.click('#share-create');
    await page.waitForSelector('#share-url:not([hidden])');
    const url = await page.locator('#share-url').inputValue();
    await page.keyboard.press('Escape');
    await page.click('#shared-links');
    const item = page.locator('#shares-list .share', { hasText: 'Imported from ChatGPT' });
    await item.waitFor();
    expect(await item.locator('a').getAttribute('href')).toBe(url);
    await item.getByRole('button', { name: /Stop sharing/ }).click();
    await item.waitFor({ state: 'detached' });
    await page.keyboard.press('Escape');
    const res = await page.evaluate(async (u) => (await fetch(`/api/shared/${u.split('/s/')[1]}`)).status, url);
    expect(res).toBe(404);
  });

  test('a-conversation-downloads-as-markdown-and-everything-as-json-lines', async () => {
    await page.locator('.conversation', { hasText: 'Imported from ChatGPT' }).locator('button[title="Share or download"]').click();
    const [markdown] = await Promise.all([page.waitForEvent('download'), page.click('#export-md')]);
    expect(markdown.suggestedFilename()).toBe('Imported-from-ChatGPT.md');
    const md = readFileSync((await markdown.path())!, 'utf8');
    expect(md).toContain('# Imported from ChatGPT');
    expect(md).toContain('## You\n\nedited question');
    await page.keyboard.press('Escape');

    const [all] = await Promise.all([page.waitForEvent('download'), page.click('#export-all')]);
    expect(all.suggestedFilename()).toBe('confab-conversations.jsonl');
    const lines = readFileSync((await all.path())!, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines.map((l) => l.format)).toEqual(['confab.conversation', 'confab.conversation']);
    expect(lines.find((l) => l.title === 'Imported from ChatGPT').messages).toHaveLength(3);

    const [zip] = await Promise.all([page.waitForEvent('download'), page.click('#export-zip')]);
    expect(zip.suggestedFilename()).toBe('confab-conversations.zip');
    const names = Object.keys(unzipSync(new Uint8Array(readFileSync((await zip.path())!))));
    expect(names.filter((n) => n.startsWith('Imported-from-ChatGPT-')).map((n) => n.split('.').pop())).toEqual(['json', 'md']);
  });
});
