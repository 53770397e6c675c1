import { Elysia } from 'elysia';
import type { AppContext } from '../../context';
import { authenticate } from '../auth/guard';
import { viewerOf } from '../models/service';
import { openaiErrorResponse } from './errors';
import { type CompatDeps, checkedCompletionRequest, completions, listCompatModels } from './service';

const tags = ['openai-compatible'];

/**
 * The OpenAI-compatible front door. Its errors use OpenAI's envelope, so authentication and
 * validation happen inside the handlers rather than in the shared hooks.
 */
export const openaiCompatModule = (ctx: AppContext) => {
  const deps: CompatDeps = { db: ctx.database.db, router: ctx.router, limiter: ctx.limiter, bus: ctx.bus };
  return new Elysia({ prefix: '/v1' })
    .post(
      '/chat/completions',
      async ({ request, body }) => {
        try {
          const principal = await authenticate(ctx, request);
          const valid = checkedCompletionRequest(body);
          return await completions(deps, principal, valid, request.signal);
        } catch (err) {
          return openaiErrorResponse(err);
        }
      },
      {
        detail: {
          summary: 'OpenAI-compatible chat completion (streamed as SSE with `stream: true`)',
          description:
            'Works with the official OpenAI clients: set base URL to `<confab>/v1` and use a Confab API key. Turns are not stored as conversations; usage is logged.',
          tags,
        },
      },
    )
    .get(
      '/models',
      async ({ request }) => {
        try {
          const principal = await authenticate(ctx, request);
          return Response.json(await listCompatModels(ctx.router, viewerOf(ctx.database.db, principal)));
        } catch (err) {
          return openaiErrorResponse(err);
        }
      },
      { detail: { summary: 'Models, in the OpenAI list format', tags } },
    );
};
