import { eq } from 'drizzle-orm';
import { Elysia } from 'elysia';
import type { AppContext } from '../../context';
import { users } from '../../db/schema';
import { errorResponses } from '../../lib/error-response';
import { strictBody } from '../admin/strict-body';
import { authGuard } from '../auth/guard';
import { loadPreferences, Preferences, PreferencesPatch } from '../conversations/settings';
import { checkPlugins } from '../conversations/update';
import { viewerOf } from '../models/service';

const tags = ['me'];

/** `GET/PATCH /api/me/settings`: a user's custom instructions, default model and default tools. */
export const preferencesModule = (ctx: AppContext) => {
  const db = ctx.database.db;
  return new Elysia({ prefix: '/api/me/settings' })
    .use(authGuard(ctx))
    .get('', ({ principal }) => loadPreferences(db, principal.user.id), {
      response: { 200: Preferences, ...errorResponses([400, 401, 403]) },
      detail: { summary: 'Your custom instructions, default model and default tools', tags },
    })
    .patch(
      '',
      async ({ principal, body }) => {
        const current = await loadPreferences(db, principal.user.id);
        if (body.defaultModel) await ctx.router.authorize(body.defaultModel, viewerOf(db, principal));
        if (body.defaultPlugins) checkPlugins(ctx, body.defaultPlugins);
        const next: Preferences = {
          systemPrompt: body.systemPrompt === undefined ? current.systemPrompt : body.systemPrompt?.trim() || null,
          defaultModel: body.defaultModel === undefined ? current.defaultModel : body.defaultModel,
          defaultPlugins: body.defaultPlugins ?? current.defaultPlugins,
        };
        await db.update(users).set({ preferences: next }).where(eq(users.id, principal.user.id));
        await ctx.userSettings.changed(principal.user.id);
        return next;
      },
      {
        body: PreferencesPatch,
        transform: strictBody(PreferencesPatch),
        response: { 200: Preferences, ...errorResponses([400, 401, 403, 404, 413, 415]) },
        detail: {
          summary: 'Change your custom instructions, default model or default tools',
          description:
            '`systemPrompt` is used by every conversation that sets none of its own; `defaultModel` and `defaultPlugins` by new conversations. A model you may not use answers 403 `model_forbidden`, an unknown one 400 `unknown_model`.',
          tags,
        },
      },
    );
};
