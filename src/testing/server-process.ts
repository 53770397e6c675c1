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

/** How a start-up ended: listening (the process keeps running) or exited with a code. */
export type StartOutcome = { listening: ServerProcess } | { exitCode: number; output: string };

/** Starts `bun run src/index.ts` as a real process and resolves once it listens or exits. */
export async function startServerProcess(env: Record<string, string>, timeoutMs = 30_000): Promise<StartOutcome> {
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
  const pumped = Promise.all([pump(proc.stdout), pump(proc.stderr)]);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const url = /"msg":"listening","url":"([^"]+)"/.exec(out)?.[1];
    if (url) {
      return {
        listening: {
          url,
          proc,
          output: () => out,
          stop: async (signal = 'SIGTERM') => {
            proc.kill(signal);
            return proc.exited;
          },
        },
      };
    }
    if (proc.exitCode !== null) {
      await pumped;
      return { exitCode: proc.exitCode, output: out };
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`server neither listened nor exited:\n${out}`);
    }
    await Bun.sleep(25);
  }
}

/** Starts `bun run src/index.ts` as a real process and waits for its "listening" log line. */
export async function spawnServer(env: Record<string, string>, timeoutMs = 30_000): Promise<ServerProcess> {
  const outcome = await startServerProcess(env, timeoutMs);
  if ('listening' in outcome) return outcome.listening;
  throw new Error(`server did not start (exit ${outcome.exitCode}):\n${outcome.output}`);
}
