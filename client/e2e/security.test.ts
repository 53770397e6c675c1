import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromiumMissing, launchChromium, openPage, type PageProblems } from '../../src/testing/browser';
import { lastAnswer, pickModel, realErrors, send, signUp, waitForAnswerEnd } from '../../src/testing/chat-page';
import { HOOK_TIMEOUT_MS, MODEL_CHAT_PATH, type Stack, startStack } from '../../src/testing/ui-stack';

setDefaultTimeout(HOOK_TIMEOUT_MS);

const missing = await chromiumMissing();
if (missing) console.log(missing);

const HOSTILE_REPLY = [
  'Here you go <img src=x onerror="window.__xss=1"> and <script>window.__xss=2</script>.',
  '',
  '[a link](javascript:window.__xss=3) and [another](JaVaScRiPt:window.__xss=4) and <a href="javascript:window.__xss=5">raw</a>',
  '',
  '<iframe srcdoc="<script>parent.__xss=6</script>"></iframe> <svg onload="window.__xss=7"></svg>',
  '',
  '![pic](x" onerror="window.__xss=8)',
  '',
  '```js',
  'const greeting = "<script>window.__xss=9</script>";',
  '```',
].join('\n');

describe.skipIf(Boolean(missing))('browser security', () => {
  let stack: Stack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: PageProblems;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startStack(), launchChromium()]);
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    ({ page, problems } = await openPage(context, stack.url));
    await signUp(page, 'sec@example.com');
  }, HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, HOOK_TIMEOUT_MS);

  test('script-in-a-model-reply-is-rendered-inert', async () => {
    await pickModel(page, 'local/scripted');
    stack.model.script(MODEL_CHAT_PATH, { text: HOSTILE_REPLY, delayMs: 2 });
    await send(page, 'Say something dangerous');
    await waitForAnswerEnd(page);
    const answer = lastAnswer(page);
    await answer.locator('pre code .hljs-string').waitFor();
    for (const link of await answer.locator('a').all()) await link.click().catch(() => {});
    await page.waitForTimeout(300);
    const findings = await page.evaluate(() => ({
      xss: (window as any).__xss,
      handlers: [...document.querySelectorAll('.answer *')].filter((el) => [...el.attributes].some((a) => a.name.startsWith('on'))).length,
      active: document.querySelectorAll('.answer script, .answer iframe, .answer svg, .answer object, .answer embed').length,
      jsLinks: [...document.querySelectorAll('.answer a')].filter((a) => !/^https?:/i.test(a.getAttribute('href') ?? 'https:')).length,
    }));
    expect(findings).toEqual({ xss: undefined, handlers: 0, active: 0, jsLinks: 0 });
    expect(await answer.textContent()).toContain('<script>window.__xss=2</script>');
    expect(await answer.locator('pre code').textContent()).toContain('<script>window.__xss=9</script>');
  });

  test('ui-pages-carry-a-strict-content-security-policy', async () => {
    const res = await context.request.get(stack.url);
    const csp = res.headers()['content-security-policy'];
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("require-trusted-types-for 'script'");
  });

  test('inline-handlers-and-raw-html-sinks-are-refused-by-the-page-policy', async () => {
    const outcome = await page.evaluate(() => {
      const refused = (attempt: () => void) => {
        try {
          attempt();
          return false;
        } catch {
          return true;
        }
      };
      const handler = refused(() => {
        const button = document.createElement('button');
        button.setAttribute('onclick', 'window.__inline = 1');
        document.body.append(button);
        button.click();
      });
      const rawHtml = refused(() => document.body.insertAdjacentHTML('beforeend', '<img src=x onerror="window.__inline = 2">'));
      const script = refused(() => {
        const s = document.createElement('script');
        s.textContent = 'window.__inline = 3';
        document.body.append(s);
      });
      return { ran: (window as any).__inline, handler, rawHtml, script };
    });
    expect(outcome).toEqual({ ran: undefined, handler: true, rawHtml: true, script: true });
    problems.errors.splice(0);
  });

  test('swagger-renders-with-no-network-beyond-this-machine', async () => {
    const docs = await openPage(context, `${stack.url}/swagger`);
    await docs.page.waitForSelector('.swagger-ui .info .title');
    expect(await docs.page.textContent('.swagger-ui .info .title')).toContain('Confab API');
    await docs.page.waitForSelector('.opblock-tag-section');
    expect(docs.problems.offHost).toEqual([]);
    expect(docs.problems.errors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
    await docs.page.close();
  });

  test('no-script-errors-or-off-host-requests', () => {
    expect(realErrors(problems.errors)).toEqual([]);
    expect(problems.offHost).toEqual([]);
  });
});
