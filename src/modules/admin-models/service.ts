import { eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { groups, modelSettings, users } from '../../db/schema';
import { AppError, notFound } from '../../lib/errors';
import { isRestricted, type ModelAccess, type ModelPolicy, type ModelPrice } from '../../providers/model-access';
import type { CatalogEntry } from '../../providers/model-directory';
import { OFFLINE_MODEL_ID } from '../../providers/offline/provider';
import type { Router } from '../../providers/router';
import type { ChangeBy } from '../admin/change-by';
import { recordAudit } from '../audit/service';
import type { AdminModel, ModelPatch } from './model';

export interface AdminModelDeps {
  db: Db;
  router: Router;
  /** Serves the change here and on every replica; resolves once this one serves it. */
  changed(): Promise<void>;
}

type Row = typeof modelSettings.$inferSelect;

const policyOf = (r: Row): ModelPolicy => ({
  enabled: r.enabled,
  displayName: r.displayName ?? undefined,
  access: (r.access as ModelAccess | null) ?? undefined,
  price: (r.price as ModelPrice | null) ?? undefined,
});

/** Admins' settings by model id, as the router serves them. */
export async function loadModelPolicies(db: Db): Promise<Map<string, ModelPolicy>> {
  const rows = await db.select().from(modelSettings);
  return new Map(rows.map((r) => [r.modelId, policyOf(r)]));
}

function view(e: CatalogEntry, defaultModel: string): AdminModel {
  return {
    id: e.id,
    provider: e.provider,
    kind: e.kind,
    displayName: e.displayName ?? null,
    enabled: e.enabled,
    access: e.access,
    price: e.price,
    priceSource: e.priceSource,
    isDefault: e.id === defaultModel,
    capabilities: e.capabilities,
    contextWindow: e.contextWindow,
  };
}

/** Every model, disabled ones too, with its settings; the default is the one a request naming none gets. */
export async function listAdminModels(router: Router): Promise<AdminModel[]> {
  const [entries, defaultModel] = await Promise.all([router.catalog(), router.defaultModel()]);
  return entries.map((e) => view(e, defaultModel));
}

/** Roles and groups an access rule names must exist, or the rule would silently grant nobody. */
async function checkAccess(db: Db, id: string, access: ModelAccess | null | undefined): Promise<void> {
  if (id === OFFLINE_MODEL_ID && isRestricted(access ?? undefined))
    throw new AppError('validation_error', { message: 'The offline model answers when every other model fails; it cannot be restricted.' });
  const roles: readonly string[] = users.role.enumValues;
  const unknownRole = access?.roles?.find((r) => !roles.includes(r));
  if (unknownRole) throw new AppError('validation_error', { message: `Unknown role "${unknownRole}": roles are ${roles.join(' and ')}.` });
  const names = access?.groups ?? [];
  if (!names.length) return;
  const found = new Set((await db.select({ name: groups.name }).from(groups).where(inArray(groups.name, names))).map((g) => g.name));
  const missing = names.find((n) => !found.has(n));
  if (missing) throw new AppError('validation_error', { message: `Unknown group "${missing}".` });
}

/** Changes one model's settings; fields the patch leaves out keep their value. */
export async function updateModel(deps: AdminModelDeps, by: ChangeBy, id: string, patch: ModelPatch): Promise<AdminModel> {
  const entry = (await deps.router.catalog()).find((e) => e.id === id);
  if (!entry) throw notFound('Model');
  if (id === OFFLINE_MODEL_ID && patch.enabled === false)
    throw new AppError('validation_error', { message: 'The offline model answers when every other model fails; it cannot be disabled.' });
  await checkAccess(deps.db, id, patch.access);
  const [row] = await deps.db.select().from(modelSettings).where(eq(modelSettings.modelId, id));
  const before = {
    enabled: row?.enabled ?? true,
    displayName: row?.displayName ?? null,
    access: row?.access ?? null,
    price: row?.price ?? null,
  };
  const after = {
    enabled: patch.enabled ?? before.enabled,
    displayName: patch.displayName === undefined ? before.displayName : patch.displayName,
    access: patch.access === undefined ? before.access : isRestricted(patch.access ?? undefined) ? patch.access : null,
    price: patch.price === undefined ? before.price : patch.price,
  };
  await deps.db
    .insert(modelSettings)
    .values({ modelId: id, ...after })
    .onConflictDoUpdate({ target: modelSettings.modelId, set: { ...after, updatedAt: new Date() } });
  const changes: Record<string, unknown> = {};
  for (const field of ['enabled', 'displayName', 'access', 'price'] as const)
    if (JSON.stringify(before[field]) !== JSON.stringify(after[field])) changes[field] = { from: before[field], to: after[field] };
  await recordAudit(deps.db, { ...by, action: 'model.update', target: `model:${id}`, details: { changes } });
  await deps.changed();
  const updated = (await deps.router.catalog()).find((e) => e.id === id) ?? entry;
  return view(updated, await deps.router.defaultModel());
}
