import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { settings } from '../../db/schema';
import type { Router } from '../../providers/router';
import type { ChangeBy } from '../admin/change-by';
import { recordAudit } from '../audit/service';
import type { AdminSettings, AdminSettingsPatch } from './model';

const DEFAULT_MODEL = 'defaultModel';

/** The admin's default model, or undefined when the configured default applies. */
export async function readDefaultModel(db: Db): Promise<string | undefined> {
  const [row] = await db.select().from(settings).where(eq(settings.key, DEFAULT_MODEL));
  return typeof row?.value === 'string' ? row.value : undefined;
}

export async function getAdminSettings(db: Db): Promise<AdminSettings> {
  return { defaultModel: (await readDefaultModel(db)) ?? null };
}

/** Sets (or with null clears) the default model; it must be a model that is enabled now. */
export async function updateAdminSettings(
  deps: { db: Db; router: Router; changed(): Promise<void> },
  by: ChangeBy,
  patch: AdminSettingsPatch,
): Promise<AdminSettings> {
  const before = await getAdminSettings(deps.db);
  if (patch.defaultModel === undefined) return before;
  if (patch.defaultModel === null) await deps.db.delete(settings).where(eq(settings.key, DEFAULT_MODEL));
  else {
    const id = await deps.router.authorize(patch.defaultModel);
    await deps.db
      .insert(settings)
      .values({ key: DEFAULT_MODEL, value: id })
      .onConflictDoUpdate({ target: settings.key, set: { value: id, updatedAt: new Date() } });
  }
  const after = await getAdminSettings(deps.db);
  await recordAudit(deps.db, {
    ...by,
    action: 'settings.update',
    target: 'settings',
    details: { defaultModel: { from: before.defaultModel, to: after.defaultModel } },
  });
  await deps.changed();
  return after;
}
