import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorCatalogue } from '../../lib/error-catalogue';
import { ERROR_CATALOGUE_PATH, errorCatalogueSource } from './error-catalogue-script';
import { CLIENT_DIR, webModule } from './index';

const JS_DIR = join(CLIENT_DIR, 'js');

interface ClientErrors {
  describeError(e: { code?: string; message?: string; retryAfterMs?: number }): string;
  CLIENT_ONLY_MESSAGES: Map<string, string>;
}

/** Every error code a client file names: comparisons, literals passed as a code, and ApiError codes. */
function codesNamedByTheClient(): Map<string, string> {
  const patterns = [/\bcode\s*[!=]==?\s*'([^']+)'/g, /\bcode:\s*'([^']+)'/g, /new ApiError\([^,]+,\s*'([^']+)'/g];
  const named = new Map<string, string>();
  for (const file of readdirSync(JS_DIR).filter((f) => f.endsWith('.js'))) {
    const source = readFileSync(join(JS_DIR, file), 'utf8');
    for (const pattern of patterns) for (const m of source.matchAll(pattern)) named.set(m[1], file);
  }
  return named;
}

describe('the UI and the server word errors from one catalogue', () => {
  let dir: string;
  let client: ClientErrors;

  // The browser module runs here as it does in the page: next to the catalogue module the server serves.
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'confab-errors-js-'));
    copyFileSync(join(JS_DIR, 'errors.js'), join(dir, 'errors.js'));
    writeFileSync(join(dir, 'error-catalogue.js'), errorCatalogueSource);
    client = await import(join(dir, 'errors.js'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('every-code-the-client-names-is-in-the-catalogue-or-declared-client-only', () => {
    const named = codesNamedByTheClient();
    for (const code of ['cancelled', 'generation_failed', 'not_resumable', 'network']) expect(named.has(code)).toBe(true);
    for (const [code, file] of named) {
      const known = code in errorCatalogue || client.CLIENT_ONLY_MESSAGES.has(code);
      expect({ code, file, known }).toEqual({ code, file, known: true });
    }
    for (const code of client.CLIENT_ONLY_MESSAGES.keys()) expect(code in errorCatalogue).toBe(false);
  });

  test('the-client-shows-the-catalogue-sentence-for-every-server-code', () => {
    for (const [code, entry] of Object.entries(errorCatalogue)) {
      if (code === 'cancelled') continue;
      expect({ code, shown: client.describeError({ code }) }).toEqual({ code, shown: entry.message });
    }
    expect(client.describeError({ code: 'cancelled' })).toBe('Stopped.');
  });

  test('a-specific-server-sentence-wins-and-a-rate-limit-says-how-long-to-wait', () => {
    expect(client.describeError({ code: 'not_found', message: 'Conversation not found' })).toBe('Conversation not found');
    expect(client.describeError({ code: 'rate_limited', message: errorCatalogue.rate_limited.message, retryAfterMs: 2500 })).toBe(
      `${errorCatalogue.rate_limited.message} Try again in 3 seconds.`,
    );
  });

  test('a-message-under-a-code-the-server-never-sends-is-not-shown', () => {
    expect(client.describeError({ code: 'http_502', message: '<html>502 Bad Gateway (nginx)</html>' })).not.toContain('nginx');
  });

  test('the-server-serves-the-catalogue-module-the-client-imports', async () => {
    expect(readFileSync(join(JS_DIR, 'errors.js'), 'utf8')).toContain(`from './${ERROR_CATALOGUE_PATH.split('/').at(-1)}'`);
    const res = await webModule().handle(new Request(`http://confab.test${ERROR_CATALOGUE_PATH}`));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('javascript');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await res.text()).toBe(errorCatalogueSource);
  });
});
