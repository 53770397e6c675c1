/**
 * The one vocabulary every provider adapter and the router speak. Adapters translate between
 * these plain values and their wire format; nothing outside `src/providers/` sees a vendor type.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { ModelViewer } from './model-access';

/** The API a provider speaks, which decides its defaults: capabilities, context window, list price. */
export type ProviderKind = 'openai' | 'anthropic' | 'local' | 'offline';

/**
 * One upstream model at one provider. Model ids people use (`gpt-4o-mini`, `local/llama3`) are
 * resolved to deployments once, by the router; results and accounting carry this pair, and the
 * label people see (`openai/gpt-4o-mini`) is formatted from it.
 */
export interface Deployment {
  /**
   * The provider by name: a provider configured in the environment is named by its kind
   * (`openai`, `local`…), a connection an admin added by the connection's name.
   */
  provider: string;
  /** The model name the upstream API knows. */
  model: string;
}

export interface ToolCall {
  id: string;
  name: string;
  /** JSON text of the arguments, exactly as the model produced it. */
  arguments: string;
}

export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ToolCall[] }
  | { role: 'tool'; toolCallId: string; content: string; name?: string };

export interface ToolSpec {
  name: string;
  description?: string;
  /** JSON schema of the arguments object. */
  parameters: Record<string, unknown>;
}

export interface Passage {
  n: number;
  text: string;
  documentName?: string;
  page?: number;
}

/** How many of the asking user's chunks hold each word of a question (lower-cased), out of `chunks`. */
export interface CorpusFrequencies {
  chunks: number;
  words: Readonly<Record<string, number>>;
}

/** The asking user's corpus frequencies of `question`'s words, or null when they have no chunks. */
export type WordFrequencies = (question: string) => Promise<CorpusFrequencies | null>;

export interface ChatRequest {
  /** A model id as listed by `Router.listModels()` (or an upstream model name for an adapter). */
  model: string;
  messages: ChatMessage[];
  tools?: ToolSpec[];
  toolChoice?: 'auto' | 'none' | 'required' | { name: string };
  maxTokens?: number;
  temperature?: number;
  /** Nucleus sampling; sent where the provider's API takes it (OpenAI and compatible servers). */
  topP?: number;
  signal: AbortSignal;
  /** Retrieved context. The offline model answers from it; other models get it inside `messages`. */
  passages?: Passage[];
  /** How common a question's words are in the asking user's documents: the offline model weighs them by it. */
  wordFrequencies?: WordFrequencies;
  /**
   * Who asks. When set, a model this viewer may not use is refused (`model_forbidden`) and
   * fallbacks it may not use are skipped; without it (the server's own calls) only disabled models are.
   */
  viewer?: ModelViewer;
  /**
   * The caller's own OpenAI Chat Completions body (the `/v1` gateway). An OpenAI-compatible
   * adapter sends it as it came, with only the model name and the stream fields set, so fields
   * Confab does not model (`seed`, `response_format`, `stop`, …) still reach the upstream and the
   * body is not rebuilt per request. Other adapters use `messages` and the fields above.
   */
  openaiBody?: Readonly<Record<string, unknown>>;
}

/** What an adapter receives: a request for one upstream model, possibly continuing a broken answer. */
export interface ProviderRequest extends ChatRequest {
  /** The answer produced so far by a deployment whose stream broke; continue it, do not repeat it. */
  continuation?: string;
}

/** A schema too, because clients receive it (the `done` frame). */
export const FinishReason = Type.Union([
  Type.Literal('stop'),
  Type.Literal('length'),
  Type.Literal('tool_calls'),
  Type.Literal('content_filter'),
  Type.Literal('cancelled'),
]);
export type FinishReason = Static<typeof FinishReason>;

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

export type StreamEvent =
  | { type: 'text'; delta: string }
  | { type: 'tool-call'; index: number; id?: string; name?: string; argumentsDelta: string }
  | { type: 'usage'; inputTokens: number; outputTokens: number; estimated?: boolean }
  | { type: 'finish'; reason: FinishReason; deployment?: Deployment }
  /** Another deployment took over: the one before failed, or was skipped while it cools down after errors. */
  | { type: 'fallback'; from: string; to: string; midstream: boolean; reason: 'failed' | 'cooldown' };

export interface ChatResult {
  text: string;
  toolCalls: ToolCall[];
  usage: Usage & { estimated: boolean };
  finishReason: FinishReason;
  /** The deployment that produced the answer. */
  deployment: Deployment;
  /** The upstream's completion object as it arrived, when the request went out as `openaiBody`. */
  openaiCompletion?: Record<string, unknown>;
}

export type ProviderResult = Omit<ChatResult, 'deployment'>;

/** One upstream API. Retry, fallback and cooldown are the router's business, not the adapter's. */
export interface Provider {
  /** The name deployments use for it (see `Deployment.provider`). */
  readonly name: string;
  stream(req: ProviderRequest): AsyncIterable<StreamEvent>;
  generate(req: ProviderRequest): Promise<ProviderResult>;
  /** Upstream model names this provider serves right now, when it can tell. */
  listModels?(): Promise<string[]>;
}

export interface ModelCapabilities {
  streaming: boolean;
  tools: boolean;
}

export interface ModelInfo {
  id: string;
  /** The provider's name (see `Deployment.provider`). */
  provider: string;
  /** What people see in a model picker, when an admin gave it a name. */
  displayName?: string;
  capabilities: ModelCapabilities;
  contextWindow: number;
}

export interface ProvidersConfig {
  openai?: { apiKey: string; baseURL?: string };
  anthropic?: { apiKey: string; baseURL?: string };
  local?: { baseURL: string; apiKey?: string };
  /** Path of a JSON file that overrides model groups, fallbacks and router tuning. */
  configFile?: string;
}
