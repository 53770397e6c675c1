import { and, asc, eq, or } from 'drizzle-orm';
import type { AppContext } from '../../context';
import { presets } from '../../db/schema';
import { AppError, notFound } from '../../lib/errors';
import type { Principal } from '../auth/guard';
import { applyChange, type ConversationSettings, checkDocuments, EMPTY_SETTINGS, settingsOf } from '../conversations/settings';
import { checkParams, checkPlugins } from '../conversations/update';
import { viewerOf } from '../models/service';
import type { CreatePreset, PresetView, UpdatePreset } from './model';

type PresetRow = typeof presets.$inferSelect;

const toView = (row: PresetRow, userId: string): PresetView => {
  const s = settingsOf(row.settings);
  return {
    id: row.id,
    name: row.name,
    model: row.model,
    systemPrompt: s.systemPrompt,
    params: s.params,
    plugins: s.plugins,
    // Another user's documents are never named to whoever uses a published preset.
    documentIds: row.userId === userId ? s.documentIds : [],
    published: row.published,
    mine: row.userId === userId,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
};

/** Yours and those published to everyone, by name. */
export async function listPresets(ctx: AppContext, userId: string): Promise<PresetView[]> {
  const rows = await ctx.database.db
    .select()
    .from(presets)
    .where(or(eq(presets.userId, userId), eq(presets.published, true)))
    .orderBy(asc(presets.name), asc(presets.id));
  return rows.map((r) => toView(r, userId));
}

/** A preset you may use: yours or a published one (404 otherwise). */
export async function usablePreset(ctx: AppContext, userId: string, id: string): Promise<PresetRow> {
  const [row] = await ctx.database.db
    .select()
    .from(presets)
    .where(and(eq(presets.id, id), or(eq(presets.userId, userId), eq(presets.published, true))));
  if (!row) throw notFound('Preset');
  return row;
}

async function check(ctx: AppContext, principal: Principal, p: { model?: string | null; plugins?: string[]; documentIds?: string[] }) {
  const model = await ctx.router.authorize(p.model ?? 'default', viewerOf(ctx.database.db, principal));
  if (p.plugins) checkPlugins(ctx, p.plugins);
  if (p.documentIds) await checkDocuments(ctx.database.db, principal.user.id, p.documentIds);
  return model;
}

const mayPublish = (principal: Principal, published: boolean | undefined) => {
  if (published && principal.user.role !== 'admin') throw new AppError('forbidden', { message: 'Only admins publish presets' });
};

export async function createPreset(ctx: AppContext, principal: Principal, body: CreatePreset): Promise<PresetView> {
  mayPublish(principal, body.published);
  const model = await check(ctx, principal, body);
  const settings = applyChange(EMPTY_SETTINGS, body);
  checkParams(ctx, model, settings.params);
  const [row] = await ctx.database.db
    .insert(presets)
    .values({ userId: principal.user.id, name: body.name.trim(), model: body.model ?? null, settings, published: body.published ?? false })
    .returning();
  return toView(row, principal.user.id);
}

async function ownPreset(ctx: AppContext, userId: string, id: string): Promise<PresetRow> {
  const [row] = await ctx.database.db
    .select()
    .from(presets)
    .where(and(eq(presets.id, id), eq(presets.userId, userId)));
  if (!row) throw notFound('Preset');
  return row;
}

export async function updatePreset(ctx: AppContext, principal: Principal, id: string, body: UpdatePreset): Promise<PresetView> {
  const current = await ownPreset(ctx, principal.user.id, id);
  mayPublish(principal, body.published);
  const modelName = body.model === undefined ? current.model : body.model;
  const model = await check(ctx, principal, { ...body, model: modelName });
  const settings = applyChange(settingsOf(current.settings), body);
  checkParams(ctx, model, settings.params);
  const [row] = await ctx.database.db
    .update(presets)
    .set({
      name: body.name?.trim() ?? current.name,
      model: modelName,
      settings,
      published: body.published ?? current.published,
      updatedAt: new Date(),
    })
    .where(eq(presets.id, id))
    .returning();
  return toView(row, principal.user.id);
}

export async function deletePreset(ctx: AppContext, userId: string, id: string): Promise<void> {
  const rows = await ctx.database.db
    .delete(presets)
    .where(and(eq(presets.id, id), eq(presets.userId, userId)))
    .returning({ id: presets.id });
  if (!rows.length) throw notFound('Preset');
}

/** What a conversation started from a preset begins with; a published preset's documents stay its owner's. */
export async function fromPreset(
  ctx: AppContext,
  userId: string,
  presetId: string,
): Promise<{ model?: string; settings: ConversationSettings }> {
  const preset = await usablePreset(ctx, userId, presetId);
  const s = settingsOf(preset.settings);
  return { model: preset.model ?? undefined, settings: { ...s, documentIds: preset.userId === userId ? s.documentIds : [] } };
}
