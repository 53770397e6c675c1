import { describe, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from './errors';
import { createSecretBox, parseSecretKey, readOrCreateKeyFile } from './secret-box';

const key = (byte: number) => new Uint8Array(32).fill(byte);
const SECRET = 'sk-live-0123456789abcdef';

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe('secret box', () => {
  test('seals-a-value-that-opens-again-and-never-contains-it', async () => {
    const box = createSecretBox(key(1));
    const sealed = await box.seal(SECRET, 'connection:a');
    expect(sealed).not.toContain(SECRET);
    expect(sealed).not.toContain(Buffer.from(SECRET).toString('base64'));
    expect(sealed.startsWith(`v1.${box.keyId}.`)).toBe(true);
    expect(await box.open(sealed, 'connection:a')).toBe(SECRET);
  });

  test('gives-every-value-its-own-iv', async () => {
    const box = createSecretBox(key(1));
    const [a, b] = [await box.seal(SECRET, 'c'), await box.seal(SECRET, 'c')];
    expect(a).not.toBe(b);
    expect(Buffer.from(a.split('.')[2], 'base64url')).toHaveLength(12);
  });

  test('refuses-a-value-moved-to-another-context-or-tampered-with', async () => {
    const box = createSecretBox(key(1));
    const sealed = await box.seal(SECRET, 'connection:a');
    expect((await refusal(box.open(sealed, 'connection:b'))).code).toBe('secret_unreadable');
    const parts = sealed.split('.');
    const data = Buffer.from(parts[3], 'base64url');
    data[0] ^= 1;
    parts[3] = data.toString('base64url');
    expect((await refusal(box.open(parts.join('.'), 'connection:a'))).code).toBe('secret_unreadable');
    expect((await refusal(box.open('plain text', 'connection:a'))).code).toBe('secret_unreadable');
  });

  test('after-rotation-opens-values-sealed-under-the-previous-key-and-marks-them-stale', async () => {
    const old = createSecretBox(key(1));
    const sealed = await old.seal(SECRET, 'c');
    const rotated = createSecretBox(key(2), [key(1)]);
    expect(rotated.isStale(sealed)).toBe(true);
    expect(await rotated.open(sealed, 'c')).toBe(SECRET);
    const resealed = await rotated.seal(SECRET, 'c');
    expect(rotated.isStale(resealed)).toBe(false);
    expect((await refusal(old.open(resealed, 'c'))).code).toBe('secret_unreadable');
    expect((await refusal(createSecretBox(key(2)).open(sealed, 'c'))).code).toBe('secret_unreadable');
  });

  test('reads-a-key-as-base64-base64url-or-hex-and-nothing-shorter', () => {
    const raw = Buffer.from(key(7));
    for (const text of [raw.toString('base64'), raw.toString('base64url'), raw.toString('hex'), ` ${raw.toString('hex')}\n`])
      expect(parseSecretKey(text)).toEqual(key(7));
    for (const text of ['', 'short', Buffer.alloc(16).toString('base64'), Buffer.alloc(31).toString('hex'), 'z'.repeat(64)])
      expect(parseSecretKey(text)).toBeUndefined();
  });

  test('generates-a-key-file-readable-only-by-its-owner-once-and-reads-it-after', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'confab-key-')), 'nested', 'secret.key');
    const first = readOrCreateKeyFile(file);
    expect(first.created).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(parseSecretKey(readFileSync(file, 'utf8'))).toEqual(first.key);
    const again = readOrCreateKeyFile(file);
    expect(again).toEqual({ key: first.key, created: false });
  });
});
