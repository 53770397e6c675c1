import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { plugins } from '../../db/schema';
import { notFound } from '../../lib/errors';
import { type PluginRegistry, type PluginServices, type PluginStatus, pluginStatuses } from '../../plugins';

/** The plugins `userId` switched off, as stored now. */
export async function disabledPlugins(db: Db, userId: string): Promise<ReadonlySet<string>> {
  const rows = await db
    .select({ name: plugins.name })
    .from(plugins)
    .where(and(eq(plugins.userId, userId), eq(plugins.enabled, false)));
  return new Set(rows.map((r) => r.name));
}

/**
 * The plugins a user has not switched off: every plugin is enabled until its owner disables it.
 * `disabledOf` reads the switches (chat turns read them through the user settings cache).
 */
export async function enabledPlugins(
  reg: PluginRegistry,
  userId: string,
  disabledOf: (userId: string) => Promise<ReadonlySet<string>>,
): Promise<Set<string>> {
  await reg.refresh?.(userId);
  const disabled = await disabledOf(userId);
  return new Set(reg.all.map((p) => p.name).filter((n) => !disabled.has(n)));
}

export async function listPlugins(db: Db, reg: PluginRegistry, services: PluginServices, userId: string): Promise<PluginStatus[]> {
  return pluginStatuses(reg, services, await enabledPlugins(reg, userId, (id) => disabledPlugins(db, id)), userId);
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
