import { countMessageTokens, DEFAULT_OUTPUT_RESERVATION } from '../../lib/tokens';
import type { ChatMessage } from '../../providers/types';
import type { MessageRow } from './persist';

export const SYSTEM_PROMPT =
  'You are Confab, a helpful assistant. Answer clearly and concisely. ' +
  'When numbered passages are provided, base your answer on them and cite them as [n].';

export interface Prompt {
  messages: ChatMessage[];
  inputTokens: number;
  /** History messages left out because the model's window could not hold them. */
  dropped: number;
}

/** Earlier answers worth showing the model again: finished ones and the part of interrupted ones. */
function usable(m: MessageRow): boolean {
  if (m.role !== 'user' && m.role !== 'assistant') return false;
  return m.content.length > 0 && (m.status === 'complete' || m.status === 'interrupted');
}

/**
 * The messages for one turn: the system prompt, plugin context, as much recent history as fits the
 * model's window after reserving room for the answer, and the new message. The oldest history goes first.
 */
export function buildPrompt(opts: {
  history: readonly MessageRow[];
  message: string;
  pluginContext: readonly string[];
  contextWindow: number;
  /** The user's or the conversation's own instructions, after Confab's. */
  instructions?: string | null;
}): Prompt {
  const head: ChatMessage[] = [{ role: 'system', content: SYSTEM_PROMPT }];
  if (opts.instructions) head.push({ role: 'system', content: opts.instructions });
  if (opts.pluginContext.length) head.push({ role: 'system', content: opts.pluginContext.join('\n\n') });
  const tail: ChatMessage[] = [{ role: 'user', content: opts.message }];
  const reserve = Math.min(DEFAULT_OUTPUT_RESERVATION, Math.floor(opts.contextWindow / 4));
  let used = countMessageTokens([...head, ...tail]);
  const budget = opts.contextWindow - reserve;
  const candidates = opts.history.filter(usable);
  const kept: ChatMessage[] = [];
  for (let i = candidates.length - 1; i >= 0; i--) {
    const m = candidates[i];
    const msg: ChatMessage = m.role === 'user' ? { role: 'user', content: m.content } : { role: 'assistant', content: m.content };
    const cost = countMessageTokens([msg]) - countMessageTokens([]);
    if (used + cost > budget) break;
    used += cost;
    kept.unshift(msg);
  }
  return { messages: [...head, ...kept, ...tail], inputTokens: used, dropped: candidates.length - kept.length };
}
