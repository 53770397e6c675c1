import type { Outcome } from './recorder';

/** Sends one request of a mode and reports what came back; never throws. */
export interface Executor {
  run(): Promise<Outcome>;
  close(): void;
}

/** What every mode needs to address and authenticate against the target. */
export interface Target {
  url: string;
  headers: Record<string, string>;
  timeoutMs: number;
}

/** What the LLM modes send. */
export interface Prompt {
  message: string;
  model: string | null;
  maxTokens: number | null;
  plugins: string[];
}

export function outcome(error: string | null, tokenTimes: number[] | null = null, outputTokens = 0): Outcome {
  return { error, tokenTimes, outputTokens };
}

/** Joins a base URL (with or without a trailing slash or path) and an absolute path. */
export function endpoint(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}
