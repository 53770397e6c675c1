import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { errorCatalogue } from '../../src/lib/error-catalogue';
import { chromiumMissing, launchChromium, openPage, type PageProblems } from '../../src/testing/browser';
import { pickModel, realErrors, send, signUp, waitForAnswerEnd } from '../../src/testing/chat-page';
import { HOOK_TIMEOUT_MS, MODEL_CHAT_PATH, type Stack, startStack } from '../../src/testing/ui-stack';

setDefaultTimeout(HOOK_TIMEOUT_MS);

const missing = await chromiumMissing();
if (missing) console.log(missing);

/** What the upstream says when it breaks; a person must never read it. */
const UPSTREAM_TEXT = 'overloaded: shard eu-3/7 is down';

/**
 * OpenAI's stream as it breaks after a tool call has begun: some text, the call, then the in-band
 * error event OpenAI sends when a stream fails part-way.
 */
function streamFailingAfterToolCall(): { status: number; body: string; headers: Record<string, string> } {
  const chunk = (delta: unknown) => ({
    id: 'chatcmpl-outage',
    object: 'chat.completion.chunk',
    created: 0,
    model: 'scripted',
    choices: [{ index: 0, delta, finish_reason: null }],
  });
  const events = [
    chunk({ role: 'assistant', content: 'Let me look that up.' }),
    chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"tides"}' } }] }),
    { error: { message: UPSTREAM_TEXT, type: 'server_error' } },
  ];
  return {
    status: 200,
    headers: { 'content-type': 'text/event-stream' },
    body: events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join(''),
  };
}

const lastErrorNotice = (page: Page) => page.locator('.turn-assistant .error-notice').last();

describe.skipIf(Boolean(missing))('error messages in the browser', () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  let problems: PageProblems;

  beforeAll(async () => {
    // One request a minute: the outage turn takes it, so the next message meets the limit.
    [stack, browser] = await Promise.all([startStack({ RATE_LIMIT_RPM: '1' }), launchChromium()]);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    ({ page, problems } = await openPage(context, stack.url));
    await signUp(page, 'errors@example.com');
  }, HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, HOOK_TIMEOUT_MS);

  test('a-provider-failing-mid-answer-shows-the-catalogue-sentence-not-the-upstream-text', async () => {
    await pickModel(page, 'local/scripted');
    // Once a tool call has started no other model can take the answer over, so the outage reaches the user.
    stack.model.script(MODEL_CHAT_PATH, streamFailingAfterToolCall());
    await send(page, 'When is high tide?');
    await waitForAnswerEnd(page);
    expect(await lastErrorNotice(page).textContent()).toBe(errorCatalogue.upstream_unavailable.message);
    expect(await page.textContent('body')).not.toContain(UPSTREAM_TEXT);
  });

  test('the-failed-answer-shows-the-same-sentence-after-a-reload', async () => {
    await page.waitForURL(/\/c\/[0-9a-f-]{36}$/);
    await page.reload();
    await page.waitForSelector('text=When is high tide?');
    expect(await lastErrorNotice(page).textContent()).toBe(errorCatalogue.upstream_unavailable.message);
  });

  test('a-rate-limit-shows-the-catalogue-sentence-with-the-wait', async () => {
    await send(page, 'And low tide?');
    await waitForAnswerEnd(page);
    const shown = (await lastErrorNotice(page).textContent()) ?? '';
    expect(shown.startsWith(`${errorCatalogue.rate_limited.message} Try again in `)).toBe(true);
    expect(shown).toMatch(/Try again in \d+ seconds\.$/);
  });

  test('no-script-errors-or-off-host-requests', () => {
    expect(realErrors(problems.errors)).toEqual([]);
    expect(problems.offHost).toEqual([]);
  });
});
