import { Elysia } from 'elysia';
import type { AppContext } from '../../context';
import { errorResponses } from '../../lib/error-response';
import { changeBy } from '../admin/change-by';
import { adminGuard } from '../admin/guard';
import { AdminModel, AdminModelList, ModelIdParam, ModelPatch } from './model';
import { listAdminModels, updateModel } from './service';

const tags = ['admin'];

export const adminModelsModule = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/admin/models' })
    .use(adminGuard(ctx))
    .get('', async () => ({ models: await listAdminModels(ctx.router) }), {
      response: { 200: AdminModelList, ...errorResponses([400, 401, 403]) },
      detail: {
        summary: 'Every model, disabled ones too, with provider, access rule, price and whether it is the default (admins only)',
        tags,
      },
    })
    .patch(
      '/:id',
      ({ params, body, principal, request, server }) =>
        updateModel(
          { db: ctx.database.db, router: ctx.router, changed: ctx.runtimeSync.changed },
          changeBy(principal, request, server),
          params.id,
          body,
        ),
      {
        params: ModelIdParam,
        body: ModelPatch,
        response: { 200: AdminModel, ...errorResponses([400, 401, 403, 404, 413, 415]) },
        detail: {
          summary: 'Enable or disable a model, name it, restrict it to roles and groups, or price it (admins only; audited)',
          description:
            'The id is the one `/api/models` lists, URL-encoded. A user outside `access` neither sees the model nor can use it (403 `model_forbidden`). `price` replaces the list price in usage costs from the next call on.',
          tags,
        },
      },
    );
