import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, launchChromium, openPage, type PageProblems, screenshot } from '../../src/testing/browser';
import { lastAnswer, pickModel, realErrors, send, signUp, waitForAnswerEnd } from '../../src/testing/chat-page';
import { HOOK_TIMEOUT_MS, type Stack, startStack } from '../../src/testing/ui-stack';

setDefaultTimeout(HOOK_TIMEOUT_MS);

const missing = await chromiumMissing();
if (missing) console.log(missing);

const HANDBOOK = [
  '# Lighthouse keeping handbook',
  '',
  'The Skerry Point lighthouse was first lit in 1851 by keeper Agnes Moray.',
  'Its lamp burned colza oil until the station switched to paraffin in 1883.',
  '',
  'Keepers climbed the 112 steps of the tower four times every night to wind the clockwork.',
].join('\n');

const HOSTILE = [
  '# Harbour notes',
  '',
  'The quokka ferry leaves the harbour at dawn <img src=x onerror="window.__xss=1"> every single day.',
  'The quokka ferry ticket costs nine shillings <script>window.__xss=2</script> for adults.',
  'The quokka ferry timetable is at [the office](javascript:window.__xss=3) beside the quay.',
].join('\n');

async function uploadViaButton(page: Page, name: string, text: string) {
  await page.setInputFiles('#document-file', { name, mimeType: 'text/markdown', buffer: Buffer.from(text) });
}

/** Drops a file on the panel the way a drag from the desktop does. */
async function uploadViaDrop(page: Page, name: string, text: string) {
  await page.evaluate(
    ({ name, text }) => {
      const data = new DataTransfer();
      data.items.add(new File([text], name, { type: 'text/markdown' }));
      const zone = document.querySelector('.dropzone')!;
      zone.dispatchEvent(new DragEvent('dragover', { bubbles: true, cancelable: true, dataTransfer: data }));
      zone.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: data }));
    },
    { name, text },
  );
}

async function waitReady(page: Page, name: string) {
  const row = page.locator('.doc', { has: page.locator(`.doc-name:text("${name}")`) });
  await row.locator('.doc-status[data-status="ready"]').waitFor({ timeout: 60_000 });
  return row;
}

describe.skipIf(Boolean(missing))('documents in the browser', () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  let problems: PageProblems;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack(), launchChromium()]);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    ({ page, problems } = await openPage(context, stack.url));
    await signUp(page, 'reader@example.com');
  }, HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, HOOK_TIMEOUT_MS);

  test('uploaded-document-answers-with-a-citation-that-opens-the-passage', async () => {
    await page.click('#toggle-documents');
    await uploadViaButton(page, 'handbook.md', HANDBOOK);
    const row = await waitReady(page, 'handbook.md');
    await row.locator('input[type="checkbox"]').check();
    await page.waitForSelector('.composer-context .chip:has-text("handbook.md")');
    await screenshot(page, 'documents-desktop-light');
    await page.click('#documents-panel button[aria-label="Close documents"]');
    await pickModel(page, 'offline');
    await send(page, 'Who first lit the Skerry Point lighthouse?');
    await waitForAnswerEnd(page);
    expect(await lastAnswer(page).textContent()).toContain('Agnes Moray');
    await page.waitForSelector('.plugin-activity details[data-name="rag_lookup"]');
    const marker = lastAnswer(page).locator('button.cite').first();
    await marker.click();
    await page.waitForSelector('#citation-dialog[open]');
    expect(await page.textContent('#citation-title')).toContain('handbook.md');
    const highlighted = (await page.textContent('#citation-passage mark')) ?? '';
    expect(highlighted).toContain('first lit in 1851 by keeper Agnes Moray');
    expect(HANDBOOK).toContain(highlighted);
    await screenshot(page, 'citation-desktop-light');
    await page.click('#citation-dialog button[value="close"]');
  });

  test('dropped-file-is-ingested-and-can-be-deleted', async () => {
    await page.click('#toggle-documents');
    await uploadViaDrop(page, 'dropped.md', '# Dropped\n\nA file that arrived by drag and drop.');
    const row = await waitReady(page, 'dropped.md');
    await row.locator('button[aria-label="Delete dropped.md"]').click();
    await page.click('#confirm-ok');
    await page.waitForFunction(() => ![...document.querySelectorAll('.doc-name')].some((n) => n.textContent === 'dropped.md'));
    await page.click('#documents-panel button[aria-label="Close documents"]');
  });

  test('script-in-a-document-and-in-the-answer-stays-inert', async () => {
    await page.click('#toggle-documents');
    await uploadViaButton(page, 'harbour.md', HOSTILE);
    const row = await waitReady(page, 'harbour.md');
    await page.click('.composer-context button[aria-label="Stop asking about handbook.md"]');
    await page.waitForFunction(() => !document.querySelector('.composer-context .chip'));
    await row.locator('input[type="checkbox"]').check();
    await page.click('#documents-panel button[aria-label="Close documents"]');
    await page.click('#new-chat');
    await pickModel(page, 'offline');
    await send(page, 'When does the quokka ferry leave, what does the quokka ferry ticket cost and where is the quokka ferry timetable?');
    await waitForAnswerEnd(page);
    const answer = (await lastAnswer(page).textContent()) ?? '';
    expect(answer).toContain('quokka ferry');
    expect(answer).toContain('<script>window.__xss=2</script>');
    await screenshot(page, 'xss-document-desktop-light');
    await lastAnswer(page).locator('button.cite').first().click();
    await page.waitForSelector('#citation-dialog[open]');
    expect(await page.textContent('#citation-passage')).toContain('onerror');
    await page.click('#citation-dialog button[value="close"]');
    for (const link of await page.locator('.answer a').all()) await link.click({ modifiers: [] }).catch(() => {});
    await page.waitForTimeout(300);
    const findings = await page.evaluate(() => ({
      xss: (window as any).__xss,
      handlers: [...document.querySelectorAll('*')].filter((el) => [...el.attributes].some((a) => a.name.startsWith('on'))).length,
      scripts: document.querySelectorAll('.answer script, .passage script').length,
      jsLinks: document.querySelectorAll('a[href^="javascript" i]').length,
    }));
    expect(findings).toEqual({ xss: undefined, handlers: 0, scripts: 0, jsLinks: 0 });
  });

  test('no-script-errors-or-off-host-requests', () => {
    expect(realErrors(problems.errors)).toEqual([]);
    expect(problems.offHost).toEqual([]);
  });
});
