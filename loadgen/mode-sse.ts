import { type Executor, endpoint, outcome, type Prompt, type Target } from './executor';
import { fetchErrorKind, usageOutputTokens } from './fetch-errors';
import type { Outcome } from './recorder';
import { readSseEvents } from './sse-reader';

/** OpenAI-compatible streaming: POST /v1/chat/completions with `stream: true`. */
export function sseExecutor(target: Target, prompt: Prompt): Executor {
  const url = endpoint(target.url, '/v1/chat/completions');
  const body = JSON.stringify({
    model: prompt.model ?? 'default',
    messages: [{ role: 'user', content: prompt.message }],
    stream: true,
    stream_options: { include_usage: true },
    ...(prompt.maxTokens === null ? {} : { max_tokens: prompt.maxTokens }),
  });
  const headers = { ...target.headers, 'content-type': 'application/json', accept: 'text/event-stream' };
  return {
    run: async () => {
      try {
        const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(target.timeoutMs) });
        if (!res.ok || !res.body) {
          await res.arrayBuffer().catch(() => undefined);
          return outcome(`status ${res.status}`);
        }
        return await readCompletionStream(res.body);
      } catch (error) {
        return outcome(fetchErrorKind(error));
      }
    },
    close: () => undefined,
  };
}

/** Reads an OpenAI chat.completion.chunk stream into token arrival times and usage. */
async function readCompletionStream(body: ReadableStream<Uint8Array>): Promise<Outcome> {
  const times: number[] = [];
  let usage: number | null = null;
  let finished = false;
  let streamError: string | null = null;
  await readSseEvents(body, (_event, data) => {
    if (data === '[DONE]') {
      finished = true;
      return;
    }
    const chunk = parseJson(data) as {
      choices?: Array<{ delta?: { content?: unknown; reasoning_content?: unknown } }>;
      usage?: unknown;
      error?: { code?: unknown; type?: unknown };
    } | null;
    if (chunk === null) return;
    if (chunk.error) streamError = `stream error ${String(chunk.error.code ?? chunk.error.type ?? '')}`.trim();
    const delta = chunk.choices?.[0]?.delta;
    if (isText(delta?.content) || isText(delta?.reasoning_content)) times.push(performance.now());
    usage = usageOutputTokens(chunk.usage) ?? usage;
  });
  if (streamError) return outcome(streamError);
  if (!finished) return outcome('truncated stream');
  return outcome(null, times, usage ?? times.length);
}

function isText(value: unknown): boolean {
  return typeof value === 'string' && value.length > 0;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
