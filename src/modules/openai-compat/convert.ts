import { badRequest } from '../../lib/errors';
import type { ChatMessage, ChatRequest, ChatResult, FinishReason, ToolSpec } from '../../providers/types';
import type { CompletionRequest } from './model';

type InMessage = CompletionRequest['messages'][number];

function textOf(content: InMessage['content']): string {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  return content
    .map((part) => {
      if (part.type === 'text' && 'text' in part) return part.text;
      throw badRequest(`Content parts of type "${part.type}" are not supported`);
    })
    .join('');
}

function toMessage(m: InMessage): ChatMessage {
  const content = textOf(m.content);
  switch (m.role) {
    case 'system':
    case 'developer':
      return { role: 'system', content };
    case 'user':
      return { role: 'user', content };
    case 'assistant':
      return m.tool_calls?.length
        ? {
            role: 'assistant',
            content,
            toolCalls: m.tool_calls.map((c) => ({ id: c.id, name: c.function.name, arguments: c.function.arguments })),
          }
        : { role: 'assistant', content };
    default:
      if (!m.tool_call_id) throw badRequest('A tool message needs tool_call_id');
      return { role: 'tool', toolCallId: m.tool_call_id, content, name: m.name };
  }
}

/** The router request for an OpenAI body: the model id as Confab lists it, tools passed through. */
export function toChatRequest(body: CompletionRequest, signal: AbortSignal): ChatRequest {
  const tools: ToolSpec[] | undefined = body.tools?.map((t) => ({
    name: t.function.name,
    description: t.function.description,
    parameters: t.function.parameters ?? { type: 'object', properties: {} },
  }));
  const choice = body.tool_choice;
  return {
    model: body.model,
    messages: body.messages.map(toMessage),
    tools: tools?.length ? tools : undefined,
    toolChoice: choice === undefined ? undefined : typeof choice === 'string' ? choice : { name: choice.function.name },
    maxTokens: body.max_completion_tokens ?? body.max_tokens ?? undefined,
    temperature: body.temperature ?? undefined,
    signal,
  };
}

/** OpenAI has no `cancelled`; an answer cut short by the caller simply stopped. */
export function finishReasonOf(reason: FinishReason): string {
  return reason === 'cancelled' ? 'stop' : reason;
}

export const completionId = () => `chatcmpl-${crypto.randomUUID().replaceAll('-', '')}`;

export function completionObject(id: string, model: string, created: number, r: ChatResult) {
  const toolCalls = r.toolCalls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } }));
  return {
    id,
    object: 'chat.completion',
    created,
    model,
    system_fingerprint: null,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: r.text || (toolCalls.length ? null : ''),
          refusal: null,
          ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: finishReasonOf(r.finishReason),
      },
    ],
    usage: {
      prompt_tokens: r.usage.inputTokens,
      completion_tokens: r.usage.outputTokens,
      total_tokens: r.usage.inputTokens + r.usage.outputTokens,
    },
  };
}
