import { dlopen, FFIType } from 'bun:ffi';
import { closeSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const LOCK_FILE = 'confab.lock';

const LOCK_EX = 2;
const LOCK_NB = 4;

/** The C library that has `flock(2)`, by the names each platform's loader knows it under. */
const LIBC_NAMES: Partial<Record<NodeJS.Platform, string[]>> = {
  linux: ['libc.so.6', 'libc.musl-x86_64.so.1', 'libc.musl-aarch64.so.1'],
  darwin: ['libc.dylib'],
};

type Flock = (fd: number, operation: number) => number;

let flockFn: Flock | undefined;

function loadFlock(): Flock {
  if (flockFn) return flockFn;
  for (const name of LIBC_NAMES[process.platform] ?? []) {
    try {
      const lib = dlopen(name, { flock: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 } });
      flockFn = lib.symbols.flock;
      return flockFn;
    } catch {}
  }
  throw new Error(`Cannot lock the data directory: no flock(2) found on ${process.platform}`);
}

export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holderPid: number | undefined,
  ) {
    const holder = holderPid === undefined ? 'another process' : `another Confab process (pid ${holderPid})`;
    super(`The data directory ${dataDir} is in use by ${holder}. Stop it first, or give this server its own DATA_DIR.`);
    this.name = 'DataDirInUseError';
  }
}

export interface DataDirLock {
  /** Lets the next process take the directory; the kernel does the same when this process dies. */
  release(): void;
}

function readHolder(path: string): number | undefined {
  const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Takes the data directory for this process alone, before the embedded database opens it: two
 * processes writing one PGlite cluster each keep their own view of it and lose each other's writes.
 * The lock is the kernel's (`flock`), held as long as this process keeps the file open, so a lock
 * left by a process that died is free again whatever its file says and whatever its pid is now;
 * the file only holds the holder's pid, for the message a second process prints.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const flock = loadFlock();
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  const fd = openSync(path, 'a+', 0o600);
  if (flock(fd, LOCK_EX | LOCK_NB) !== 0) {
    closeSync(fd);
    throw new DataDirInUseError(dataDir, readHolder(path));
  }
  ftruncateSync(fd, 0);
  writeSync(fd, `${process.pid}\n`);
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      // The file stays: unlinked, a process that opened it just before would lock the old file while
      // the next one creates and locks a new one, and both would run.
      ftruncateSync(fd, 0);
      closeSync(fd);
    },
  };
}
