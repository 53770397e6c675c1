import { createHash } from 'node:crypto';
import { AppError } from '../lib/errors';
import { type ChainScope, fallbackChain } from './chain';
import { grants, isRestricted, type ModelAccess, type ModelPolicy, type ModelPrice, type ModelViewer, resolveViewer } from './model-access';
import { defaultCapabilities, knownContextWindow, LOCAL_CONTEXT_WINDOW } from './model-catalog';
import { deploymentLabel, type ModelConfig, prefixedDeployment, type RouterTuning } from './model-config';
import { OFFLINE_MODEL_ID } from './offline/provider';
import { costAt, priceOf } from './pricing';
import { type ConnectionSpec, createConnectionProvider, createProviders, type ProviderEntry } from './registry';
import type { Deployment, ModelCapabilities, ModelInfo, ProviderKind, ProvidersConfig, Usage } from './types';

/** The part of the model set admins change at runtime. */
export interface RuntimeModels {
  /** Enabled connections; their names never clash with the environment's providers. */
  connections: readonly ConnectionSpec[];
  /** Admins' settings by model id. */
  policies: ReadonlyMap<string, ModelPolicy>;
  /** The admin's default, used whenever it is available to the caller. */
  defaultModel?: string;
}

/** One model as admins see it: disabled ones too, with their rules and the price calls are charged at. */
export interface CatalogEntry extends ModelInfo {
  kind: ProviderKind;
  enabled: boolean;
  access: ModelAccess | null;
  /** The admin's price when set, else the list price; null when neither is known. */
  price: ModelPrice | null;
  priceSource: 'admin' | 'list' | null;
  /** Where a request for the model goes first; calls it answers are charged at `price`. */
  deployment: Deployment;
}

/** A request's view of the directory, fixed for its whole life even if the directory changes meanwhile. */
export interface Resolution {
  /** The model id, `default` resolved. */
  id: string;
  chain: Deployment[];
  providers: ReadonlyMap<string, ProviderEntry>;
}

interface State {
  providers: ReadonlyMap<string, ProviderEntry>;
  /** Per connection, a hash of what its provider was built from, to rebuild only what changed. */
  fingerprints: ReadonlyMap<string, string>;
  policies: ReadonlyMap<string, ModelPolicy>;
  defaultModel?: string;
}

type ResolvedViewer = Awaited<ReturnType<typeof resolveViewer>>;

const unknownModel = (id: string) => new AppError('unknown_model', { message: `Unknown model "${id}"` });
const fingerprint = (spec: ConnectionSpec) =>
  createHash('sha256')
    .update(JSON.stringify([spec.kind, spec.baseUrl ?? '', spec.apiKey ?? '']))
    .digest('hex');

/**
 * Which models exist right now, who may use them, what they cost and which provider serves each.
 * The environment's providers and model groups are fixed; connections and admins' model settings
 * are replaced at runtime (`configure`) and every request reads the state current when it starts,
 * so a change serves the next request without a restart.
 */
