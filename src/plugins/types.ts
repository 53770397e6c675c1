import type { TSchema } from '@sinclair/typebox';
import type { CorpusFrequencies } from '../providers/types';
import type { RetrievedChunk } from '../rag/retrieve';
import type { Citation } from './citation';
import type { SandboxGate } from './code-interpreter/sandbox-gate';

/** What a plugin may touch, shown to users and admins so they know what they enable. */
export type PluginCapability = 'network' | 'code' | 'documents';

export type WebSearchProvider = 'searxng' | 'brave' | 'tavily';

export interface WebSearchConfig {
  provider?: WebSearchProvider;
  searxngUrl?: string;
  braveApiKey?: string;
  tavilyApiKey?: string;
  /** Replaces `https://api.search.brave.com` (a compatible proxy). Trusted like `searxngUrl`. */
  braveBaseUrl?: string;
  /** Replaces `https://api.tavily.com`. Trusted like `searxngUrl`. */
  tavilyBaseUrl?: string;
  /** Further origins the operator trusts for page fetches (e.g. an intranet mirror). */
  allowOrigins?: string[];
}

/** A retrieved chunk (see src/rag/retrieve.ts), optionally already numbered for citation. */
export type RetrievedPassage = RetrievedChunk & { n?: number };

export type RetrieveFn = (userId: string, query: string, opts: { k: number; documentIds?: string[] }) => Promise<RetrievedPassage[]>;

/** How common each word of `question` is in the user's documents (see src/rag/corpus-frequencies.ts). */
export type WordFrequenciesFn = (userId: string, question: string) => Promise<CorpusFrequencies | null>;

/** Dependencies handed to plugins by the server at start-up; absent ones make a plugin unavailable. */
export interface PluginServices {
  webSearch?: WebSearchConfig;
  retrieve?: RetrieveFn;
  wordFrequencies?: WordFrequenciesFn;
  /** The process's code sandboxes, capped; the code interpreter runs only in one of them. */
  sandboxes?: SandboxGate;
}

export interface PluginContext {
  signal: AbortSignal;
  /** Absolute time (epoch ms) by which the plugin must have answered. */
  deadlineMs: number;
  userId: string;
  services: PluginServices;
  /** The number the next citation of this turn gets, so several lookups never reuse a number. */
  citationStart?: number;
}

export type Availability = { ok: true } | { ok: false; reason: string };

export interface PluginResult<D = unknown> {
  /** Plain text for the model; the registry wraps it as untrusted context. */
  text: string;
  /** Structured data for the UI (search hits, code output, citations). */
  data: D;
}

/** The message a plugin is used for without a model asking: the user switched it on, or the message implies it. */
export interface ExplicitUse {
  message: string;
  /** Documents the message is limited to. */
  documentIds?: string[];
}

export interface Plugin<A = any, D = unknown> {
  name: string;
  /** The name models call it by when `name` has characters providers refuse (`mcp:<server>:<tool>`). */
  toolName?: string;
  /** Offered to a model only when the turn names it, and never run without a model's arguments. */
  toolOnly?: boolean;
  description: string;
  /** What a person reads in the Tools menu; `description` is written for models. */
  summary: string;
  /** JSON Schema of the arguments (a TypeBox schema is one). */
  parameters: TSchema;
  capabilities: PluginCapability[];
  /** Longest a run may take; the registry enforces the smaller of this and the caller's limit. */
  timeoutMs: number;
  /** Whether it can run now; `userId` for a plugin that depends on the user (an MCP server they connect to with their own account). */
  available(services: PluginServices, userId?: string): Availability;
  /** Checks arguments when `parameters` is a plain JSON Schema (not TypeBox) the plugin's own server enforces. */
  validate?(args: unknown): A;
  run(args: A, ctx: PluginContext): Promise<PluginResult<D>>;
  /** Arguments for an explicit use, made from the message; a plugin without it is called with none. */
  explicitArgs?(use: ExplicitUse): A;
  /** Whether a message uses the plugin without naming it. */
  impliedBy?(use: ExplicitUse): boolean;
  /** What of a result is kept with the answer, so a reloaded conversation still shows it; nothing when absent. */
  recorded?(data: D): unknown;
  /** What a result gives the answer to cite. */
  citations?(data: D): Citation[];
}
