import { deploymentLabel, localDeployment, type ModelConfig } from './model-config';
import { OFFLINE_MODEL_ID } from './offline/provider';
import type { Deployment } from './types';

const OFFLINE: Deployment = { provider: 'offline', model: OFFLINE_MODEL_ID };

function deploymentsOf(config: ModelConfig, id: string): Deployment[] {
  const group = config.groups.get(id);
  if (group) return group.deployments;
  const local = localDeployment(id);
  return local ? [local] : [];
}

/**
 * The ordered deployments a request for `id` may use: the group's own, then its fallbacks' (depth
 * first, each group once, each deployment once), and the offline model last of all.
 */
export function fallbackChain(config: ModelConfig, id: string): Deployment[] {
  const seenGroups = new Set<string>();
  const seen = new Set<string>();
  const chain: Deployment[] = [];
  const visit = (groupId: string) => {
    if (seenGroups.has(groupId)) return;
    seenGroups.add(groupId);
    for (const d of deploymentsOf(config, groupId)) {
      const label = deploymentLabel(d);
      if (d.provider === 'offline' || seen.has(label)) continue;
      seen.add(label);
      chain.push(d);
    }
    for (const f of config.groups.get(groupId)?.fallbacks ?? []) visit(f);
  };
  visit(id);
  chain.push(OFFLINE);
  return chain;
}
