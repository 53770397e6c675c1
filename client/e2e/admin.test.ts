import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, launchChromium, openPage, type PageProblems, screenshot } from '../../src/testing/browser';
import { lastAnswer, pickModel, realErrors, send, signUp, waitForAnswerEnd } from '../../src/testing/chat-page';
import { type FakeUpstream, startFakeUpstream } from '../../src/testing/fake-upstream';
import { HOOK_TIMEOUT_MS, MODEL_CHAT_PATH, type Stack, startStack } from '../../src/testing/ui-stack';

setDefaultTimeout(HOOK_TIMEOUT_MS);

const missing = await chromiumMissing();
if (missing) console.log(missing);

const LAB_KEY = 'sk-lab-secret-7f3a9c1234';
const modelOptions = (page: Page) => page.$$eval('#model-picker option', (os) => os.map((o) => (o as HTMLOptionElement).value));

describe.skipIf(Boolean(missing))('running a server from the admin area', () => {
  let stack: Stack;
  let lab: FakeUpstream;
  let browser: Browser;
  let admin: Page;
  let user: Page;
  let adminProblems: PageProblems;
  let userProblems: PageProblems;

  beforeAll(async () => {
    [stack, browser, lab] = await Promise.all([
      startStack({ SIGNUP: 'approval' }),
      launchChromium(),
      startFakeUpstream({ models: ['gpt-lab'], apiKey: LAB_KEY }),
    ]);
    lab.always(MODEL_CHAT_PATH, { text: 'Hello from the lab connection.' });
    const desktop = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    ({ page: admin, problems: adminProblems } = await openPage(desktop, stack.url));
    ({ page: user, problems: userProblems } = await openPage(phone, stack.url));
  }, HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await lab?.stop();
  }, HOOK_TIMEOUT_MS);

  test('a-new-account-under-approval-waits-and-the-ui-says-so', async () => {
    await signUp(admin, 'root@example.com');
    expect(await admin.isVisible('#admin-link')).toBe(true);
    await user.waitForSelector('#auth-form');
    await user.click('#tab-signup');
    await user.fill('#auth-email', 'pat@example.com');
    await user.fill('#auth-password', 'correct horse battery');
    await user.click('#auth-submit');
    await user.waitForSelector('#pending');
    expect(await user.textContent('#pending')).toContain('waiting for an administrator to approve it');
    await user.click('#pending >> text=Check again');
    await user.waitForSelector('#pending >> text=Not approved yet.');
    await screenshot(user, 'admin-pending-phone');
  });

  test('the-admin-approves-the-pending-user', async () => {
    await admin.click('#admin-link');
    await admin.waitForSelector('.admin-tabs a[aria-current="page"][data-tab="users"]');
    await admin.selectOption('#user-status-filter', 'pending');
    const row = admin.locator('.admin-table tr', { hasText: 'pat@example.com' });
    await row.locator('text=Waiting for approval').waitFor();
    await row.locator('button', { hasText: 'Approve' }).click();
    await admin.waitForSelector('.admin-status.ok >> text=pat@example.com approved');
    await user.click('#pending >> text=Check again');
    await user.waitForSelector('#app:not([hidden])');
    await user.waitForSelector('#model-picker option', { state: 'attached' });
    expect(await user.isVisible('#admin-link')).toBe(false);
  });

  test('the-admin-adds-a-connection-and-tests-it-and-its-key-is-never-shown', async () => {
    await admin.click('.admin-tabs >> text=Connections');
    await admin.selectOption('#conn-kind', 'openai-compatible');
    await admin.fill('#conn-name', 'lab');
    await admin.fill('#conn-url', `${lab.url}/v1`);
    await admin.fill('#conn-key', LAB_KEY);
    await admin.click('text=Add connection');
    const row = admin.locator('.admin-table tr', { hasText: 'lab' }).filter({ hasText: 'admin' });
    await row.waitFor();
    expect(await row.textContent()).toContain('sk-…1234');
    await row.locator('button', { hasText: 'Test' }).click();
    await row.locator('.test-result.ok').waitFor();
    expect(await row.locator('.test-result').textContent()).toContain('gpt-lab');
    expect(await admin.content()).not.toContain(LAB_KEY);
    await screenshot(admin, 'admin-connections-desktop');
  });

  test('the-admin-restricts-models-and-sets-a-group-budget', async () => {
    await admin.click('.admin-tabs >> text=Groups');
    await admin.fill('#new-group-name', 'research');
    await admin.click('text=Add group');
    const group = admin.locator('.admin-table tr', { hasText: 'research' });
    await group.waitFor();
    await group.locator('button', { hasText: 'Edit' }).click();
    await admin.locator('.admin-dialog label', { hasText: 'pat@example.com' }).click();
    // A turn reserves its prompt and 1,024 tokens of answer, so one short turn fits and a second does not.
    await admin.fill('#group-limits-tokensPerDay', '1100');
    await admin.click('.admin-dialog button[value="ok"]');
    await admin.waitForSelector('.admin-status.ok >> text=Group research saved');
    expect(await group.textContent()).toContain('pat@example.com');
    expect(await group.textContent()).toContain('Tokens / day: 1,100');

    await admin.click('.admin-tabs >> text=Models');
    const labModel = admin.locator('form[aria-label="Settings of lab/gpt-lab"]');
    await labModel.locator('input[id$="-groups"]').fill('research');
    await labModel.locator('button', { hasText: 'Save' }).click();
    await admin.waitForSelector('.admin-status.ok >> text=lab/gpt-lab saved');
    const scripted = admin.locator('form[aria-label="Settings of local/scripted"]');
    await scripted.locator('input[id$="-role-admin"]').check();
    await scripted.locator('button', { hasText: 'Save' }).click();
    await admin.waitForSelector('.admin-status.ok >> text=local/scripted saved');
    await screenshot(admin, 'admin-models-desktop');
  });

  test('the-user-sees-only-the-models-allowed-and-is-refused-past-the-budget', async () => {
    await user.reload();
    await user.waitForSelector('#model-picker option', { state: 'attached' });
    const models = await modelOptions(user);
    expect(models).toContain('lab/gpt-lab');
    expect(models).not.toContain('local/scripted');
    expect(await modelOptions(admin)).toContain('local/scripted');

    await pickModel(user, 'lab/gpt-lab');
    await send(user, 'Hello lab');
    await waitForAnswerEnd(user);
    expect(await lastAnswer(user).textContent()).toContain('Hello from the lab connection.');
    await send(user, 'And again');
    await user.waitForSelector('text=You have used all your tokens for today.');
    await screenshot(user, 'admin-budget-refused-phone');

    await user.goto(`${stack.url}/usage`);
    await user.waitForSelector('.quota-card');
    const tokens = await user.locator('.quota-card', { hasText: 'Tokens today' }).textContent();
    expect(tokens).toContain('of 1,100 used');
    expect(tokens).toContain('from your group');
    await screenshot(user, 'usage-phone');
  });

  test('usage-and-audit-show-what-happened', async () => {
    await admin.goto(`${stack.url}/admin/usage`);
    await admin.selectOption('#usage-group', 'user');
    await admin.waitForSelector('.admin-table >> text=pat@example.com');
    expect(await admin.locator('svg.bar-chart').count()).toBe(1);
    await screenshot(admin, 'admin-usage-desktop');
    await admin.click('.admin-tabs >> text=Audit log');
    await admin.waitForSelector('.admin-table >> text=connection.create');
    const audit = await admin.locator('.admin-table').textContent();
    for (const action of ['user.update', 'group.update', 'model.update', 'auth.signup']) expect(audit).toContain(action);
    expect(audit).not.toContain(LAB_KEY);
    expect(realErrors(adminProblems.errors)).toEqual([]);
    expect(realErrors(userProblems.errors).filter((e) => !/status of 429/.test(e))).toEqual([]);
    expect([...adminProblems.offHost, ...userProblems.offHost]).toEqual([]);
  });

  test('a-non-admin-opening-the-admin-area-is-sent-back-to-chat', async () => {
    await user.goto(`${stack.url}/admin/users`);
    await user.waitForSelector('#app:not([hidden])');
    await user.waitForFunction(() => location.pathname === '/');
    expect(await user.isVisible('#admin-view')).toBe(false);
  });

  test('the-admin-area-fits-a-phone', async () => {
    await admin.setViewportSize({ width: 390, height: 844 });
    for (const tab of ['users', 'connections', 'models', 'usage']) {
      await admin.goto(`${stack.url}/admin/${tab}`);
      await admin.waitForSelector(`.admin-tabs a[aria-current="page"][data-tab="${tab}"]`);
      await admin.waitForSelector('.admin-panel section');
      const overflow = await admin.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, tab).toBeLessThanOrEqual(0);
      await screenshot(admin, `admin-${tab}-phone`);
    }
  });
});
