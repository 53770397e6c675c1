import { toAppError } from '../../lib/errors';
import type { StreamEvent } from '../../providers/types';
import type { LlmCall } from '../usage/service';
import { finishReasonOf } from './convert';
import { openaiErrorBody } from './errors';
import { revokedReason } from './running-calls';

export type StreamSummary = Omit<LlmCall, 'latencyMs'>;

/**
 * Encodes router events as OpenAI `chat.completion.chunk` SSE. Every chunk shares one prefix, built
 * once per response, because this runs for every token on the gateway's hot path.
 */
export function chunkEncoder(id: string, model: string, created: number) {
  const head = `data: {"id":"${id}","object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"system_fingerprint":null,"choices":[`;
  const choice = (delta: string, finish: string | null) =>
    `${head}{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish === null ? 'null' : `"${finish}"`}}]}\n\n`;
  return {
    role: () => choice('{"role":"assistant","content":""}', null),
    text: (delta: string) => choice(`{"content":${JSON.stringify(delta)}}`, null),
    toolCall: (e: Extract<StreamEvent, { type: 'tool-call' }>) => {
      const fn = JSON.stringify({ ...(e.name ? { name: e.name } : {}), arguments: e.argumentsDelta });
      const call = `{"index":${e.index}${e.id ? `,"id":${JSON.stringify(e.id)},"type":"function"` : ''},"function":${fn}}`;
      return choice(`{"tool_calls":[${call}]}`, null);
    },
    finish: (reason: string) => choice('{}', reason),
    usage: (prompt: number, completion: number) =>
      `${head}],"usage":{"prompt_tokens":${prompt},"completion_tokens":${completion},"total_tokens":${prompt + completion}}}\n\n`,
  };
}

/**
 * The SSE body for a streamed completion. A client that goes away cancels the stream, which aborts
 * the upstream call; a failure after the first byte is reported in-band as an OpenAI error event.
 * Bun's direct stream writes strings straight to the socket's buffer, so the chunks produced in one
 * tick of the event loop leave in one write instead of one each.
 */
export function sseBody(
  events: AsyncIterable<StreamEvent>,
  enc: ReturnType<typeof chunkEncoder>,
  opts: { includeUsage: boolean; abort: AbortController; onEnd(summary: StreamSummary): void; requested: string },
): ReadableStream<Uint8Array> {
  const started = performance.now();
  const summary: StreamSummary = { requested: opts.requested, promptTokens: 0, completionTokens: 0, ttftMs: null, status: 'ok' };
  const source: Bun.DirectUnderlyingSource<Uint8Array> = {
    type: 'direct',
    async pull(controller) {
      const send = (s: string) => {
        if (!opts.abort.signal.aborted) controller.write(s);
      };
      try {
        send(enc.role());
        for await (const e of events) {
          if (e.type === 'text') {
            summary.ttftMs ??= performance.now() - started;
            send(enc.text(e.delta));
          } else if (e.type === 'tool-call') send(enc.toolCall(e));
          else if (e.type === 'usage') Object.assign(summary, { promptTokens: e.inputTokens, completionTokens: e.outputTokens });
          else if (e.type === 'finish') {
            summary.deployment = e.deployment;
            if (e.reason === 'cancelled') summary.status = 'cancelled';
            send(enc.finish(finishReasonOf(e.reason)));
          }
        }
        if (opts.includeUsage) send(enc.usage(summary.promptTokens, summary.completionTokens));
        send('data: [DONE]\n\n');
      } catch (err) {
        summary.status = opts.abort.signal.aborted ? 'cancelled' : 'error';
        send(`data: ${JSON.stringify(openaiErrorBody(toAppError(err, 'generation_failed')))}\n\n`);
      } finally {
        // A call ended by a revocation tells its client why; one its client left has nobody to tell.
        const revoked = revokedReason(opts.abort.signal);
        if (revoked) controller.write(`data: ${JSON.stringify(openaiErrorBody(revoked))}\n\n`);
        opts.onEnd(summary);
        controller.close();
      }
    },
    cancel() {
      opts.abort.abort();
    },
  };
  return new ReadableStream(source as unknown as UnderlyingDefaultSource<Uint8Array>);
}
