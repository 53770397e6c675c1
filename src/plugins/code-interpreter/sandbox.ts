import { Gauge } from 'prom-client';
import { AppError } from '../../lib/errors';
import { registry as metrics } from '../../lib/metrics';
import type { EvaluateRequest, EvaluateResult } from './evaluate';

export interface SandboxOptions {
  timeoutMs: number;
  memoryBytes?: number;
  maxOutputChars?: number;
  signal?: AbortSignal;
}

export const DEFAULT_MEMORY_BYTES = 64 * 1024 * 1024;
const DEFAULT_MAX_OUTPUT_CHARS = 64 * 1024;
/** Time past the guest deadline before the worker is killed outright (start-up plus a stuck native call). */
export const KILL_GRACE_MS = 2_000;

let live = 0;

/** Sandbox Workers alive in this process right now: each holds its own interpreter and memory. */
export const liveSandboxes = () => live;

new Gauge({
  name: 'confab_code_sandboxes',
  help: 'Code interpreter sandboxes (one Worker each) alive in this process.',
  registers: [metrics],
  collect() {
    this.set(live);
  },
});

/**
 * Runs guest JavaScript on its own Worker so a runaway script never blocks the event loop that
 * streams tokens. The guest's deadline is enforced inside QuickJS by its interrupt handler;
 * `terminate()` is the last resort if that ever fails to fire, and the answer to an abort.
 */
export function runSandboxed(code: string, opts: SandboxOptions): Promise<EvaluateResult> {
  const request: EvaluateRequest = {
    code,
    timeoutMs: opts.timeoutMs,
    memoryBytes: opts.memoryBytes ?? DEFAULT_MEMORY_BYTES,
    maxOutputChars: opts.maxOutputChars ?? DEFAULT_MAX_OUTPUT_CHARS,
  };
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(new AppError('aborted', { message: 'Code run aborted' }));
    const worker = new Worker(new URL('./sandbox-worker.ts', import.meta.url).href);
    live++;
    let finished = false;
    const finish = (settle: () => void) => {
      if (finished) return;
      finished = true;
      live--;
      clearTimeout(killer);
      opts.signal?.removeEventListener('abort', onAbort);
      worker.terminate();
      settle();
    };
    const onAbort = () => finish(() => reject(new AppError('aborted', { message: 'Code run aborted' })));
    const killer = setTimeout(
      () =>
        finish(() =>
          resolve({
            status: 'timeout',
            stdout: '',
            stdoutTruncated: false,
            error: { name: 'InternalError', message: `killed after ${opts.timeoutMs + KILL_GRACE_MS} ms` },
          }),
        ),
      opts.timeoutMs + KILL_GRACE_MS,
    );
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    worker.onmessage = (event: MessageEvent<EvaluateResult>) => finish(() => resolve(event.data));
    worker.onerror = (event) => finish(() => reject(new AppError('sandbox_failed', { internal: `The sandbox failed: ${event.message}` })));
    worker.postMessage(request);
  });
}
