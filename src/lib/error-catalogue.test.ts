import { describe, expect, test } from 'bun:test';
import { errorCatalogue } from './error-catalogue';

describe('error catalogue', () => {
  test('every-code-has-an-error-status-and-a-sentence-a-person-reads', () => {
    for (const [code, entry] of Object.entries(errorCatalogue)) {
      expect({ code, ok: entry.status >= 400 && entry.status < 600 }).toEqual({ code, ok: true });
      expect({ code, sentence: /^[A-Z].*[.]$/.test(entry.message) }).toEqual({ code, sentence: true });
    }
  });

  test('sentences-name-no-infrastructure', () => {
    const internals = /kafka|redis|postgres|pglite|sdk|stack|exception|undefined|\bnull\b/i;
    for (const [code, entry] of Object.entries(errorCatalogue))
      expect({ code, message: entry.message }).not.toMatchObject({ message: expect.stringMatching(internals) });
  });
});
