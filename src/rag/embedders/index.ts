import type { Config } from '../../config';
import type { Embedder } from './embedder';
import { createOfflineEmbedder } from './offline';
import { createOpenAIEmbedder } from './openai';

export type { Embedder } from './embedder';
export { createOfflineEmbedder, OFFLINE_DIMENSIONS, OFFLINE_MODEL } from './offline';
export { createOpenAIEmbedder, type OpenAIEmbedderOptions } from './openai';

const DEFAULT_OPENAI_MODEL = 'text-embedding-3-small';
const DEFAULT_LOCAL_MODEL = 'nomic-embed-text';

/** The embedder the configuration names; offline unless a provider is chosen. */
export function createEmbedder(config: Pick<Config, 'embeddings' | 'providers'>): Embedder {
  const { provider, model } = config.embeddings;
  if (provider === 'openai' && config.providers.openai) {
    const { apiKey, baseURL } = config.providers.openai;
    return createOpenAIEmbedder({ provider: 'openai', model: model ?? DEFAULT_OPENAI_MODEL, apiKey, baseURL });
  }
  if (provider === 'local' && config.providers.local) {
    return createOpenAIEmbedder({ provider: 'local', model: model ?? DEFAULT_LOCAL_MODEL, baseURL: config.providers.local.baseURL });
  }
  return createOfflineEmbedder();
}
