/** Helpers for benchmarks that run Confab and the fake upstream as their own processes. */
const root = new URL('..', import.meta.url).pathname;

export function freePort(): number {
  const probe = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() });
  const port = probe.port!;
  probe.stop(true);
  return port;
}

export async function waitFor(url: string, child: Bun.Subprocess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited with ${child.exitCode}`);
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await Bun.sleep(100);
  }
  throw new Error(`${url} did not come up`);
}

export interface Proc {
  url: string;
  child: Bun.Subprocess;
  stop(): Promise<void>;
}

/** A Bun script of this repository that takes `--port`, started on a free port and awaited on `/health`. */
async function startScript(script: string, args: string[]): Promise<Proc> {
  const port = freePort();
  const child = Bun.spawn(['bun', 'run', script, '--port', String(port), ...args], { cwd: root, stdout: 'ignore', stderr: 'inherit' });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/health`, child);
  return { url, child, stop: async () => void (child.kill('SIGTERM'), await child.exited) };
}

/** The fake OpenAI upstream, answering `tokens` tokens instantly. */
export const startUpstream = (model: string, tokens: number): Promise<Proc> =>
  startScript('src/testing/fake-upstream/cli.ts', ['--tokens', String(tokens), '--models', model]);

/** The bare proxy (`bench/bare-proxy.ts`) in front of `upstreamUrl`: the ceiling for a gateway here. */
export const startBareProxy = (upstreamUrl: string): Promise<Proc> => startScript('bench/bare-proxy.ts', ['--upstream', upstreamUrl]);

/** A Confab server process with limits it cannot reach and the given extra environment. */
export async function startConfab(env: Record<string, string>): Promise<Proc> {
  const port = freePort();
  const child = Bun.spawn(['bun', 'run', 'src/index.ts'], {
    cwd: root,
    stdout: 'ignore',
    stderr: 'inherit',
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      PORT: String(port),
      HOST: '127.0.0.1',
      RATE_LIMIT_RPM: '1000000000',
      RATE_LIMIT_TPM: '1000000000',
      SIGNUP_RATE_PER_HOUR: '0',
      LOG_LEVEL: 'error',
      ...env,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/health`, child);
  return { url, child, stop: async () => void (child.kill('SIGTERM'), await child.exited) };
}

/** loadgen arguments for non-streamed `POST /v1/chat/completions` calls made with an API key. */
export function v1CompletionArgs(base: string, apiKey: string, body: string): string[] {
  const headers = ['-H', 'content-type: application/json', '-H', `authorization: Bearer ${apiKey}`];
  return ['--mode', 'http', '--url', `${base}/v1/chat/completions`, '--method', 'POST', '--body', body, ...headers];
}

/** loadgen arguments for a quiet run of `seconds` measured after a warm-up. */
export function timedRunArgs(seconds: number, warmupS = 1): string[] {
  return ['-d', `${seconds}s`, '--warmup', `${warmupS}s`, '-q', '--timeout', '30s'];
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  process.stdout.write(`${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${rows.map(line).join('\n')}\n`);
}
