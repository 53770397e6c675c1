import type { QuickJSContext, QuickJSHandle } from 'quickjs-emscripten';
import { newQuickJSWASMModuleFromVariant, newVariant, RELEASE_SYNC, shouldInterruptAfterDeadline } from 'quickjs-emscripten';

export interface EvaluateRequest {
  code: string;
  timeoutMs: number;
  /** Hard ceiling of the interpreter's whole WebAssembly memory. */
  memoryBytes: number;
  maxOutputChars: number;
}

export type SandboxStatus = 'ok' | 'error' | 'timeout' | 'out_of_memory';

export interface EvaluateResult {
  status: SandboxStatus;
  stdout: string;
  stdoutTruncated: boolean;
  /** The final expression's value, rendered as text. */
  value?: string;
  error?: { name: string; message: string };
}

const PAGE = 64 * 1024;
/** The QuickJS build's own initial memory; a smaller imported memory fails to instantiate. */
const MODULE_INITIAL_BYTES = 16 * 1024 * 1024;
const MAX_STACK_BYTES = 256 * 1024;

// Guest-side console: formats in the guest and hands one string to the host writer, which is then
// removed from the global object so guest code cannot reach it by name.
const CONSOLE_PRELUDE = `(() => {
  const write = globalThis.__write;
  delete globalThis.__write;
  const fmt = (v) => {
    if (typeof v === 'string') return v;
    try { const s = JSON.stringify(v); return s === undefined ? String(v) : s; } catch { return String(v); }
  };
  const out = (...a) => write(a.map(fmt).join(' '));
  globalThis.console = { log: out, info: out, warn: out, error: out, debug: out };
})()`;

function render(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function classify(err: unknown): { status: SandboxStatus; error: { name: string; message: string } } {
  const e = (err ?? {}) as { name?: string; message?: string };
  const error = { name: String(e.name ?? 'Error'), message: String(e.message ?? err) };
  if (error.name === 'InternalError' && error.message === 'interrupted') return { status: 'timeout', error };
  if (/out of memory/i.test(error.message)) return { status: 'out_of_memory', error };
  return { status: 'error', error };
}

function settle(ctx: QuickJSContext, handle: QuickJSHandle): { ok: true; value: unknown } | { ok: false; error: unknown } {
  const state = ctx.getPromiseState(handle);
  if (state.type === 'fulfilled') {
    if (state.notAPromise) return { ok: true, value: ctx.dump(handle) };
    const value = ctx.dump(state.value);
    state.value.dispose();
    return { ok: true, value };
  }
  if (state.type === 'rejected') {
    const error = ctx.dump(state.error);
    state.error.dispose();
    return { ok: false, error };
  }
  return { ok: false, error: { name: 'Error', message: 'the final promise never settled' } };
}

function installConsole(ctx: QuickJSContext, req: EvaluateRequest, sink: { text: string; truncated: boolean }) {
  const writer = ctx.newFunction('__write', (line) => {
    const piece = ctx.getString(line) + '\n';
    const room = req.maxOutputChars - sink.text.length;
    if (piece.length > room) sink.truncated = true;
    if (room > 0) sink.text += piece.slice(0, room);
  });
  ctx.setProp(ctx.global, '__write', writer);
  writer.dispose();
  ctx.unwrapResult(ctx.evalCode(CONSOLE_PRELUDE)).dispose();
}

/**
 * Evaluates JavaScript in a fresh QuickJS instance whose WebAssembly memory cannot grow past
 * `memoryBytes`, so a runaway allocation fails inside the guest instead of growing the host.
 */
export async function evaluate(req: EvaluateRequest): Promise<EvaluateResult> {
  const pages = Math.max(Math.ceil(req.memoryBytes / PAGE), MODULE_INITIAL_BYTES / PAGE);
  const memory = new WebAssembly.Memory({ initial: MODULE_INITIAL_BYTES / PAGE, maximum: pages });
  const module = await newQuickJSWASMModuleFromVariant(newVariant(RELEASE_SYNC, { wasmMemory: memory }));
  const runtime = module.newRuntime();
  runtime.setMaxStackSize(MAX_STACK_BYTES);
  runtime.setInterruptHandler(shouldInterruptAfterDeadline(Date.now() + req.timeoutMs));
  // The module, runtime and context belong to this call alone and are dropped together with the
  // memory, so nothing is disposed piecemeal (disposal after an out-of-memory can itself fail).
  const ctx = runtime.newContext();
  const sink = { text: '', truncated: false };
  const done = (r: Omit<EvaluateResult, 'stdout' | 'stdoutTruncated'>): EvaluateResult => ({
    ...r,
    stdout: sink.text,
    stdoutTruncated: sink.truncated,
  });
  installConsole(ctx, req, sink);
  const evaluated = ctx.evalCode(req.code, 'main.js');
  if (evaluated.error) return done(classify(ctx.dump(evaluated.error)));
  runtime.executePendingJobs();
  const settled = settle(ctx, evaluated.value);
  if (!settled.ok) return done(classify(settled.error));
  return done({ status: 'ok', value: render(settled.value)?.slice(0, req.maxOutputChars) });
}
