import type { Resolved } from './behaviour';
import { estimateTokens } from './template';

export interface FakeToolCall {
  /** Defaults to an id in the provider's own shape (`call_…`, `toolu_…`). */
  id?: string;
  name: string;
  /** The arguments as the model would emit them: a JSON text. */
  arguments: string;
}

/** A reply a test chose: this text (streamed one word per chunk) and these tool calls. */
export type ScriptedAnswer =
  | { text: string; toolCalls?: FakeToolCall[]; delayMs?: number }
  | { text?: string; toolCalls: FakeToolCall[]; delayMs?: number };

/** What one answer says, in the pieces it is streamed in, whatever the wire format. */
export interface Answer {
  pieces: string[];
  toolCalls: FakeToolCall[];
  outputTokens: number;
}

/** The fake model's words; token i of every answer is WORDS[i % WORDS.length]. */
const WORDS = 'The quick brown fox jumps over the lazy dog while the load generator counts every token it sees'.split(' ');

function tokenText(i: number): string {
  return i === 0 ? WORDS[0] : ` ${WORDS[i % WORDS.length]}`;
}

export function generatedAnswer(tokens: number): Answer {
  return { pieces: Array.from({ length: tokens }, (_, i) => tokenText(i)), toolCalls: [], outputTokens: tokens };
}

export function scriptedAnswer(scripted: ScriptedAnswer): Answer {
  const pieces = scripted.text?.match(/\s*\S+|\s+$/g) ?? [];
  const toolCalls = scripted.toolCalls ?? [];
  const toolTokens = toolCalls.reduce((sum, call) => sum + estimateTokens(call.name + call.arguments), 0);
  return { pieces, toolCalls, outputTokens: pieces.length + toolTokens };
}

/**
 * A scripted answer ignores injected faults and token caps: the test said what to answer. Its
 * `delayMs` comes before every word, the first included.
 */
export function scriptedPacing(b: Resolved, answer: Answer, delayMs = 0): Resolved {
  return {
    ...b,
    tokens: answer.pieces.length,
    truncated: false,
    error: null,
    ttftMs: delayMs,
    tps: delayMs > 0 ? 1000 / delayMs : 0,
  };
}

export function answerText(answer: Answer): string {
  return answer.pieces.join('');
}
