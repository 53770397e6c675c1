import OpenAI from 'openai';
import { withContinuation } from '../continuation';
import type { ChatMessage, FinishReason, ProviderRequest, StreamEvent, ToolCall } from '../types';
import type { SseMessage } from './sse-reader';

type Params = OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;
type WireMessage = OpenAI.Chat.Completions.ChatCompletionMessageParam;

/** OpenAI's own API wants `max_completion_tokens`; most OpenAI-compatible servers only know `max_tokens`. */
export type MaxTokensField = 'max_completion_tokens' | 'max_tokens';

function toWireMessage(m: ChatMessage): WireMessage {
  switch (m.role) {
    case 'system':
    case 'user':
      return { role: m.role, content: m.content };
    case 'tool':
      return { role: 'tool', tool_call_id: m.toolCallId, content: m.content };
    case 'assistant':
      if (!m.toolCalls?.length) return { role: 'assistant', content: m.content };
      return {
        role: 'assistant',
        content: m.content || null,
        tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })),
      };
  }
}

function toolChoice(choice: ProviderRequest['toolChoice']): Params['tool_choice'] {
  if (choice === undefined || typeof choice === 'string') return choice;
  return { type: 'function', function: { name: choice.name } };
}

export function toOpenAIParams(req: ProviderRequest, maxTokensField: MaxTokensField): Params {
  const params: Params = {
    model: req.model,
    messages: withContinuation(req.messages, req.continuation).map(toWireMessage),
  };
  if (req.tools?.length) {
    params.tools = req.tools.map((t) => ({
      type: 'function',
      function: { name: t.name, description: t.description, parameters: t.parameters },
    }));
    params.tool_choice = toolChoice(req.toolChoice);
  }
  if (req.maxTokens !== undefined) params[maxTokensField] = req.maxTokens;
  if (req.temperature !== undefined) params.temperature = req.temperature;
  if (req.topP !== undefined) params.top_p = req.topP;
  return params;
}

export function mapFinishReason(reason: string | null | undefined): FinishReason {
  if (reason === 'length') return 'length';
  if (reason === 'tool_calls' || reason === 'function_call') return 'tool_calls';
  if (reason === 'content_filter') return 'content_filter';
  return 'stop';
}

/** One streamed chunk, with the OpenAI SDK's rules for errors sent inside the stream. */
export function chunkOf(m: SseMessage, headers: Headers): OpenAI.Chat.Completions.ChatCompletionChunk {
  let data: { error?: object } | null;
  try {
    data = JSON.parse(m.data);
  } catch {
    throw new SyntaxError('Error reading response: malformed server-sent event JSON.');
  }
  if (m.event === 'error') throw new OpenAI.APIError(undefined, data?.error ?? data ?? undefined, undefined, headers);
  if (data?.error) throw new OpenAI.APIError(undefined, data.error, undefined, headers);
  return data as OpenAI.Chat.Completions.ChatCompletionChunk;
}

/** Translates one chunk; returns its finish reason, if it carries one, for the caller to hold. */
export function chunkEvents(chunk: OpenAI.Chat.Completions.ChatCompletionChunk, out: StreamEvent[]): string | undefined {
  let finish: string | undefined;
  for (const choice of chunk.choices ?? []) {
    if (choice.index !== 0) continue;
    const delta = choice.delta;
    if (delta?.content) out.push({ type: 'text', delta: delta.content });
    for (const call of delta?.tool_calls ?? []) {
      out.push({
        type: 'tool-call',
        index: call.index,
        id: call.id ?? undefined,
        name: call.function?.name ?? undefined,
        argumentsDelta: call.function?.arguments ?? '',
      });
    }
    if (choice.finish_reason) finish = choice.finish_reason;
  }
  if (chunk.usage) {
    out.push({ type: 'usage', inputTokens: chunk.usage.prompt_tokens, outputTokens: chunk.usage.completion_tokens });
  }
  return finish;
}

export function completionToolCalls(message: OpenAI.Chat.Completions.ChatCompletionMessage): ToolCall[] {
  const calls: ToolCall[] = [];
  for (const call of message.tool_calls ?? []) {
    if (call.type === 'function') calls.push({ id: call.id, name: call.function.name, arguments: call.function.arguments });
  }
  return calls;
}
