import { Elysia } from 'elysia';
import type { AppContext } from '../../context';
import { errorResponses } from '../../lib/error-response';
import { authGuard } from '../auth/guard';
import { ModelList } from './model';
import { viewerOf } from './service';

export const modelsModule = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/models' }).use(authGuard(ctx)).get(
    '',
    async ({ principal }) => {
      const viewer = viewerOf(ctx.database.db, principal);
      return { default: await ctx.router.defaultModel(viewer), models: await ctx.router.listModels(viewer) };
    },
    {
      response: { 200: ModelList, ...errorResponses([400, 401, 403]) },
      detail: {
        summary: 'Models available now to the caller, with provider, capabilities and context window; `offline` is always there',
        description:
          'Lists only enabled models the caller may use (an admin can restrict a model to roles and groups); `default` is the one used when a request names none.',
        tags: ['models'],
      },
    },
  );
