import type { Db } from '../../db/client';
import type { ModelViewer } from '../../providers/model-access';
import type { Principal } from '../auth/guard';
import { groupsOf } from '../groups/membership';

/** The caller as model access rules see it; its groups are read once, and only if a rule asks. */
export function viewerOf(db: Db, principal: Principal): ModelViewer {
  let groups: Promise<string[]> | undefined;
  return { role: principal.user.role, groups: () => (groups ??= groupsOf(db, principal.user.id)) };
}
