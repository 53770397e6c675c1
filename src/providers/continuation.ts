import type { ChatMessage } from './types';

/**
 * A model takes over an answer that another model started: it sees the partial answer as its own
 * previous turn and is asked to carry on. Works on every chat API, unlike assistant-prefill.
 */
export const CONTINUE_INSTRUCTION =
  'Your previous reply was cut off. Continue it exactly where it stopped, starting mid-sentence if needed. ' +
  'Do not repeat any of it and do not mention the interruption.';

export function withContinuation(messages: ChatMessage[], partial: string | undefined): ChatMessage[] {
  if (!partial) return messages;
  return [...messages, { role: 'assistant', content: partial }, { role: 'user', content: CONTINUE_INSTRUCTION }];
}

/** The messages a continuing request actually sends, for counting its tokens. */
export function continuationMessages(req: { messages: ChatMessage[]; continuation?: string }): ChatMessage[] {
  return withContinuation(req.messages, req.continuation);
}
