import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = join(import.meta.dir, '../../test-artifacts/screenshots');

/** Null when Chromium can run here; otherwise why the browser tests are skipped. */
export async function chromiumMissing(): Promise<string | null> {
  return (await Bun.file(CHROMIUM_PATH).exists())
    ? null
    : `Chromium not found at ${CHROMIUM_PATH} (set CHROMIUM_PATH): skipping browser tests`;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface PageProblems {
  errors: string[];
  /** Requests refused because they left the machine. */
  offHost: string[];
}

/**
 * A page that may only talk to 127.0.0.1: anything else is refused and recorded, as are page
 * errors and console errors (CSP and Trusted Types violations show up there).
 */
export async function openPage(context: BrowserContext, url: string): Promise<{ page: Page; problems: PageProblems }> {
  const problems: PageProblems = { errors: [], offHost: [] };
  const page = await context.newPage();
  await page.route('**/*', (route) => {
    const host = new URL(route.request().url()).hostname;
    if (host === '127.0.0.1' || route.request().url().startsWith('data:')) return route.continue();
    problems.offHost.push(route.request().url());
    return route.abort('blockedbyclient');
  });
  page.on('pageerror', (e) => problems.errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.errors.push(`console: ${m.text()}`));
  await page.goto(url);
  return { page, problems };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: false });
}
