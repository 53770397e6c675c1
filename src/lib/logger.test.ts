import { afterEach, expect, spyOn, test } from 'bun:test';
import { logLevel, setLogLevel, throttledWarning } from './logger';

const writes = spyOn(process.stderr, 'write');
afterEach(() => writes.mockClear());

const lines = () => writes.mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>);

test('a-repeated-warning-is-written-once-per-interval-and-then-says-how-many-it-held-back', async () => {
  writes.mockImplementation(() => true);
  // Tests share one process, and another file may have set the level above warnings.
  const level = logLevel();
  setLogLevel('warn');
  try {
    const warn = throttledWarning(50);
    for (let i = 0; i < 5; i++) warn('rerank server failed', { reason: 'HTTP 500' });
    expect(lines().map((l) => [l.msg, l.suppressed])).toEqual([['rerank server failed', undefined]]);
    await Bun.sleep(60);
    warn('rerank server failed', { reason: 'HTTP 500' });
    expect(lines().map((l) => [l.reason, l.suppressed])).toEqual([
      ['HTTP 500', undefined],
      ['HTTP 500', 4],
    ]);
  } finally {
    setLogLevel(level);
    writes.mockRestore();
  }
});
