import { ANTHROPIC_DEFAULT_BASE_URL, anthropicClient, createAnthropicProvider, readAnthropicFailure } from './anthropic/adapter';
import { createLocalProvider } from './local/adapter';
import { createModelDiscovery } from './local/discovery';
import { isChatModel } from './model-catalog';
import type { RouterTuning } from './model-config';
import { createOfflineProvider, OFFLINE_MODEL_ID } from './offline/provider';
import { createOpenAICompatibleProvider, OPENAI_DEFAULT_BASE_URL, openAIClient } from './openai/adapter';
import { readOpenAIFailure } from './openai/errors';
import { providerError } from './provider-error';
import type { Provider, ProviderKind, ProvidersConfig } from './types';

/** What an admin picks when adding a connection; `openai-compatible` covers Ollama, vLLM, LM Studio… */
export type ConnectionKind = 'openai' | 'anthropic' | 'openai-compatible';

/** One upstream to build a provider for: an admin's connection, or one configured in the environment. */
export interface ConnectionSpec {
  /** The provider's name, which prefixes its models' ids. */
  name: string;
  kind: ConnectionKind;
  /** The API base (OpenAI's and compatible servers' with `/v1`); the vendor's own when absent. */
  baseUrl?: string;
  apiKey?: string;
}

export interface ProviderEntry {
  provider: Provider;
  kind: ProviderKind;
  /**
   * Its models are the ones it lists, with ids `<name>/<model>` (local servers and admins'
   * connections); otherwise only the model groups name its models.
   */
  discovers: boolean;
}

type Tuning = Pick<RouterTuning, 'timeoutMs' | 'discoveryTtlMs'>;

/** Local servers rarely check keys, but the SDKs refuse to run without one. */
const PLACEHOLDER_KEY = 'none';
/** A model list is awaited by whoever lists models first, so an unreachable server must not hold it for a whole call timeout. */
const DISCOVERY_TIMEOUT_MS = 10_000;

export const providerKindOf = (kind: ConnectionKind): ProviderKind => (kind === 'openai-compatible' ? 'local' : kind);

function baseUrlOf(spec: ConnectionSpec): string {
  return spec.baseUrl ?? (spec.kind === 'anthropic' ? ANTHROPIC_DEFAULT_BASE_URL : OPENAI_DEFAULT_BASE_URL);
}

/** The environment's providers as connection specs: `openai`, `anthropic`, `local`. */
export function environmentConnections(cfg: ProvidersConfig): ConnectionSpec[] {
  const specs: ConnectionSpec[] = [];
  if (cfg.openai) specs.push({ name: 'openai', kind: 'openai', baseUrl: cfg.openai.baseURL, apiKey: cfg.openai.apiKey });
  if (cfg.anthropic) specs.push({ name: 'anthropic', kind: 'anthropic', baseUrl: cfg.anthropic.baseURL, apiKey: cfg.anthropic.apiKey });
  if (cfg.local) specs.push({ name: 'local', kind: 'openai-compatible', baseUrl: cfg.local.baseURL, apiKey: cfg.local.apiKey });
  return specs;
}

/**
 * The chat models an upstream lists, through its SDK. Failures throw the router's `ProviderError`
 * (with the key scrubbed from its text), so callers word them from the catalogue.
 */
export async function listUpstreamModels(spec: ConnectionSpec, timeoutMs: number): Promise<string[]> {
  const signal = AbortSignal.timeout(timeoutMs);
  const apiKey = spec.apiKey ?? PLACEHOLDER_KEY;
  const ids: string[] = [];
  try {
    if (spec.kind === 'anthropic') {
      for await (const m of anthropicClient({ apiKey, baseURL: baseUrlOf(spec), timeoutMs }).models.list({}, { signal })) ids.push(m.id);
    } else {
      for await (const m of openAIClient({ apiKey, baseURL: baseUrlOf(spec), timeoutMs }).models.list({ signal })) ids.push(m.id);
    }
  } catch (err) {
    const failure = spec.kind === 'anthropic' ? readAnthropicFailure(err, signal) : readOpenAIFailure(err, signal);
    // The timeout's own abort is a timeout to the caller, not a cancellation.
    throw providerError(spec.name, signal.aborted ? { kind: 'timeout', message: 'listing models timed out' } : failure, [spec.apiKey]);
  }
  return ids.filter((id) => isChatModel(providerKindOf(spec.kind), id)).sort();
}

/** A provider for one upstream; `discovers` gives it a cached model list (see `ProviderEntry`). */
export function createConnectionProvider(spec: ConnectionSpec, tuning: Tuning, now: () => number, discovers: boolean): ProviderEntry {
  const kind = providerKindOf(spec.kind);
  const { timeoutMs, discoveryTtlMs } = tuning;
  if (spec.kind === 'openai-compatible') {
    const provider = createLocalProvider({
      name: spec.name,
      baseURL: baseUrlOf(spec),
      apiKey: spec.apiKey,
      timeoutMs,
      discoveryTtlMs,
      now,
    });
    return { provider, kind, discovers };
  }
  const apiKey = spec.apiKey ?? PLACEHOLDER_KEY;
  const chat =
    spec.kind === 'anthropic'
      ? createAnthropicProvider({ name: spec.name, apiKey, baseURL: baseUrlOf(spec), timeoutMs })
      : createOpenAICompatibleProvider({
          name: spec.name,
          apiKey,
          baseURL: baseUrlOf(spec),
          timeoutMs,
          maxTokensField: 'max_completion_tokens',
        });
  if (!discovers) return { provider: chat, kind, discovers };
  const discovery = createModelDiscovery(() => listUpstreamModels(spec, Math.min(timeoutMs, DISCOVERY_TIMEOUT_MS)), {
    ttlMs: discoveryTtlMs,
    now,
  });
  return { provider: { ...chat, listModels: () => discovery.list() }, kind, discovers };
}

/** One adapter per provider configured in the environment; the offline model is always there. */
export function createProviders(cfg: ProvidersConfig, tuning: Tuning, now: () => number): Map<string, ProviderEntry> {
  const providers = new Map<string, ProviderEntry>([
    [OFFLINE_MODEL_ID, { provider: createOfflineProvider(), kind: 'offline', discovers: false }],
  ]);
  for (const spec of environmentConnections(cfg))
    providers.set(spec.name, createConnectionProvider(spec, tuning, now, spec.kind === 'openai-compatible'));
  return providers;
}
