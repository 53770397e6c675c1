import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { chromiumMissing, launchChromium, openPage, type PageProblems, screenshot } from '../../src/testing/browser';
import { lastAnswer, pickModel, realErrors, send, signUp, waitForAnswerEnd } from '../../src/testing/chat-page';
import { HOOK_TIMEOUT_MS, type Stack, startStack } from '../../src/testing/ui-stack';

setDefaultTimeout(HOOK_TIMEOUT_MS);

const missing = await chromiumMissing();
if (missing) console.log(missing);

/** Hard-wraps prose at about 60 columns, as handbooks written in an editor are. */
const wrap = (text: string) => text.replace(/(.{50,60}) /g, '$1\n');

const FILLER = [
  'The cafeteria on the ground floor serves soup and bread from noon until two.',
  'Visitors sign the guest book at reception and wear a badge while inside.',
  'Printers on every floor accept jobs from the intranet queue after login.',
  'The bicycle cellar is unlocked with the same badge that opens the front door.',
  'Meeting rooms are booked through the calendar and freed after fifteen idle minutes.',
  'Recycling bins for paper, glass and batteries stand beside each kitchen.',
  'The library lends technical books for up to four weeks at a time.',
  'Fire drills happen twice a year and are announced a day in advance.',
  'Parking spaces near the entrance are kept for colleagues with reduced mobility.',
  'Plants in the atrium are watered by the facilities team on Tuesdays.',
];
const TARGET = 'Carried-over days must be used by 31 March of the following year, or they lapse.';
const HANDBOOK = `# Holiday rules\n\n${wrap(`${FILLER.join(' ')} ${TARGET}`)}\n`;
const GARDEN = '# Garden\n\nThe garden shed holds the lawn mower and the rakes.\nTomatoes grow along the south wall every summer.\n';

const IT_GUIDE = [
  '# Equipment',
  '',
  '| Grade | Laptop model |',
  '| --- | --- |',
  '| Junior | ThinkPad E14 |',
  '| Senior | ThinkPad X1 |',
  '',
  '# Backups',
  '',
  '```sh',
  'confab-backup --target /srv/backup',
  'confab-backup --verify',
  '```',
  '',
].join('\n');

async function waitReady(page: Page, name: string) {
  const row = page.locator('.doc', { has: page.locator(`.doc-name:text("${name}")`) });
  await row.locator('.doc-status[data-status="ready"]').waitFor({ timeout: 60_000 });
  return row;
}

async function askAboutBoth(page: Page) {
  await page.click('#toggle-documents');
  for (const [name, text] of [
    ['handbook.md', HANDBOOK],
    ['garden.md', GARDEN],
  ]) {
    await page.setInputFiles('#document-file', { name, mimeType: 'text/markdown', buffer: Buffer.from(text) });
    await (await waitReady(page, name)).locator('input[type="checkbox"]').check();
  }
  await page.click('#documents-panel button[aria-label="Close documents"]');
  await pickModel(page, 'offline');
  await send(page, 'By when must carried-over days be used?');
  await waitForAnswerEnd(page);
}

/** Whether the first highlight lies inside both the passage box's visible area and the viewport. */
function markVisible(page: Page) {
  return page.evaluate(() => {
    const mark = document.querySelector('#citation-passage mark')!.getBoundingClientRect();
    const box = document.querySelector('#citation-passage')!.getBoundingClientRect();
    const inBox = mark.top >= box.top - 1 && mark.bottom <= box.bottom + 1;
    const inViewport = mark.top >= 0 && mark.bottom <= window.innerHeight;
    const scrolled = document.querySelector('#citation-passage')!.scrollTop;
    return { inBox, inViewport, scrolled: scrolled > 0 };
  });
}

const SCREENS: [string, BrowserContextOptions][] = [
  ['desktop', { viewport: { width: 1280, height: 800 } }],
  ['phone', { viewport: { width: 390, height: 700 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 }],
];

describe.skipIf(Boolean(missing))('citations in the browser', () => {
  let stack: Stack;
  let browser: Browser;
  const problems: PageProblems[] = [];

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack(), launchChromium()]);
  }, HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, HOOK_TIMEOUT_MS);

  for (const [screen, options] of SCREENS) {
    test(`the-dialog-highlights-only-the-quoted-sentence-and-scrolls-it-into-view-on-${screen}`, async () => {
      const { page, problems: p } = await openPage(await browser.newContext(options), stack.url);
      problems.push(p);
      await signUp(page, `${screen}@example.com`);
      await askAboutBoth(page);
      const answer = (await lastAnswer(page).textContent()) ?? '';
      expect(answer).toContain('Carried-over days must be used by 31 March of the following year, or they lapse');

      const sources = page.locator('.turn-assistant .sources').last();
      expect(await sources.locator('ul.cited > li').count()).toBe(1);
      expect(await sources.locator('ul.cited button.source').textContent()).toBe('handbook.md — Holiday rules');
      expect(await sources.locator('details.also-retrieved summary').textContent()).toBe('Also retrieved (1)');
      expect(await sources.locator('details.also-retrieved button.source').textContent()).toBe('garden.md — Garden');

      await lastAnswer(page).locator('button.cite').first().click();
      await page.waitForSelector('#citation-dialog[open]');
      const marks = await page.locator('#citation-passage mark').allTextContents();
      expect(marks).toHaveLength(1);
      expect(marks[0].replace(/\s+/g, ' ')).toBe(TARGET);
      expect(HANDBOOK).toContain(marks[0]);
      const meta = (await page.textContent('#citation-meta')) ?? '';
      const start = HANDBOOK.indexOf(marks[0]);
      expect(meta).toBe(`Holiday rules · characters ${start}–${start + marks[0].length}`);
      expect(await markVisible(page)).toEqual({ inBox: true, inViewport: true, scrolled: true });
      await screenshot(page, `citation-quote-${screen}-light`);
      await page.click('#citation-dialog button[value="close"]');
    });
  }

  test('a-quoted-table-renders-as-a-table-and-a-quoted-code-block-as-code', async () => {
    const { page, problems: p } = await openPage(await browser.newContext(SCREENS[0][1]), stack.url);
    problems.push(p);
    await signUp(page, 'tables@example.com');
    await page.click('#toggle-documents');
    await page.setInputFiles('#document-file', { name: 'it.md', mimeType: 'text/markdown', buffer: Buffer.from(IT_GUIDE) });
    await (await waitReady(page, 'it.md')).locator('input[type="checkbox"]').check();
    await page.click('#documents-panel button[aria-label="Close documents"]');
    await pickModel(page, 'offline');
    await send(page, 'Which laptop model does the junior or the senior grade have?');
    await waitForAnswerEnd(page);
    const rows = await lastAnswer(page).locator('table tr').allTextContents();
    expect(rows.map((r) => r.replace(/\s+/g, ' ').trim())).toEqual(['Grade Laptop model', 'Junior ThinkPad E14', 'Senior ThinkPad X1']);
    await send(page, 'How do I run confab-backup with a target?');
    await waitForAnswerEnd(page);
    expect(await lastAnswer(page).locator('pre code').textContent()).toContain(
      'confab-backup --target /srv/backup\nconfab-backup --verify',
    );
  });

  test('no-script-errors-or-off-host-requests', () => {
    for (const p of problems) {
      expect(realErrors(p.errors)).toEqual([]);
      expect(p.offHost).toEqual([]);
    }
  });
});
