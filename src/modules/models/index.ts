import { Elysia } from 'elysia';
import type { AppContext } from '../../context';
import { errorResponses } from '../../lib/error-response';
import { authGuard } from '../auth/guard';
import { ModelList } from './model';

export const modelsModule = (ctx: AppContext) =>
  new Elysia({ prefix: '/api/models' })
    .use(authGuard(ctx))
    .get('', async () => ({ default: await ctx.router.defaultModel(), models: await ctx.router.listModels() }), {
      response: { 200: ModelList, ...errorResponses([400, 401]) },
      detail: {
        summary: 'Models available now, with provider, capabilities and context window; `offline` is always there',
        tags: ['models'],
      },
    });
