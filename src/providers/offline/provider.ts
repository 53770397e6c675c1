import { AppError } from '../../lib/errors';
import { countTextTokens } from '../../lib/tokens';
import type { ChatMessage, Passage, Provider, ProviderRequest, ProviderResult, StreamEvent, Usage } from '../types';
import { estimateUsage } from '../usage';
import { extractAnswer } from './extract';

export const OFFLINE_MODEL_ID = 'offline';

export const NO_INFORMATION_ANSWER =
  "I'm Confab's offline model, and I found no information about this in your documents. " +
  'I can only answer from documents you have uploaded. For general questions, an administrator can add a model ' +
  'provider under Admin → Connections, with no restart.';

/** When no document was searched for the question (lookup is off): what the model can do, and how to ask it. */
export const NOT_SEARCHED_ANSWER =
  "I'm Confab's offline model: I answer from your documents, quoting them with numbered sources. " +
  'No document was searched for this message. Turn on Documents in the Tools menu (the rag_lookup tool), or pick ' +
  'documents in the Documents panel, and ask again. For general questions, an administrator can add a model ' +
  'provider under Admin → Connections, with no restart.';

function lastUserMessage(messages: readonly ChatMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i].role === 'user') return messages[i].content;
  return '';
}

/**
 * The offline answer to a request; a continuation starts a new paragraph after the broken answer.
 * The question's words are weighed by how common they are in the user's documents when the
 * request says so (`wordFrequencies`), else over the passages alone.
 */
async function offlineAnswer(req: Pick<ProviderRequest, 'messages' | 'passages' | 'continuation' | 'wordFrequencies'>): Promise<string> {
  const question = lastUserMessage(req.messages);
  // `passages` absent: nothing was searched; empty: the documents were searched and hold nothing relevant.
  let answer = NOT_SEARCHED_ANSWER;
  if (req.passages !== undefined) {
    // Without the corpus's frequencies (none given, or the lookup failed) the passages' own weigh the words.
    const lookup = req.passages.length && req.wordFrequencies ? await req.wordFrequencies(question).catch(() => null) : null;
    const corpus = lookup ?? undefined;
    answer = extractAnswer(question, req.passages, { corpus }) ?? NO_INFORMATION_ANSWER;
  }
  return req.continuation ? `\n\n${answer}` : answer;
}

function usageOf(messages: readonly ChatMessage[], passages: readonly Passage[], answer: string): Usage {
  const usage = estimateUsage(messages, answer);
  for (const p of passages) usage.inputTokens += countTextTokens(p.text);
  return usage;
}

function cancelled(): AppError {
  return new AppError('cancelled', { internal: 'offline: request cancelled' });
}

/** The built-in extractive model: needs no network, answers only from the passages it is handed. */
export function createOfflineProvider(): Provider {
  async function* stream(req: ProviderRequest): AsyncGenerator<StreamEvent> {
    const answer = await offlineAnswer(req);
    for (const word of answer.match(/\s*\S+/g) ?? []) {
      if (req.signal.aborted) throw cancelled();
      yield { type: 'text', delta: word };
    }
    const usage = usageOf(req.messages, req.passages ?? [], answer);
    yield { type: 'usage', ...usage };
    yield { type: 'finish', reason: 'stop' };
  }

  async function generate(req: ProviderRequest): Promise<ProviderResult> {
    if (req.signal.aborted) throw cancelled();
    const text = await offlineAnswer(req);
    return { text, toolCalls: [], usage: { ...usageOf(req.messages, req.passages ?? [], text), estimated: false }, finishReason: 'stop' };
  }

  return { name: 'offline', stream, generate, listModels: async () => [OFFLINE_MODEL_ID] };
}
