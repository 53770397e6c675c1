import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { plugins } from '../../db/schema';
import { notFound } from '../../lib/errors';
import { type PluginRegistry, type PluginServices, type PluginStatus, pluginStatuses } from '../../plugins';

/** The plugins a user has not switched off: every plugin is enabled until its owner disables it. */
export async function enabledPlugins(db: Db, reg: PluginRegistry, userId: string): Promise<Set<string>> {
  await reg.refresh?.(userId);
  const rows = await db.select({ name: plugins.name, enabled: plugins.enabled }).from(plugins).where(eq(plugins.userId, userId));
  const disabled = new Set(rows.filter((r) => !r.enabled).map((r) => r.name));
  return new Set(reg.all.map((p) => p.name).filter((n) => !disabled.has(n)));
}

export async function listPlugins(db: Db, reg: PluginRegistry, services: PluginServices, userId: string): Promise<PluginStatus[]> {
  return pluginStatuses(reg, services, await enabledPlugins(db, reg, userId), userId);
}

export async function setPluginEnabled(
  db: Db,
  reg: PluginRegistry,
  services: PluginServices,
  userId: string,
  name: string,
  enabled: boolean,
): Promise<PluginStatus> {
  if (!reg.get(name)) throw notFound('Plugin');
  await db
    .insert(plugins)
    .values({ userId, name, enabled })
    .onConflictDoUpdate({ target: [plugins.userId, plugins.name], set: { enabled, updatedAt: new Date() } });
  return (await listPlugins(db, reg, services, userId)).find((p) => p.name === name)!;
}
