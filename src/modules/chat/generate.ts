import { type AppError, toAppError } from '../../lib/errors';
import { countMessageTokens, countTextTokens } from '../../lib/tokens';
import type { ModelViewer } from '../../providers/model-access';
import type { Router } from '../../providers/router';
import type { ChatMessage, Deployment, FinishReason, Passage, ToolCall, ToolSpec, WordFrequencies } from '../../providers/types';
import type { LlmCall } from '../usage/service';

export interface Generation {
  text: string;
  finishReason: FinishReason | 'error';
  /** The deployment that gave the last answer; absent when none did. */
  deployment?: Deployment;
  promptTokens: number;
  completionTokens: number;
  error?: AppError;
}

export interface GenerateOptions {
  model: string;
  /** Who asks: the router serves them only models, and fallbacks, they may use. */
  viewer?: ModelViewer;
  messages: ChatMessage[];
  passages?: Passage[];
  wordFrequencies?: WordFrequencies;
  /** Offered to the model while tool rounds remain; absent for models without tool support. */
  tools?: ToolSpec[];
  maxToolRounds: number;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  signal: AbortSignal;
  /** A delta reached the user; `answer()` reads the whole answer so far, so nobody copies it per token. */
  onText(delta: string, answer: () => string): void;
  onFallback(from: string, to: string, reason: 'failed' | 'cooldown'): void;
  onCall(call: LlmCall): void;
  runTool(call: ToolCall): Promise<string>;
}

interface Round {
  text: string;
  toolCalls: ToolCall[];
  finish: FinishReason;
  deployment?: Deployment;
}

/** One routed request; its text joins `out.text` even when it breaks off, since the user saw it. */
async function streamRound(
  router: Router,
  opts: GenerateOptions,
  messages: ChatMessage[],
  tools: ToolSpec[] | undefined,
  out: Generation,
): Promise<Round> {
  const started = performance.now();
  let ttftMs: number | null = null;
  const round: Round = { text: '', toolCalls: [], finish: 'stop' };
  const partial = new Map<number, ToolCall>();
  let usage = { inputTokens: 0, outputTokens: 0 };
  const record = (status: LlmCall['status']) =>
    opts.onCall({
      deployment: round.deployment,
      requested: opts.model,
      promptTokens: usage.inputTokens,
      completionTokens: usage.outputTokens,
      latencyMs: performance.now() - started,
      ttftMs,
      status,
      costUsd: round.deployment ? router.costOf(round.deployment, usage) : null,
    });
  const stream = router.stream({
    model: opts.model,
    viewer: opts.viewer,
    messages,
    passages: opts.passages,
    wordFrequencies: opts.wordFrequencies,
    tools,
    maxTokens: opts.maxTokens,
    temperature: opts.temperature,
    topP: opts.topP,
    signal: opts.signal,
  });
  const earlier = out.text;
  const answer = () => earlier + stream.text;
  try {
    for await (const e of stream) {
      if (e.type === 'text') {
        ttftMs ??= performance.now() - started;
        opts.onText(e.delta, answer);
      } else if (e.type === 'tool-call') {
        ttftMs ??= performance.now() - started;
        const c = partial.get(e.index) ?? { id: e.id ?? `call_${e.index}`, name: '', arguments: '' };
        if (e.id) c.id = e.id;
        if (e.name) c.name += e.name;
        c.arguments += e.argumentsDelta;
        partial.set(e.index, c);
      } else if (e.type === 'fallback') opts.onFallback(e.from, e.to, e.reason);
      else if (e.type === 'usage') usage = e;
      else if (e.type === 'finish') {
        round.finish = e.reason;
        round.deployment = e.deployment;
      }
    }
  } catch (err) {
    usage = { inputTokens: countMessageTokens(messages), outputTokens: countTextTokens(stream.text) };
    record(opts.signal.aborted ? 'cancelled' : 'error');
    throw err;
  } finally {
    round.text = stream.text;
    out.text += round.text;
  }
  round.toolCalls = [...partial.values()].filter((c) => c.name);
  record(round.finish === 'cancelled' ? 'cancelled' : 'ok');
  return round;
}

/**
 * Streams an answer, letting a tool-capable model call plugins for at most `maxToolRounds` rounds;
 * the last round offers no tools, so the model has to answer. Never throws: a failure comes back
 * as `error` with the text produced so far.
 */
export async function generate(router: Router, opts: GenerateOptions): Promise<Generation> {
  const messages = [...opts.messages];
  const out: Generation = { text: '', finishReason: 'stop', promptTokens: 0, completionTokens: 0 };
  for (let round = 0; ; round++) {
    const tools = opts.tools?.length && round < opts.maxToolRounds ? opts.tools : undefined;
    let r: Round;
    try {
      r = await streamRound(router, { ...opts, onCall: (c) => (countCall(out, c), opts.onCall(c)) }, messages, tools, out);
    } catch (err) {
      return {
        ...out,
        finishReason: opts.signal.aborted ? 'cancelled' : 'error',
        error: opts.signal.aborted ? undefined : toAppError(err, 'generation_failed'),
      };
    }
    out.deployment = r.deployment;
    out.finishReason = r.finish;
    if (r.finish !== 'tool_calls' || r.toolCalls.length === 0 || !tools || opts.signal.aborted) return out;
    messages.push({ role: 'assistant', content: r.text, toolCalls: r.toolCalls });
    for (const call of r.toolCalls) {
      messages.push({ role: 'tool', toolCallId: call.id, name: call.name, content: await opts.runTool(call) });
    }
  }
}

function countCall(out: Generation, c: LlmCall): void {
  out.promptTokens += c.promptTokens;
  out.completionTokens += c.completionTokens;
}
