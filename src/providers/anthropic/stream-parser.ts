import type Anthropic from '@anthropic-ai/sdk';
import type { StreamEvent } from '../types';
import { mapStopReason } from './transform';

/**
 * Folds Anthropic's named SSE events into our events. Input tokens arrive in `message_start`,
 * output tokens grow through `message_delta`; both are emitted once, at `message_stop`.
 */
export class AnthropicStreamParser {
  private inputTokens = 0;
  private outputTokens = 0;
  private stopReason: string | null = null;
  private stopped = false;
  /** Anthropic numbers all content blocks; tool calls are numbered among themselves, as OpenAI does. */
  private readonly toolIndex = new Map<number, number>();

  get complete(): boolean {
    return this.stopped;
  }

  push(event: Anthropic.Messages.RawMessageStreamEvent, out: StreamEvent[]): void {
    switch (event.type) {
      case 'message_start': {
        const u = event.message.usage;
        this.inputTokens = u.input_tokens + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0);
        this.outputTokens = u.output_tokens;
        return;
      }
      case 'content_block_start': {
        const block = event.content_block;
        if (block.type !== 'tool_use') return;
        const index = this.toolIndex.size;
        this.toolIndex.set(event.index, index);
        out.push({ type: 'tool-call', index, id: block.id, name: block.name, argumentsDelta: '' });
        return;
      }
      case 'content_block_delta': {
        const d = event.delta;
        if (d.type === 'text_delta' && d.text) out.push({ type: 'text', delta: d.text });
        else if (d.type === 'input_json_delta') {
          const index = this.toolIndex.get(event.index);
          if (index !== undefined && d.partial_json) out.push({ type: 'tool-call', index, argumentsDelta: d.partial_json });
        }
        return;
      }
      case 'message_delta':
        if (event.delta.stop_reason) this.stopReason = event.delta.stop_reason;
        if (event.usage.input_tokens != null) this.inputTokens = event.usage.input_tokens;
        this.outputTokens = event.usage.output_tokens;
        return;
      case 'message_stop':
        this.stopped = true;
        out.push({ type: 'usage', inputTokens: this.inputTokens, outputTokens: this.outputTokens });
        out.push({ type: 'finish', reason: mapStopReason(this.stopReason) });
        return;
    }
  }
}
