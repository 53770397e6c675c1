import { readFileSync } from 'node:fs';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { AppError } from '../lib/errors';
import { DEFAULT_MODELS, defaultCapabilities, knownContextWindow, type Tier } from './model-catalog';
import { OFFLINE_MODEL_ID } from './offline/provider';
import type { Deployment, ModelCapabilities, ProviderKind, ProvidersConfig } from './types';

export interface ModelGroup {
  id: string;
  /** Tried in order; the router moves on when one is spent or cooling down. */
  deployments: Deployment[];
  /** Group ids (or `local/<name>`) tried after this group's deployments; `offline` always comes last. */
  fallbacks: string[];
  contextWindow: number;
  capabilities: ModelCapabilities;
}

export interface RouterTuning {
  /** Attempts per deployment, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Total time a request may spend waiting between retries, across all deployments. */
  budgetMs: number;
  /** Consecutive failures that put a deployment into cooldown. */
  failureThreshold: number;
  cooldownMs: number;
  /** SDK timeout: a whole non-streamed call, or until a stream's response headers. */
  timeoutMs: number;
  /** Longest silence tolerated inside a stream before it counts as broken. */
  idleTimeoutMs: number;
  discoveryTtlMs: number;
}

export interface ModelConfig {
  /** Undefined when only a local server is configured: its first discovered model is the default. */
  defaultModel?: string;
  groups: Map<string, ModelGroup>;
  tuning: RouterTuning;
}

export const DEFAULT_TUNING: RouterTuning = {
  maxAttempts: 3,
  baseDelayMs: 250,
  maxDelayMs: 8_000,
  budgetMs: 30_000,
  failureThreshold: 3,
  cooldownMs: 30_000,
  timeoutMs: 60_000,
  idleTimeoutMs: 30_000,
  discoveryTtlMs: 60_000,
};

const ProviderSchema = Type.Union([Type.Literal('openai'), Type.Literal('anthropic'), Type.Literal('local'), Type.Literal('offline')]);
const FileSchema = Type.Object(
  {
    defaultModel: Type.Optional(Type.String({ minLength: 1 })),
    groups: Type.Optional(
      Type.Record(
        Type.String({ minLength: 1 }),
        Type.Object(
          {
            deployments: Type.Array(
              Type.Object({ provider: ProviderSchema, model: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
              { minItems: 1 },
            ),
            fallbacks: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
            contextWindow: Type.Optional(Type.Integer({ minimum: 1 })),
            tools: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    router: Type.Optional(
      Type.Partial(Type.Record(Type.Union(Object.keys(DEFAULT_TUNING).map((k) => Type.Literal(k))), Type.Integer({ minimum: 0 }))),
    ),
  },
  { additionalProperties: false },
);
export type ModelConfigFile = Static<typeof FileSchema>;

/** What people see for a deployment: `openai/gpt-4o-mini`, `local/llama3`, `offline`. */
export function deploymentLabel(d: Deployment): string {
  return d.provider === 'offline' ? OFFLINE_MODEL_ID : `${d.provider}/${d.model}`;
}

/**
 * The deployment a `<provider>/<model>` id names by itself (`local/llama3`, a connection's
 * `lab/qwen2.5:7b`), or undefined for an id without a provider. The one place a model id is taken apart.
 */
export function prefixedDeployment(id: string): Deployment | undefined {
  const slash = id.indexOf('/');
  if (slash <= 0 || slash === id.length - 1) return undefined;
  return { provider: id.slice(0, slash), model: id.slice(slash + 1) };
}

/** Groups name providers configured in the environment, whose names are their kinds. */
function group(id: string, deployments: { provider: ProviderKind; model: string }[], fallbacks: string[]): ModelGroup {
  const first = deployments[0];
  return {
    id,
    deployments,
    fallbacks,
    contextWindow: knownContextWindow(first.provider, first.model),
    capabilities: defaultCapabilities(first.provider),
  };
}

/** Each hosted model falls back to the same-tier default of the other hosted provider, if configured. */
export function defaultModelConfig(cfg: ProvidersConfig): ModelConfig {
  const hosted = (['openai', 'anthropic'] as const).filter((p) => cfg[p]);
  const firstOfTier = (provider: 'openai' | 'anthropic', tier: Tier) => DEFAULT_MODELS[provider].find((m) => m.tier === tier)!.model;
  const groups = new Map<string, ModelGroup>();
  for (const provider of hosted) {
    const others = hosted.filter((p) => p !== provider);
    for (const { model, tier } of DEFAULT_MODELS[provider]) {
      groups.set(
        model,
        group(
          model,
          [{ provider, model }],
          others.map((o) => firstOfTier(o, tier)),
        ),
      );
    }
  }
  groups.set(OFFLINE_MODEL_ID, group(OFFLINE_MODEL_ID, [{ provider: 'offline', model: OFFLINE_MODEL_ID }], []));
  const defaultModel = hosted.length ? DEFAULT_MODELS[hosted[0]][0].model : cfg.local ? undefined : OFFLINE_MODEL_ID;
  return { defaultModel, groups, tuning: { ...DEFAULT_TUNING } };
}

function invalid(path: string, message: string): AppError {
  return new AppError('config_invalid', { internal: `model config ${path}: ${message}` });
}

function readFile(path: string): ModelConfigFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw invalid(path, err instanceof Error ? err.message : String(err));
  }
  const first = Value.Errors(FileSchema, parsed).First();
  if (first) throw invalid(path, `${first.path || '/'} ${first.message}`);
  return parsed as ModelConfigFile;
}

/** Ids a config file may name: groups, any `local/<name>` when a local server is configured, and `offline`. */
export function isKnownModel(config: ModelConfig, cfg: ProvidersConfig, id: string): boolean {
  return config.groups.has(id) || (cfg.local !== undefined && prefixedDeployment(id)?.provider === 'local');
}

/** Applies a config file over the defaults: its groups replace same-named ones, its tuning overrides. */
export function applyConfigFile(base: ModelConfig, cfg: ProvidersConfig, path: string, file = readFile(path)): ModelConfig {
  const groups = new Map(base.groups);
  for (const [id, g] of Object.entries(file.groups ?? {})) {
    for (const d of g.deployments) {
      if (d.provider !== 'offline' && !cfg[d.provider])
        throw invalid(path, `group "${id}" uses provider "${d.provider}", which is not configured`);
    }
    const built = group(id, g.deployments, g.fallbacks ?? []);
    if (g.contextWindow) built.contextWindow = g.contextWindow;
    if (g.tools !== undefined) built.capabilities = { ...built.capabilities, tools: g.tools };
    groups.set(id, built);
  }
  const config: ModelConfig = { defaultModel: file.defaultModel ?? base.defaultModel, groups, tuning: { ...base.tuning, ...file.router } };
  for (const g of groups.values()) {
    for (const f of g.fallbacks)
      if (!isKnownModel(config, cfg, f)) throw invalid(path, `group "${g.id}" falls back to unknown model "${f}"`);
  }
  if (config.defaultModel && !isKnownModel(config, cfg, config.defaultModel))
    throw invalid(path, `unknown defaultModel "${config.defaultModel}"`);
  return config;
}

export function loadModelConfig(cfg: ProvidersConfig): ModelConfig {
  const base = defaultModelConfig(cfg);
  return cfg.configFile ? applyConfigFile(base, cfg, cfg.configFile) : base;
}
