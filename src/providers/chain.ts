import { deploymentLabel, type ModelConfig } from './model-config';
import { OFFLINE_MODEL_ID } from './offline/provider';
import type { Deployment } from './types';

const OFFLINE: Deployment = { provider: 'offline', model: OFFLINE_MODEL_ID };

/** What a chain may contain beyond the model groups, decided per request. */
export interface ChainScope {
  /** The deployment an id that is no group names by itself (`local/llama3`), if it names one now. */
  direct(id: string): Deployment | undefined;
  /** Whether the request may fall back to this model id: it is enabled and the caller may use it. */
  mayFallBackTo(id: string): boolean;
}

/**
 * The ordered deployments a request for `id` may use: the group's own, then its fallbacks' (depth
 * first, each group once, each deployment once, skipping ids the scope refuses), and the offline
 * model last of all.
 */
export function fallbackChain(config: ModelConfig, id: string, scope: ChainScope): Deployment[] {
  const seenGroups = new Set<string>();
  const seen = new Set<string>();
  const chain: Deployment[] = [];
  const visit = (groupId: string) => {
    if (seenGroups.has(groupId)) return;
    seenGroups.add(groupId);
    const group = config.groups.get(groupId);
    const direct = group ? undefined : scope.direct(groupId);
    for (const d of group?.deployments ?? (direct ? [direct] : [])) {
      const label = deploymentLabel(d);
      if (d.provider === 'offline' || seen.has(label)) continue;
      seen.add(label);
      chain.push(d);
    }
    for (const f of group?.fallbacks ?? []) if (scope.mayFallBackTo(f)) visit(f);
  };
  visit(id);
  chain.push(OFFLINE);
  return chain;
}
