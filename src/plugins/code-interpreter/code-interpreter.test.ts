import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { AppError } from '../../lib/errors';
import { createHarness, type Harness, testConfig } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';
import { type FakeUpstream, startFakeUpstream } from '../../testing/fake-upstream';
import { titlesApart } from '../../testing/title-requests';
import { createRegistry, type PluginOutcome, runPlugin } from '../registry';
import type { CodeInterpreterData } from './index';
import { codeInterpreterPlugin, PYTHON_UNAVAILABLE } from './index';
import { liveSandboxes, runSandboxed } from './sandbox';
import { createSandboxGate, type SandboxLimits } from './sandbox-gate';

const reg = createRegistry([codeInterpreterPlugin]);
const opts = {
  userId: 'u1',
  services: { sandboxes: createSandboxGate({ concurrency: 2, userConcurrency: 1, queue: 8, queueWaitMs: 10_000 }) },
};

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

/** Resolves once `condition` holds; what the caps allow at each moment is the test's assertion. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await Bun.sleep(5);
}

const gate = (limits: Partial<SandboxLimits>) =>
  createSandboxGate({ concurrency: 2, userConcurrency: 1, queue: 8, queueWaitMs: 10_000, ...limits });

function call(services: { sandboxes: ReturnType<typeof gate> }, userId: string, code: string, signal?: AbortSignal) {
  return runPlugin(reg, 'code_interpreter', { code }, { userId, services, signal });
}

const codeOf = (o: PluginOutcome) => (o.ok ? 'ran' : o.error.code);

describe('code_interpreter sandbox caps', () => {
  test('concurrent-runs-never-exceed-the-sandbox-cap', async () => {
    const services = { sandboxes: gate({ concurrency: 2 }) };
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, liveSandboxes())), 1);
    const users = ['a', 'b', 'c'];
    const stops = users.map(() => new AbortController());
    const runs = users.map((u, i) => call(services, u, 'for (;;) {}', stops[i].signal));
    await until(() => liveSandboxes() + services.sandboxes.stats().waiting === users.length);
    expect(liveSandboxes()).toBe(2);
    // A freed sandbox goes to the run that waited, and the count stays at the cap.
    stops[0].abort();
    await until(() => services.sandboxes.stats().waiting === 0 && liveSandboxes() === 2);
    for (const stop of stops) stop.abort();
    const outcomes = await Promise.all(runs);
    clearInterval(sampler);
    expect(peak).toBe(2);
    expect(outcomes.map(codeOf)).not.toContain('sandbox_busy');
    expect(liveSandboxes()).toBe(0);
  });

  test('a-run-past-the-caps-gets-sandbox-busy-with-a-retry-hint', async () => {
    const services = { sandboxes: gate({ concurrency: 1, queue: 0 }) };
    const release = await services.sandboxes.acquire({ userId: 'holder', holdMs: 5_000 });
    const refused = await call(services, 'u2', '6 * 7');
    expect(refused).toMatchObject({ ok: false, error: { code: 'sandbox_busy' } });
    if (refused.ok) return;
    expect(refused.error.retryAfterMs).toBeGreaterThanOrEqual(1_000);
    expect(refused.text).toContain('sandbox_busy');
    expect(liveSandboxes()).toBe(0);
    release();
    expect(await call(services, 'u2', '6 * 7')).toMatchObject({ ok: true, data: { value: '42' } });
  });

  test('a-user-at-their-cap-waits-without-holding-up-others-and-one-more-is-busy', async () => {
    const services = { sandboxes: gate({ concurrency: 4, userConcurrency: 1 }) };
    const release = await services.sandboxes.acquire({ userId: 'a', holdMs: 5_000 });
    const waiting = call(services, 'a', '"second"');
    await until(() => services.sandboxes.stats().waiting === 1);
    expect(codeOf(await call(services, 'a', '"third"'))).toBe('sandbox_busy');
    expect(await call(services, 'b', '"other user"')).toMatchObject({ ok: true, data: { value: 'other user' } });
    release();
    expect(await waiting).toMatchObject({ ok: true, data: { value: 'second' } });
  });

  test('a-run-that-waits-past-the-queue-deadline-gets-sandbox-busy', async () => {
    const services = { sandboxes: gate({ concurrency: 1, queueWaitMs: 1 }) };
    const release = await services.sandboxes.acquire({ userId: 'holder', holdMs: 5_000 });
    expect(codeOf(await call(services, 'u2', '1'))).toBe('sandbox_busy');
    expect(services.sandboxes.stats()).toEqual({ running: 1, waiting: 0 });
    release();
  });

  test('a-run-stopped-while-waiting-leaves-the-queue', async () => {
    const services = { sandboxes: gate({ concurrency: 1 }) };
    const release = await services.sandboxes.acquire({ userId: 'holder', holdMs: 5_000 });
    const stop = new AbortController();
    const waiting = call(services, 'u2', '1', stop.signal);
    await until(() => services.sandboxes.stats().waiting === 1);
    stop.abort();
    expect(codeOf(await waiting)).toBe('aborted');
    release();
    expect(services.sandboxes.stats()).toEqual({ running: 0, waiting: 0 });
  });
});

const [tdb] = testDatabases();

describe('code_interpreter in a turn', () => {
  let upstream: FakeUpstream;
  let h: Harness;
  beforeAll(async () => {
    upstream = await startFakeUpstream({ models: ['gpt-4o-mini'], record: true, queueOf: titlesApart });
    h = createHarness(
      await tdb.open(),
      testConfig({
        OPENAI_API_KEY: 'sk-test-0000000',
        OPENAI_BASE_URL: `${upstream.url}/v1`,
        CODE_INTERPRETER_CONCURRENCY: '1',
        CODE_INTERPRETER_QUEUE: '0',
      }),
    );
  });
  afterAll(async () => {
    await upstream.stop();
    await tdb.cleanup();
  });

  test('a-busy-sandbox-is-a-tool-error-the-model-reads-and-the-turn-still-answers', async () => {
    const user = await h.signup();
    const release = await h.ctx.plugins.services.sandboxes!.acquire({ userId: 'someone else', holdMs: 5_000 });
    upstream.script(
      '/v1/chat/completions',
      { text: '', toolCalls: [{ id: 'call_1', name: 'code_interpreter', arguments: '{"code":"6 * 7"}' }] },
      { text: 'The sandbox is busy right now.' },
    );
    const res = await h.json('POST', '/api/chat', { cookie: user.cookie, body: { message: 'What is 6 * 7?', model: 'gpt-4o-mini' } });
    release();
    expect(res.status).toBe(200);
    expect(res.body.message.content).toBe('The sandbox is busy right now.');
    const toolMessage = upstream.requests
      .flatMap((r) => (r.body.messages as { role: string; content: string }[]) ?? [])
      .find((m) => m.role === 'tool');
    expect(toolMessage?.content).toContain('sandbox_busy');
    const conv = await h.json('GET', `/api/conversations/${res.body.conversationId}`, { cookie: user.cookie });
    const [record] = conv.body.messages[1].plugins;
    expect(record).toMatchObject({ name: 'code_interpreter', via: 'tool', ok: false, error: { code: 'sandbox_busy' } });
    expect(record.error.retryAfterMs).toBeGreaterThanOrEqual(1_000);
  });
});