export function createModelDirectory(
  cfg: ProvidersConfig,
  config: ModelConfig,
  tuning: Pick<RouterTuning, 'timeoutMs' | 'discoveryTtlMs'>,
  now: () => number,
) {
  const fixed = createProviders(cfg, tuning, now);
  // A group's admin price is the price of the deployment it sends requests to first.
  const groupsByDeployment = new Map<string, string[]>();
  for (const g of config.groups.values()) {
    const label = deploymentLabel(g.deployments[0]);
    groupsByDeployment.set(label, [...(groupsByDeployment.get(label) ?? []), g.id]);
  }
  let state: State = { providers: fixed, fingerprints: new Map(), policies: new Map() };

  /** Replaces the runtime part; returns the names of the connections whose provider was replaced or removed. */
  function configure(runtime: RuntimeModels): string[] {
    const providers = new Map(fixed);
    const fingerprints = new Map<string, string>();
    const changed: string[] = [];
    for (const spec of runtime.connections) {
      if (fixed.has(spec.name)) continue;
      const print = fingerprint(spec);
      const before = state.fingerprints.get(spec.name) === print ? state.providers.get(spec.name) : undefined;
      providers.set(spec.name, before ?? createConnectionProvider(spec, tuning, now, true));
      fingerprints.set(spec.name, print);
      if (!before) changed.push(spec.name);
    }
    for (const name of state.fingerprints.keys()) if (!fingerprints.has(name)) changed.push(name);
    state = { providers, fingerprints, policies: runtime.policies, defaultModel: runtime.defaultModel };
    return changed;
  }

  const kindOf = (s: State, provider: string): ProviderKind => s.providers.get(provider)?.kind ?? (provider as ProviderKind);
  const enabledIn = (s: State, id: string) => s.policies.get(id)?.enabled !== false;
  const listed = async (p: ProviderEntry) => (await p.provider.listModels?.()) ?? [];

  /** Whether `id` names a model now, enabled or not. */
  async function exists(s: State, id: string): Promise<boolean> {
    if (config.groups.has(id)) return true;
    const d = prefixedDeployment(id);
    const p = d && s.providers.get(d.provider);
    if (!d || !p?.discovers) return false;
    if ((await listed(p)).includes(d.model)) return true;
    // A server answers to names it does not list (aliases, models pulled on demand). Once one of its
    // models is disabled or restricted, only listed names are served, so no alias slips past the rule.
    const prefix = `${d.provider}/`;
    return ![...s.policies].some(([k, p]) => k.startsWith(prefix) && (!p.enabled || isRestricted(p.access)));
  }

  function entry(s: State, id: string, deployment: Deployment, capabilities: ModelCapabilities, contextWindow: number): CatalogEntry {
    const policy = s.policies.get(id);
    const kind = kindOf(s, deployment.provider);
    const list = priceOf(kind, deployment.model);
    return {
      id,
      provider: deployment.provider,
      ...(policy?.displayName ? { displayName: policy.displayName } : {}),
      capabilities,
      contextWindow,
      kind,
      enabled: policy?.enabled !== false,
      access: policy?.access ?? null,
      price: policy?.price ?? (list ? { inputPerMTok: list.input, outputPerMTok: list.output } : null),
      priceSource: policy?.price ? 'admin' : list ? 'list' : null,
      deployment,
    };
  }

  /** Groups first, then what each discovering provider lists, then the offline model. */
  async function catalogOf(s: State): Promise<CatalogEntry[]> {
    const out: CatalogEntry[] = [];
    for (const g of config.groups.values())
      if (g.id !== OFFLINE_MODEL_ID) out.push(entry(s, g.id, g.deployments[0], g.capabilities, g.contextWindow));
    const discovering = [...s.providers].filter(([, p]) => p.discovers);
    const lists = await Promise.all(discovering.map(([, p]) => listed(p)));
    discovering.forEach(([provider, p], i) => {
      for (const model of lists[i]) {
        const d = { provider, model };
        const id = deploymentLabel(d);
        if (!config.groups.has(id)) out.push(entry(s, id, d, defaultCapabilities(p.kind), knownContextWindow(p.kind, model)));
      }
    });
    const offline = config.groups.get(OFFLINE_MODEL_ID)!;
    out.push(entry(s, OFFLINE_MODEL_ID, offline.deployments[0], offline.capabilities, offline.contextWindow));
    return out;
  }

  const info = ({ id, provider, displayName, capabilities, contextWindow }: CatalogEntry): ModelInfo => ({
    id,
    provider,
    ...(displayName ? { displayName } : {}),
    capabilities,
    contextWindow,
  });

  async function listIn(s: State, who: ResolvedViewer | undefined): Promise<ModelInfo[]> {
    return (await catalogOf(s)).filter((e) => e.enabled && (!who || grants(e.access ?? undefined, who))).map(info);
  }

  async function usableIn(s: State, id: string, who: ResolvedViewer | undefined): Promise<boolean> {
    return enabledIn(s, id) && (!who || grants(s.policies.get(id)?.access, who)) && (await exists(s, id));
  }

  /** The admin's default, else the configured one, else the first model listed, as far as the caller may use them. */
  async function defaultIn(s: State, who: ResolvedViewer | undefined): Promise<string> {
    for (const id of [s.defaultModel, config.defaultModel]) if (id && (await usableIn(s, id, who))) return id;
    return (await listIn(s, who))[0]?.id ?? OFFLINE_MODEL_ID;
  }

  /** The ids a request for `id` may end up using: itself and the groups it falls back to, transitively. */
  function reachable(id: string): string[] {
    const seen = new Set<string>();
    const visit = (g: string) => {
      if (seen.has(g)) return;
      seen.add(g);
      for (const f of config.groups.get(g)?.fallbacks ?? []) visit(f);
    };
    visit(id);
    return [...seen];
  }

  async function check(s: State, model: string, viewer: ModelViewer | undefined) {
    const named = !model || model === 'default' ? undefined : model;
    // Only the rules this request can meet decide whether the viewer's groups are read.
    const rules = named ? reachable(named).map((r) => s.policies.get(r)) : s.policies.values();
    const who = viewer && (await resolveViewer(viewer, rules));
    const id = named ?? (await defaultIn(s, who));
    if (!enabledIn(s, id) || !(await exists(s, id))) throw unknownModel(id);
    if (who && !grants(s.policies.get(id)?.access, who)) throw new AppError('model_forbidden');
    return { id, who };
  }

  /**
   * The model a request names, its fallback chain and the providers to call. Unknown and disabled
   * models answer `unknown_model`; with a viewer, a model it may not use answers `model_forbidden`
   * and fallbacks it may not use are skipped.
   */
  async function resolve(model: string, viewer?: ModelViewer): Promise<Resolution> {
    const s = state;
    const { id, who } = await check(s, model, viewer);
    const scope: ChainScope = {
      direct: (fid) => {
        const d = prefixedDeployment(fid);
        return d && s.providers.get(d.provider)?.discovers ? d : undefined;
      },
      mayFallBackTo: (fid) => enabledIn(s, fid) && (!who || grants(s.policies.get(fid)?.access, who)),
    };
    return { id, chain: fallbackChain(config, id, scope), providers: s.providers };
  }

  function contextWindow(model: string): number {
    const s = state;
    const id = !model || model === 'default' ? (s.defaultModel ?? config.defaultModel) : model;
    if (id === undefined) return LOCAL_CONTEXT_WINDOW;
    const group = config.groups.get(id);
    if (group) return group.contextWindow;
    const d = prefixedDeployment(id);
    const p = d && s.providers.get(d.provider);
    if (d && p?.discovers) return knownContextWindow(p.kind, d.model);
    throw unknownModel(id);
  }

  /** The cost of a call a deployment answered, at the admin's price of the model it serves, else its list price. */
  function costOf(d: Deployment, usage: Usage): number | null {
    const s = state;
    const label = deploymentLabel(d);
    for (const id of [label, ...(groupsByDeployment.get(label) ?? [])]) {
      const price = s.policies.get(id)?.price;
      if (price) return costAt({ input: price.inputPerMTok, output: price.outputPerMTok }, usage);
    }
    return costAt(priceOf(kindOf(s, d.provider), d.model), usage);
  }

  return {
    configure,
    resolve,
    contextWindow,
    costOf,
    /** Every model, disabled ones included, with admins' settings. */
    catalog: () => catalogOf(state),
    /** Enabled models; with a viewer, only those it may use. */
    listModels: async (viewer?: ModelViewer) => {
      const s = state;
      return listIn(s, viewer && (await resolveViewer(viewer, s.policies.values())));
    },
    /** The model `default` means for this viewer. */
    defaultModel: async (viewer?: ModelViewer) => {
      const s = state;
      return defaultIn(s, viewer && (await resolveViewer(viewer, s.policies.values())));
    },
    /** The model id a request may use (`default` resolved), or the error it is refused with. */
    authorize: async (model: string, viewer?: ModelViewer) => (await check(state, model, viewer)).id,
  };
}

export type ModelDirectory = ReturnType<typeof createModelDirectory>;
