import type { Static } from 'elysia';
import type { AppContext } from '../../context';
import { AppError } from '../../lib/errors';
import type { Principal } from '../auth/guard';
import { viewerOf } from '../models/service';
import type { UpdateConversation } from './model';
import { getOwnedConversation, toSummary, updateConversation } from './service';
import { applyChange, type ChatParams, checkDocuments, settingsOf } from './settings';

/** Refuses plugin names no plugin answers to (404 `unknown_plugin`), so a stored setting never breaks every turn. */
export function checkPlugins(ctx: Pick<AppContext, 'plugins'>, names: readonly string[]): void {
  for (const name of names)
    if (!ctx.plugins.registry.get(name)) throw new AppError('unknown_plugin', { message: `No plugin named ${name}` });
}

/** Refuses a longest answer the model's window cannot hold (400 `validation_error`). */
export function checkParams(ctx: Pick<AppContext, 'router'>, model: string, params: ChatParams | null | undefined): void {
  if (!params?.maxTokens) return;
  const window = ctx.router.contextWindow(model);
  if (params.maxTokens >= window)
    throw new AppError('validation_error', { message: `maxTokens must be below ${model}'s context window of ${window} tokens` });
}

/**
 * `PATCH /api/conversations/:id`: a new title, model or settings, each checked before anything is
 * written: a model the user may not use (403 `model_forbidden`, 400 `unknown_model`), a plugin
 * that does not exist, a document that is not theirs, a longest answer past the model's window.
 */
export async function patchConversation(ctx: AppContext, principal: Principal, id: string, body: Static<typeof UpdateConversation>) {
  const db = ctx.database.db;
  const userId = principal.user.id;
  const current = await getOwnedConversation(db, userId, id);
  const model = body.model === undefined ? current.model : body.model;
  const effectiveModel = await ctx.router.authorize(model ?? 'default', viewerOf(db, principal));
  if (body.plugins) checkPlugins(ctx, body.plugins);
  if (body.documentIds) await checkDocuments(db, userId, body.documentIds);
  const settings = applyChange(settingsOf(current.settings), body);
  checkParams(ctx, effectiveModel, settings.params);
  const touchesSettings = ['systemPrompt', 'params', 'plugins', 'documentIds', 'documentMode'].some((k) => k in body);
  const { pinned, archived, folderId } = body;
  const organises = pinned !== undefined || archived !== undefined || folderId !== undefined;
  if (!touchesSettings && !organises && body.title === undefined && body.model === undefined) return toSummary(current);
  return updateConversation(db, userId, id, {
    title: body.title,
    model: body.model,
    settings: touchesSettings ? settings : undefined,
    pinned,
    archived,
    folderId,
  });
}
