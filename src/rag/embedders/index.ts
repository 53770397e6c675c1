export type { Embedder } from './embedder';
export { createOfflineEmbedder, OFFLINE_DIMENSIONS, OFFLINE_MODEL } from './offline';
export { createOpenAIEmbedder, type OpenAIEmbedderOptions } from './openai';
