import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServerProcess, spawnServer, startServerProcess } from './testing/server-process';

/** A port in the range these tests may use that nothing listens on right now. */
function freePort(): number {
  for (;;) {
    const port = 48400 + Math.floor(Math.random() * 200);
    try {
      Bun.serve({ port, hostname: '127.0.0.1', reusePort: false, fetch: () => new Response() }).stop(true);
      return port;
    } catch {}
  }
}

describe('two servers', () => {
  const dirs: string[] = [];
  const running: ServerProcess[] = [];
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'confab-two-'));
    dirs.push(d);
    return d;
  };
  const start = async (env: Record<string, string>) => {
    const server = await spawnServer(env);
    running.push(server);
    return server;
  };
  /** A start-up that must fail: its exit code and output (one that listens instead fails the test). */
  const startExpectingExit = async (env: Record<string, string>) => {
    const outcome = await startServerProcess(env);
    if ('exitCode' in outcome) return outcome;
    running.push(outcome.listening);
    throw new Error(`the second server listens at ${outcome.listening.url} instead of exiting`);
  };
  afterAll(async () => {
    for (const s of running) if (s.proc.exitCode === null) await s.stop('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test('a-second-server-on-the-same-data-dir-exits-naming-the-holder', async () => {
    const env = { DATA_DIR: tempDir(), PORT: String(freePort()) };
    const first = await start(env);
    const second = await startExpectingExit(env);
    expect(second.exitCode).not.toBe(0);
    expect(second.output).toContain(`pid ${first.proc.pid}`);
    // The holder goes on serving, alone.
    expect((await fetch(`${first.url}/ready`)).status).toBe(200);
    expect(await first.stop()).toBe(0);
  });

  test('a-stale-lock-of-a-killed-server-is-taken-over', async () => {
    const env = { DATA_DIR: tempDir() };
    const first = await start(env);
    await first.stop('SIGKILL');
    const second = await start(env);
    expect((await fetch(`${second.url}/ready`)).status).toBe(200);
    expect(await second.stop()).toBe(0);
  });

  test('a-second-server-on-the-same-port-fails-unless-reuse-port-is-on', async () => {
    const port = String(freePort());
    await start({ DATA_DIR: tempDir(), PORT: port });
    expect((await startExpectingExit({ DATA_DIR: tempDir(), PORT: port })).exitCode).not.toBe(0);

    const shared = String(freePort());
    const a = await start({ DATA_DIR: tempDir(), PORT: shared, REUSE_PORT: 'on' });
    const b = await start({ DATA_DIR: tempDir(), PORT: shared, REUSE_PORT: 'on' });
    expect(new URL(a.url).port).toBe(shared);
    expect(new URL(b.url).port).toBe(shared);
  });
});
