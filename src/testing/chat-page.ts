import type { Page } from 'playwright-core';

export async function signUp(page: Page, email: string, password = 'correct horse battery'): Promise<void> {
  await page.waitForSelector('#auth-form');
  await page.click('#tab-signup');
  await page.fill('#auth-email', email);
  await page.fill('#auth-password', password);
  await page.click('#auth-submit');
  await page.waitForSelector('#app:not([hidden])');
  await page.waitForSelector('#model-picker option', { state: 'attached' });
}

export async function pickModel(page: Page, id: string): Promise<void> {
  await page.selectOption('#model-picker', id);
}

/** Types into the composer and sends with Enter, as a user would. */
export async function send(page: Page, text: string): Promise<void> {
  await page.fill('#composer-input', text);
  await page.press('#composer-input', 'Enter');
}

export async function waitForAnswerEnd(page: Page): Promise<void> {
  await page.waitForSelector('#send:not([hidden])');
  await page.waitForFunction(() => !document.querySelector('.answer.streaming'));
}

export const lastAnswer = (page: Page) => page.locator('.turn-assistant .answer').last();

/** Problems that matter: the failed 401 probe of a signed-out page is expected. */
export const realErrors = (errors: string[]) => errors.filter((e) => !/status of 401/.test(e));

export function words(n: number, prefix = 'word'): string {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`).join(' ');
}
