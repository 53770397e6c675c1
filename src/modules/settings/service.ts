import type { SignupPolicy } from '../../config';
import type { Db } from '../../db/client';
import type { Router } from '../../providers/router';
import type { ChangeBy } from '../admin/change-by';
import { recordAudit } from '../audit/service';
import type { LimitsResolver } from '../usage/effective-limits';
import { readDefaultLimits, writeDefaultLimits } from './default-limits';
import { checkDefaultModel, readDefaultModel, writeDefaultModel } from './default-model';
import type { SettingsPatch } from './model';
import { signupPolicy, writeSignupPolicy } from './signup-policy';

export interface SettingsParts {
  db: Db;
  limits: LimitsResolver;
  router: Router;
  /** The environment's `SIGNUP`, which applies while no runtime setting does. */
  signup: SignupPolicy;
  /** Tells the runtime sync (and through it the other replicas) that the default model changed. */
  changed(): Promise<void>;
}

export async function getSettings(parts: Pick<SettingsParts, 'db' | 'limits' | 'signup'>) {
  const [defaultModel, defaultLimits, effectiveDefaultLimits, signup] = await Promise.all([
    readDefaultModel(parts.db),
    readDefaultLimits(parts.db),
    parts.limits.defaults(),
    signupPolicy(parts.db, parts.signup),
  ]);
  return { signup, defaultModel: defaultModel ?? null, defaultLimits, effectiveDefaultLimits };
}

/**
 * Applies what the patch names and records each change in the audit log. Everything is checked
 * before anything is written, so a refused patch changes nothing.
 */
export async function updateSettings(parts: SettingsParts, by: ChangeBy, patch: SettingsPatch) {
  const defaultModel = patch.defaultModel === undefined ? undefined : await checkDefaultModel(parts.router, patch.defaultModel);
  if (defaultModel !== undefined) await writeDefaultModel(parts, by, defaultModel);
  if (patch.defaultLimits !== undefined) {
    const before = await readDefaultLimits(parts.db);
    await writeDefaultLimits(parts.db, patch.defaultLimits);
    parts.limits.invalidate();
    await recordAudit(parts.db, {
      ...by,
      action: 'settings.update',
      target: 'settings',
      details: { defaultLimits: { from: before, to: patch.defaultLimits } },
    });
  }
  if (patch.signup !== undefined) await writeSignupPolicy(parts.db, by, parts.signup, patch.signup);
  return getSettings(parts);
}
