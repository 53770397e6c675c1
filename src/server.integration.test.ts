import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHarness } from './testing/app-harness';
import { createScratchDatabase, testDatabases } from './testing/databases';
import { spawnServer } from './testing/server-process';
import { TestSocket } from './testing/test-socket';

async function signupAndCreate(url: string, email: string) {
  const res = await fetch(`${url}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'long enough password' }),
  });
  expect(res.status).toBe(201);
  const cookie = res.headers.get('set-cookie')!.split(';')[0];
  const conv = await fetch(`${url}/api/conversations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ title: 'survives restarts' }),
  });
  expect(conv.status).toBe(201);
}

async function loginAndList(url: string, email: string) {
  const res = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'long enough password' }),
  });
  expect(res.status).toBe(200);
  const cookie = res.headers.get('set-cookie')!.split(';')[0];
  const list = (await (await fetch(`${url}/api/conversations`, { headers: { cookie } })).json()) as any;
  return list.items.map((c: any) => c.title);
}

describe('server process', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'confab-server-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test('data-survives-a-restart-on-the-embedded-database', async () => {
    const env = { DATA_DIR: tempDir(), LOG_LEVEL: 'info' };
    const first = await spawnServer(env);
    await signupAndCreate(first.url, 'keep@example.com');
    expect(await first.stop()).toBe(0);
    const second = await spawnServer(env);
    expect(await loginAndList(second.url, 'keep@example.com')).toEqual(['survives restarts']);
    expect(await second.stop()).toBe(0);
  });

  test.skipIf(!process.env.TEST_DATABASE_URL)('data-survives-a-restart-on-postgres', async () => {
    const scratch = await createScratchDatabase(process.env.TEST_DATABASE_URL!);
    try {
      const env = { DATA_DIR: tempDir(), DATABASE_URL: scratch.url };
      const first = await spawnServer(env);
      expect(first.output()).toContain('"implementation":"postgres"');
      await signupAndCreate(first.url, 'keep@example.com');
      expect(await first.stop()).toBe(0);
      const second = await spawnServer(env);
      expect(await loginAndList(second.url, 'keep@example.com')).toEqual(['survives restarts']);
      expect(await second.stop()).toBe(0);
    } finally {
      await scratch.drop();
    }
  });

  test('sigterm-lets-in-flight-requests-finish-then-exits-0', async () => {
    // Twelve sign-ups from one address would meet the sign-up limit, which is not what this tests.
    const server = await spawnServer({ DATA_DIR: tempDir(), SIGNUP_RATE_PER_HOUR: '0' });
    // Sign-ups hash passwords with argon2id, so a burst of them keeps requests in flight.
    const burst = Array.from({ length: 12 }, (_, i) =>
      fetch(`${server.url}/api/auth/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: `drain${i}@example.com`, password: 'long enough password' }),
      }).then((r) => r.status),
    );
    // Signal once the server is visibly working through the burst, with the rest still in flight.
    await Promise.race(burst);
    const code = await server.stop('SIGTERM');
    const statuses = await Promise.all(burst);
    expect(statuses).toEqual(Array(12).fill(201));
    expect(code).toBe(0);
    const inFlightAtSignal = Number(/"msg":"draining","inFlight":(\d+)/.exec(server.output())?.[1]);
    expect(inFlightAtSignal).toBeGreaterThan(0);
    expect(server.output()).toContain('"msg":"stopped"');
  });

  test('ready-answers-503-draining-until-the-listener-closes', async () => {
    const server = await spawnServer({ DATA_DIR: tempDir() });
    const signup = await fetch(`${server.url}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'drain@example.com', password: 'long enough password' }),
    });
    const cookie = signup.headers.get('set-cookie')!.split(';')[0];
    // An open socket is work in flight: the drain waits for it, so the listener stays up meanwhile.
    const socket = await TestSocket.open(`${server.url.replace('http', 'ws')}/ws/chat`, { cookie });
    server.proc.kill('SIGTERM');
    while (!server.output().includes('"msg":"draining"') && server.proc.exitCode === null) await Bun.sleep(20);
    const ready = await fetch(`${server.url}/ready`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as any).error.code).toBe('draining');
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    await socket.close();
    expect(await server.proc.exited).toBe(0);
    expect(await fetch(`${server.url}/ready`).catch(() => 'refused')).toBe('refused');
  });

  test('a-bad-environment-variable-stops-start-up-naming-it', async () => {
    const proc = Bun.spawn(['bun', 'run', 'src/index.ts'], {
      cwd: new URL('../', import.meta.url).pathname,
      env: { PATH: process.env.PATH ?? '', PORT: 'not-a-port', DATABASE_URL: 'mysql://user:hunter2@db/x' },
      stdout: 'pipe',
      stderr: 'pipe',
    });
    expect(await proc.exited).toBe(1);
    const err = await new Response(proc.stderr).text();
    expect(err).toContain('PORT');
    expect(err).not.toContain('hunter2');
  });
});

for (const backend of testDatabases()) {
  describe(`readiness on ${backend.name}`, () => {
    afterAll(() => backend.cleanup());
    test('ready-goes-false-while-draining', async () => {
      const h = createHarness(await backend.open());
      expect((await h.json('GET', '/ready')).status).toBe(200);
      h.ctx.lifecycle.draining = true;
      const draining = await h.json('GET', '/ready');
      expect(draining.status).toBe(503);
      expect(draining.body.error.code).toBe('draining');
      expect((await h.json('GET', '/health')).status).toBe(200);
    });
  });
}
