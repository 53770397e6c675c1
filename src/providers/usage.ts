import { countMessageTokens, countTextTokens } from '../lib/tokens';
import type { ChatMessage, ToolCall, Usage } from './types';

function atLeastOne(tokens: number, nonEmpty: boolean): number {
  return tokens === 0 && nonEmpty ? 1 : tokens;
}

/** Estimated usage for an exchange whose provider reported none; never 0 for a non-empty exchange. */
export function estimateUsage(messages: readonly ChatMessage[], text: string, toolCalls: readonly ToolCall[] = []): Usage {
  let output = countTextTokens(text);
  for (const c of toolCalls) output += countTextTokens(c.name) + countTextTokens(c.arguments);
  return { inputTokens: countMessageTokens(messages), outputTokens: atLeastOne(output, text.length > 0 || toolCalls.length > 0) };
}

/**
 * The usage to book for one call: what the provider reported, with any side it reported as 0 for a
 * non-empty exchange (some local servers do) replaced by an estimate. Estimates are computed only
 * when needed, because counting a long history costs real time.
 */
export function settleUsage(
  reported: Usage | undefined,
  messages: () => readonly ChatMessage[],
  output: string,
): Usage & { estimated: boolean } {
  const needInput = !reported || reported.inputTokens === 0;
  const needOutput = !reported || (reported.outputTokens === 0 && output.length > 0);
  return {
    inputTokens: needInput ? countMessageTokens(messages()) : reported.inputTokens,
    outputTokens: needOutput ? atLeastOne(countTextTokens(output), output.length > 0) : reported.outputTokens,
    estimated: needInput || needOutput,
  };
}
