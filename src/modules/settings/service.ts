import type { Db } from '../../db/client';
import type { Actor } from '../audit/service';
import { recordAudit } from '../audit/service';
import type { LimitsResolver } from '../usage/effective-limits';
import { readDefaultLimits, writeDefaultLimits } from './default-limits';
import type { SettingsPatch } from './model';

export async function getSettings(db: Db, limits: LimitsResolver) {
  return { defaultLimits: await readDefaultLimits(db), effectiveDefaultLimits: await limits.defaults() };
}

/** Applies what the patch names and records each change in the audit log. */
export async function updateSettings(db: Db, limits: LimitsResolver, patch: SettingsPatch, who: { actor: Actor; address?: string }) {
  if (patch.defaultLimits !== undefined) {
    const before = await readDefaultLimits(db);
    await writeDefaultLimits(db, patch.defaultLimits);
    limits.invalidate();
    await recordAudit(db, {
      ...who,
      action: 'settings.update',
      target: 'settings',
      details: { defaultLimits: { from: before, to: patch.defaultLimits } },
    });
  }
  return getSettings(db, limits);
}
