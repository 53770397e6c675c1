import { describe, expect, test } from 'bun:test';
import { AppError } from '../../lib/errors';
import { createRegistry, runPlugin } from '../registry';
import type { CodeInterpreterData } from './index';
import { codeInterpreterPlugin, PYTHON_UNAVAILABLE } from './index';
import { runSandboxed } from './sandbox';

const reg = createRegistry([codeInterpreterPlugin]);
const opts = { userId: 'u1', services: {} };

async function run(code: string, timeoutMs?: number): Promise<CodeInterpreterData> {
  const out = await runPlugin(reg, 'code_interpreter', { code }, { ...opts, timeoutMs });
  if (!out.ok) throw new Error(`${out.error.code}: ${out.error.message}`);
  return out.data as CodeInterpreterData;
}

describe('code_interpreter', () => {
  test('returns-console-output-and-the-final-expression-value', async () => {
    const data = await run('console.log("sum", [1, 2].map((x) => x * 2)); console.error({ a: 1 }); const x = 6 * 7; x');
    expect(data.status).toBe('ok');
    expect(data.stdout).toBe('sum [2,4]\n{"a":1}\n');
    expect(data.value).toBe('42');
  });

  test('awaits-a-final-promise', async () => {
    const data = await run('Promise.resolve(20).then((v) => v + 1)');
    expect(data).toMatchObject({ status: 'ok', value: '21' });
  });

  test('reports-a-thrown-error', async () => {
    const data = await run('throw new TypeError("bad input")');
    expect(data).toMatchObject({ status: 'error', error: { name: 'TypeError', message: 'bad input' } });
  });

  test('stops-an-infinite-loop', async () => {
    const data = await run('let n = 0; while (true) { n++; }', 1_500);
    expect(data.status).toBe('timeout');
  });

  test('stops-a-memory-bomb-while-host-memory-stays-bounded', async () => {
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    const before = process.memoryUsage().rss;
    const result = await runSandboxed('const keep = []; for (;;) keep.push(new Array(1e6).fill(1));', { timeoutMs: 20_000 });
    clearInterval(sampler);
    expect(result.status).toBe('out_of_memory');
    // The guest's memory is capped at 64 MiB; an uncapped bomb takes the host past 1.5 GB here.
    expect(peak - before).toBeLessThan(400 * 1024 * 1024);
  });

  test('has-no-host-globals-environment-network-or-filesystem', async () => {
    const data = await run(
      '[typeof fetch, typeof process, typeof Bun, typeof require, typeof std, typeof os, typeof Deno, typeof XMLHttpRequest, typeof __write].join(",")',
    );
    expect(data.value).toBe(Array(9).fill('undefined').join(','));
    for (const code of [
      'process.env.HOME',
      'fetch("http://127.0.0.1/")',
      'require("fs").readFileSync("/etc/passwd")',
      'std.loadFile("/etc/passwd")',
    ]) {
      expect((await run(code)).error?.name).toBe('ReferenceError');
    }
    const imported = await run('import("fs").then(() => "loaded")');
    expect(imported.status).toBe('error');
  });

  test('keeps-the-event-loop-free-while-a-script-spins', async () => {
    let finished = false;
    const pending = runSandboxed('for (;;) {}', { timeoutMs: 1_000 }).then((r) => ((finished = true), r));
    await Bun.sleep(20);
    expect(finished).toBe(false);
    expect((await pending).status).toBe('timeout');
  });

  test('an-abort-ends-the-run', async () => {
    const ctl = new AbortController();
    const pending = runSandboxed('for (;;) {}', { timeoutMs: 60_000, signal: ctl.signal });
    ctl.abort();
    const err = await pending.catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe('aborted');
  });

  test('caps-captured-output', async () => {
    const result = await runSandboxed('for (let i = 0; i < 10000; i++) console.log("line " + i)', {
      timeoutMs: 5_000,
      maxOutputChars: 100,
    });
    expect(result.stdout.length).toBe(100);
    expect(result.stdoutTruncated).toBe(true);
  });

  test('refuses-python-and-says-why', async () => {
    const out = await runPlugin(reg, 'code_interpreter', { code: 'print(1)', language: 'python' }, opts);
    expect(out).toMatchObject({ ok: false, error: { code: 'unsupported_language', message: PYTHON_UNAVAILABLE } });
  });
});
