import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { settings } from '../../db/schema';
import type { Limits } from '../usage/model';

export const DEFAULT_LIMITS_KEY = 'defaultLimits';

/** The default limits set at runtime, or null when the environment's apply unchanged. */
export async function readDefaultLimits(db: Db): Promise<Limits | null> {
  const [row] = await db.select({ value: settings.value }).from(settings).where(eq(settings.key, DEFAULT_LIMITS_KEY));
  return (row?.value as Limits | undefined) ?? null;
}

/** Replaces the runtime default limits; null goes back to the environment's. */
export async function writeDefaultLimits(db: Db, limits: Limits | null): Promise<void> {
  if (limits === null) {
    await db.delete(settings).where(eq(settings.key, DEFAULT_LIMITS_KEY));
    return;
  }
  await db
    .insert(settings)
    .values({ key: DEFAULT_LIMITS_KEY, value: limits })
    .onConflictDoUpdate({ target: settings.key, set: { value: limits, updatedAt: new Date() } });
}
