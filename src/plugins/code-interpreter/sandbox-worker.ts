import { type EvaluateRequest, type EvaluateResult, evaluate } from './evaluate';

declare const self: Worker;

/** One evaluation per worker: the host terminates the worker afterwards, taking all its memory along. */
self.onmessage = async (event: MessageEvent<EvaluateRequest>) => {
  let result: EvaluateResult;
  try {
    result = await evaluate(event.data);
  } catch (err) {
    // A trap from the WebAssembly side (e.g. an allocation failing outside QuickJS's own checks).
    const message = err instanceof Error ? err.message : String(err);
    const status = /memory|out of bounds/i.test(message) ? 'out_of_memory' : 'error';
    result = { status, stdout: '', stdoutTruncated: false, error: { name: 'SandboxFailure', message } };
  }
  self.postMessage(result);
};
