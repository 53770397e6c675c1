import type { ModelCapabilities, ProviderKind } from './types';

/** What Confab knows about models without asking anyone: defaults per provider and context windows. */

export type Tier = 'small' | 'large';

/** Groups created for a configured provider; the first is that provider's default. */
export const DEFAULT_MODELS: Record<'openai' | 'anthropic', { model: string; tier: Tier }[]> = {
  openai: [
    { model: 'gpt-4o-mini', tier: 'small' },
    { model: 'gpt-4o', tier: 'large' },
    { model: 'gpt-4.1-mini', tier: 'small' },
    { model: 'gpt-4.1', tier: 'large' },
  ],
  anthropic: [
    { model: 'claude-haiku-4-5', tier: 'small' },
    { model: 'claude-sonnet-4-5', tier: 'large' },
  ],
};

const WINDOWS: [prefix: string, tokens: number][] = [
  ['gpt-4.1', 1_047_576],
  ['gpt-4o', 128_000],
  ['gpt-5', 400_000],
  ['o3', 200_000],
  ['o4', 200_000],
  ['gpt-3.5', 16_385],
  ['claude', 200_000],
];

/** Local servers do not report their window; this is a safe floor for today's small models. */
export const LOCAL_CONTEXT_WINDOW = 8_192;
export const OFFLINE_CONTEXT_WINDOW = 16_384;
const UNKNOWN_HOSTED_WINDOW = 128_000;

export function knownContextWindow(provider: ProviderKind, model: string): number {
  if (provider === 'offline') return OFFLINE_CONTEXT_WINDOW;
  if (provider === 'local') return LOCAL_CONTEXT_WINDOW;
  return WINDOWS.find(([prefix]) => model.startsWith(prefix))?.[1] ?? UNKNOWN_HOSTED_WINDOW;
}

/** Hosted APIs all take tools; whether a local model does depends on the model, so assume not. */
export function defaultCapabilities(provider: ProviderKind): ModelCapabilities {
  return { streaming: true, tools: provider === 'openai' || provider === 'anthropic' };
}

/** Families an OpenAI account lists that do not chat: embeddings, speech, images, moderation… */
const NOT_CHAT = /embedding|tts|whisper|dall-e|moderation|transcribe|realtime|audio|image|search|davinci|babbage|sora/;

/** Whether a model an upstream lists can answer a chat; only OpenAI's own listing mixes in others. */
export function isChatModel(kind: ProviderKind, model: string): boolean {
  return kind !== 'openai' || !NOT_CHAT.test(model);
}
