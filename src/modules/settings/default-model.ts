import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { settings } from '../../db/schema';
import type { Router } from '../../providers/router';
import type { ChangeBy } from '../admin/change-by';
import { recordAudit } from '../audit/service';

const DEFAULT_MODEL = 'defaultModel';

/** The admin's default model, or undefined when the configured default applies. */
export async function readDefaultModel(db: Db): Promise<string | undefined> {
  const [row] = await db.select().from(settings).where(eq(settings.key, DEFAULT_MODEL));
  return typeof row?.value === 'string' ? row.value : undefined;
}

/** The id a requested default model is stored as; it must be a model that is enabled now (else 400 `unknown_model`). */
export async function checkDefaultModel(router: Router, requested: string | null): Promise<string | null> {
  return requested === null ? null : router.authorize(requested);
}

/** Sets (or with null clears) the default model, audits the change and tells the replicas. */
export async function writeDefaultModel(deps: { db: Db; changed(): Promise<void> }, by: ChangeBy, id: string | null): Promise<void> {
  const before = (await readDefaultModel(deps.db)) ?? null;
  if (id === null) await deps.db.delete(settings).where(eq(settings.key, DEFAULT_MODEL));
  else {
    await deps.db
      .insert(settings)
      .values({ key: DEFAULT_MODEL, value: id })
      .onConflictDoUpdate({ target: settings.key, set: { value: id, updatedAt: new Date() } });
  }
  await recordAudit(deps.db, {
    ...by,
    action: 'settings.update',
    target: 'settings',
    details: { defaultModel: { from: before, to: id } },
  });
  await deps.changed();
}
