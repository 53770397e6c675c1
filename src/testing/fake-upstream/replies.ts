import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { ScriptedAnswer } from './answer';
import { SILENT_RESET } from './stream';

/** Exactly this status, body and headers. */
export interface RawReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * A recorded transcript (a `.sse` file) replayed frame by frame. `cutAfter` frames then the
 * connection resets; `hangAfter` frames then nothing more until the client goes away.
 */
export interface ReplayReply {
  sse: string;
  cutAfter?: number;
  hangAfter?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Headers;
  body: any;
}

/**
 * What a path answers next when a test scripts it, instead of the generated answer: a scripted
 * answer in the route's own wire format, a replayed transcript, a raw reply, a reply after a
 * delay, or a reply chosen from the request.
 */
export type Reply = ScriptedAnswer | ReplayReply | RawReply | { delayMs: number; then: Reply } | ((request: RecordedRequest) => Reply);

/** Per path, a queue of replies used once each, then a standing reply if one is set. */
export class ReplyScript {
  private readonly queues = new Map<string, Reply[]>();
  private readonly standing = new Map<string, Reply>();

  get empty(): boolean {
    return this.queues.size === 0 && this.standing.size === 0;
  }

  push(path: string, replies: Reply[]): void {
    this.queues.set(path, [...(this.queues.get(path) ?? []), ...replies]);
  }

  always(path: string, reply: Reply): void {
    this.standing.set(path, reply);
  }

  pending(path: string): number {
    return this.queues.get(path)?.length ?? 0;
  }

  next(path: string): Reply | undefined {
    const queue = this.queues.get(path);
    const reply = queue?.shift();
    if (queue?.length === 0) this.queues.delete(path);
    return reply ?? this.standing.get(path);
  }
}

/** A string body goes out as it is (a hand-written SSE stream, say); anything else as JSON. */
export function rawResponse(reply: RawReply): Response {
  const init = { status: reply.status, headers: reply.headers };
  return typeof reply.body === 'string' ? new Response(reply.body, init) : Response.json(reply.body, init);
}

/** A transcript's frames, each with its blank-line terminator. */
function sseFrames(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n\n')
    .filter((f) => f.trim())
    .map((f) => `${f}\n\n`);
}

export function replayResponse(reply: ReplayReply, fixtures: string, signal: AbortSignal): Response {
  const all = sseFrames(isAbsolute(reply.sse) ? reply.sse : join(fixtures, reply.sse));
  const stopAt = reply.cutAfter ?? reply.hangAfter ?? all.length;
  const encoder = new TextEncoder();
  const body = new ReadableStream({
    async start(controller) {
      for (const frame of all.slice(0, stopAt)) {
        controller.enqueue(encoder.encode(frame));
        // Frames go out one by one, as a real upstream sends them, so parsers meet frame boundaries.
        await Bun.sleep(1);
      }
      if (reply.cutAfter !== undefined) return controller.error(SILENT_RESET);
      if (reply.hangAfter !== undefined) {
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        return;
      }
      controller.close();
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } });
}

export const isReplay = (reply: Reply): reply is ReplayReply => typeof reply === 'object' && 'sse' in reply;
export const isRaw = (reply: Reply): reply is RawReply => typeof reply === 'object' && 'status' in reply;
export const isDelayed = (reply: Reply): reply is { delayMs: number; then: Reply } => typeof reply === 'object' && 'then' in reply;
