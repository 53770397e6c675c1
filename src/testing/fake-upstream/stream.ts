import type { Resolved } from './behaviour';
import { type Bytes, type Stamp, stamp, type Template } from './template';

/**
 * Erroring a response stream makes Bun reset the connection; with an Error it also prints a stack
 * trace per request, which would flood the console of a fault-injection run, so no reason is given.
 */
export const SILENT_RESET = undefined;

/** A streamed answer: preamble events, one segment per token, closing events. */
export interface StreamTemplate {
  whole: Template;
  segments: Template[];
  firstToken: number;
  tokens: number;
}

export function buildStreamTemplate(
  preamble: string[],
  tokens: string[],
  closing: string[],
  compile: (s: string) => Template,
): StreamTemplate {
  const all = [...preamble, ...tokens, ...closing];
  return { whole: compile(all.join('')), segments: all.map(compile), firstToken: preamble.length, tokens: tokens.length };
}

/**
 * The body of a streamed answer. With no pacing and no cut it is one pre-stamped buffer; otherwise
 * segments are released on schedule: the preamble with the first token after the TTFT, then one
 * token every 1/tps seconds, and for a `cut` the connection is aborted after `cutAfter` tokens.
 */
export function streamBody(template: StreamTemplate, values: Stamp, b: Resolved, begin: number): Bytes | ReadableStream<Bytes> {
  if (b.ttftMs === 0 && b.tps === 0 && b.error !== 'cut') return stamp(template.whole, values);
  const parts = template.segments.map((segment) => stamp(segment, values));
  const interval = b.tps > 0 ? 1000 / b.tps : 0;
  const end = b.error === 'cut' ? template.firstToken + b.cutAfter : parts.length;
  const dueAt = (i: number) => begin + b.ttftMs + Math.min(Math.max(0, i - template.firstToken), template.tokens - 1) * interval;
  let cancelled = false;
  return new ReadableStream<Bytes>({
    async start(controller) {
      let i = 0;
      while (i < end && !cancelled) {
        const wait = dueAt(i) - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const now = performance.now();
        const batch: Bytes[] = [];
        while (i < end && dueAt(i) <= now) batch.push(parts[i++]);
        if (!cancelled && batch.length > 0) controller.enqueue(batch.length === 1 ? batch[0] : concat(batch));
      }
      if (cancelled) return;
      if (b.error !== 'cut') return controller.close();
      // Let the sent tokens reach the socket before the reset, as when a real upstream dies.
      await new Promise((resolve) => setTimeout(resolve, 10));
      controller.error(SILENT_RESET);
    },
    cancel() {
      cancelled = true;
    },
  });
}

/** Resolves after `ms`, or when the client goes away; 0 waits for the client only. */
export function hold(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = ms > 0 ? setTimeout(done, ms) : null;
    signal.addEventListener('abort', done, { once: true });
    function done() {
      if (timer) clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

export const sleep = (ms: number) => (ms > 0 ? new Promise<void>((resolve) => setTimeout(resolve, ms)) : Promise.resolve());

/** Headers go out, then the connection drops: what a crashed upstream looks like to a client. */
export function cutBody(): ReadableStream<Bytes> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"id":"') as Bytes);
      setTimeout(() => controller.error(SILENT_RESET), 10);
    },
  });
}

function concat(parts: Bytes[]): Bytes {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
