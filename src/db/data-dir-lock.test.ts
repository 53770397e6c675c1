import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirInUseError, LOCK_FILE, lockDataDir } from './data-dir-lock';

describe('data dir lock', () => {
  const dir = mkdtempSync(join(tmpdir(), 'confab-lock-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('a-held-data-dir-refuses-a-second-holder-naming-the-first', () => {
    const held = lockDataDir(dir);
    const second = (() => {
      try {
        return lockDataDir(dir);
      } catch (e) {
        return e;
      }
    })();
    expect(second).toBeInstanceOf(DataDirInUseError);
    expect((second as DataDirInUseError).holderPid).toBe(process.pid);
    expect((second as Error).message).toContain(`pid ${process.pid}`);
    held.release();
    lockDataDir(dir).release();
  });

  test('a-lock-file-nobody-holds-is-taken-whatever-pid-it-names', () => {
    writeFileSync(join(dir, LOCK_FILE), '1\n');
    const lock = lockDataDir(dir);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);
    lock.release();
  });
});
