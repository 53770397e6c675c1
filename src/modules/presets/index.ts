import { Elysia, t } from 'elysia';
import type { AppContext } from '../../context';
import { errorResponses } from '../../lib/error-response';
import { strictBody } from '../admin/strict-body';
import { authGuard } from '../auth/guard';
import { CreatePreset, PresetId, PresetList, PresetView, UpdatePreset } from './model';
import { createPreset, deletePreset, listPresets, updatePreset } from './service';

const tags = ['presets'];

/** Saved chat set-ups: a user's own, and those an admin published to everyone. */
export const presetsModule = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/presets' })
    .use(authGuard(ctx))
    .get('', async ({ principal }) => ({ presets: await listPresets(ctx, principal.user.id) }), {
      response: { 200: PresetList, ...errorResponses([400, 401, 403]) },
      detail: { summary: 'Your presets and those published to everyone', tags },
    })
    .post(
      '',
      async ({ principal, body, set }) => {
        const preset = await createPreset(ctx, principal, body);
        set.status = 201;
        return preset;
      },
      {
        body: CreatePreset,
        transform: strictBody(CreatePreset),
        response: { 201: PresetView, ...errorResponses([400, 401, 403, 404, 413, 415]) },
        detail: {
          summary: 'Save a preset: model, instructions, parameters, tools and documents',
          description: 'Start a conversation from it with `POST /api/conversations {presetId}`. Only admins may set `published`.',
          tags,
        },
      },
    )
    .patch('/:id', ({ principal, params, body }) => updatePreset(ctx, principal, params.id, body), {
      params: PresetId,
      body: UpdatePreset,
      transform: strictBody(UpdatePreset),
      response: { 200: PresetView, ...errorResponses([400, 401, 403, 404, 413, 415]) },
      detail: { summary: 'Change one of your presets', tags },
    })
    .delete(
      '/:id',
      async ({ principal, params, set }) => {
        await deletePreset(ctx, principal.user.id, params.id);
        set.status = 204;
      },
      {
        params: PresetId,
        response: { 204: t.Void(), ...errorResponses([400, 401, 403, 404, 415]) },
        detail: { summary: 'Delete one of your presets', tags },
      },
    );
