import type { Subprocess } from 'bun';

const ROOT = new URL('../../', import.meta.url).pathname;

export interface ServerProcess {
  url: string;
  proc: Subprocess<'ignore', 'pipe', 'pipe'>;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number>;
}

/** Starts `bun run src/index.ts` as a real process and waits for its "listening" log line. */
export async function spawnServer(env: Record<string, string>, timeoutMs = 30_000): Promise<ServerProcess> {
  const proc = Bun.spawn(['bun', 'run', 'src/index.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: '0', HOST: '127.0.0.1', ...env },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  let out = '';
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    const reader = stream.getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) out += decoder.decode(r.value, { stream: true });
  };
  void pump(proc.stdout);
  void pump(proc.stderr);
  const deadline = Date.now() + timeoutMs;
  let url: string | undefined;
  while (!url) {
    url = /"msg":"listening","url":"([^"]+)"/.exec(out)?.[1];
    if (url) break;
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`server did not start (exit ${proc.exitCode}):\n${out}`);
    }
    await Bun.sleep(25);
  }
  return {
    url,
    proc,
    output: () => out,
    stop: async (signal = 'SIGTERM') => {
      proc.kill(signal);
      return proc.exited;
    },
  };
}
