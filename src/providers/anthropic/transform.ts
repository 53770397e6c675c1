import type Anthropic from '@anthropic-ai/sdk';
import { withContinuation } from '../continuation';
import type { ChatMessage, FinishReason, ProviderRequest, ToolCall } from '../types';

type Params = Anthropic.Messages.MessageCreateParamsNonStreaming;
type Block = Anthropic.Messages.ContentBlockParam;
type Turn = { role: 'user' | 'assistant'; content: Block[] };

/** Anthropic insists on a cap; this one is generous without inviting runaway answers. */
export const DEFAULT_MAX_TOKENS = 4096;

function parseArguments(json: string): unknown {
  try {
    return json ? JSON.parse(json) : {};
  } catch {
    return {};
  }
}

function blocksOf(m: Exclude<ChatMessage, { role: 'system' }>): Block[] {
  if (m.role === 'tool') return [{ type: 'tool_result', tool_use_id: m.toolCallId, content: m.content }];
  const blocks: Block[] = m.content ? [{ type: 'text', text: m.content }] : [];
  if (m.role === 'assistant') {
    for (const c of m.toolCalls ?? []) blocks.push({ type: 'tool_use', id: c.id, name: c.name, input: parseArguments(c.arguments) });
  }
  return blocks;
}

/**
 * System messages become the `system` field; tool results travel in user turns; neighbouring turns
 * of the same role are merged because the API expects user and assistant to alternate.
 */
export function toAnthropicMessages(messages: ChatMessage[]): { system?: string; turns: Turn[] } {
  const system: string[] = [];
  const turns: Turn[] = [];
  for (const m of messages) {
    if (m.role === 'system') {
      system.push(m.content);
      continue;
    }
    const role = m.role === 'assistant' ? 'assistant' : 'user';
    const blocks = blocksOf(m);
    if (blocks.length === 0) continue;
    const last = turns[turns.length - 1];
    if (last?.role === role) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  }
  return { system: system.length ? system.join('\n\n') : undefined, turns };
}

function toolChoice(choice: ProviderRequest['toolChoice']): Params['tool_choice'] {
  if (choice === undefined) return undefined;
  if (choice === 'auto') return { type: 'auto' };
  if (choice === 'none') return { type: 'none' };
  if (choice === 'required') return { type: 'any' };
  return { type: 'tool', name: choice.name };
}

/** `temperature` is not sent: the Messages API of this SDK generation no longer accepts it. */
export function toAnthropicParams(req: ProviderRequest): Params {
  const { system, turns } = toAnthropicMessages(withContinuation(req.messages, req.continuation));
  const params: Params = { model: req.model, max_tokens: req.maxTokens ?? DEFAULT_MAX_TOKENS, messages: turns };
  if (system) params.system = system;
  if (req.tools?.length) {
    params.tools = req.tools.map((t) => ({
      name: t.name,
      description: t.description,
      input_schema: t.parameters as Anthropic.Messages.Tool.InputSchema,
    }));
    const choice = toolChoice(req.toolChoice);
    if (choice) params.tool_choice = choice;
  }
  return params;
}

export function mapStopReason(reason: string | null | undefined): FinishReason {
  if (reason === 'max_tokens' || reason === 'model_context_window_exceeded') return 'length';
  if (reason === 'tool_use') return 'tool_calls';
  if (reason === 'refusal') return 'content_filter';
  return 'stop';
}

export function messageToolCalls(content: Anthropic.Messages.ContentBlock[]): ToolCall[] {
  const calls: ToolCall[] = [];
  for (const b of content) if (b.type === 'tool_use') calls.push({ id: b.id, name: b.name, arguments: JSON.stringify(b.input ?? {}) });
  return calls;
}

export function messageText(content: Anthropic.Messages.ContentBlock[]): string {
  let text = '';
  for (const b of content) if (b.type === 'text') text += b.text;
  return text;
}
