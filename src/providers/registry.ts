import { ANTHROPIC_DEFAULT_BASE_URL, createAnthropicProvider } from './anthropic/adapter';
import { createLocalProvider } from './local/adapter';
import type { RouterTuning } from './model-config';
import { createOfflineProvider } from './offline/provider';
import { createOpenAICompatibleProvider, OPENAI_DEFAULT_BASE_URL } from './openai/adapter';
import type { Provider, ProviderName, ProvidersConfig } from './types';

/** One adapter per configured provider; the offline model is always there. */
export function createProviders(
  cfg: ProvidersConfig,
  tuning: Pick<RouterTuning, 'timeoutMs' | 'discoveryTtlMs'>,
  now: () => number,
): Partial<Record<ProviderName, Provider>> {
  const providers: Partial<Record<ProviderName, Provider>> = { offline: createOfflineProvider() };
  if (cfg.openai) {
    providers.openai = createOpenAICompatibleProvider({
      name: 'openai',
      apiKey: cfg.openai.apiKey,
      baseURL: cfg.openai.baseURL ?? OPENAI_DEFAULT_BASE_URL,
      timeoutMs: tuning.timeoutMs,
      maxTokensField: 'max_completion_tokens',
    });
  }
  if (cfg.anthropic) {
    providers.anthropic = createAnthropicProvider({
      apiKey: cfg.anthropic.apiKey,
      baseURL: cfg.anthropic.baseURL ?? ANTHROPIC_DEFAULT_BASE_URL,
      timeoutMs: tuning.timeoutMs,
    });
  }
  if (cfg.local) {
    providers.local = createLocalProvider({
      baseURL: cfg.local.baseURL,
      apiKey: cfg.local.apiKey,
      timeoutMs: tuning.timeoutMs,
      discoveryTtlMs: tuning.discoveryTtlMs,
      now,
    });
  }
  return providers;
}
