import { createOpenAICompatibleProvider, openAIClient } from '../openai/adapter';
import type { Provider } from '../types';
import { createModelDiscovery } from './discovery';

export interface LocalOptions {
  /** The provider's name: `local`, or a connection's. */
  name?: string;
  /** An OpenAI-compatible `/v1` base: Ollama, vLLM, llama.cpp server, LM Studio. */
  baseURL: string;
  apiKey?: string;
  timeoutMs: number;
  discoveryTtlMs: number;
  now?: () => number;
}

/** Local servers rarely check keys, but the SDK refuses to run without one. */
const PLACEHOLDER_KEY = 'local';

export function createLocalProvider(opts: LocalOptions): Provider {
  const client = openAIClient({ apiKey: opts.apiKey ?? PLACEHOLDER_KEY, baseURL: opts.baseURL, timeoutMs: opts.timeoutMs });
  const chat = createOpenAICompatibleProvider(
    {
      name: opts.name ?? 'local',
      apiKey: opts.apiKey ?? PLACEHOLDER_KEY,
      baseURL: opts.baseURL,
      timeoutMs: opts.timeoutMs,
      maxTokensField: 'max_tokens',
    },
    client,
  );
  const discovery = createModelDiscovery(
    async () => {
      const ids: string[] = [];
      for await (const model of client.models.list()) ids.push(model.id);
      return ids.sort();
    },
    { ttlMs: opts.discoveryTtlMs, now: opts.now },
  );
  return { ...chat, listModels: () => discovery.list() };
}
