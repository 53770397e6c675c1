import type { TSchema } from '@sinclair/typebox';
import { Elysia } from 'elysia';
import type { AppContext } from '../../context';
import { errorResponses } from '../../lib/error-response';
import { unauthorized } from '../../lib/errors';
import { authenticate } from '../auth/guard';
import { revokes } from '../auth/revocation';
import { viewerOf } from '../models/service';
import { openaiErrorResponse } from './errors';
import { ChatCompletion, CompatModelList, CompletionRequest, OpenAIErrorResponse } from './model';
import { createRunningCalls } from './running-calls';
import { type CompatDeps, checkedCompletionRequest, completions, listCompatModels } from './service';

const tags = ['openai-compatible'];

const REVOKED = {
  apiKey: 'The API key of this call was revoked',
  session: 'The session of this call ended',
  user: "This call's account lost its access",
} as const;

// Typed as no particular schema: the document's transform turns TypeBox's JSON Schema into OpenAPI's.
const json = (schema: TSchema) => ({ 'application/json': { schema: schema as object } });

/** The handlers validate and answer themselves, in OpenAI's shapes, so their document is written out here. */
const completionErrors = Object.fromEntries(
  [400, 401, 403, 404, 413, 415, 429, 502, 503, 504].map((status) => [
    status,
    { description: "An error in OpenAI's envelope: `error.type` and `error.code` say which", content: json(OpenAIErrorResponse) },
  ]),
);

/**
 * The OpenAI-compatible front door. Its errors use OpenAI's envelope, so authentication and
 * validation happen inside the handlers rather than in the shared hooks. A revoked key, session or
 * user (on any replica) ends its calls running here: a stream gets an `authentication_error` event
 * and ends, a call still waiting answers 401.
 */
export const openaiCompatModule = (ctx: AppContext) => {
  const running = createRunningCalls();
  const deps: CompatDeps = { db: ctx.database.db, router: ctx.router, limiter: ctx.limiter, bus: ctx.bus, running };
  const unsubscribe = ctx.revocations.subscribe((revocation) =>
    running.end((principal) => revokes(revocation, principal), unauthorized(REVOKED[revocation.kind])),
  );
  ctx.lifecycle.closers.push(async () => unsubscribe());
  return new Elysia({ prefix: '/v1' })
    .post(
      '/chat/completions',
      async ({ request, body, server }) => {
        try {
          const principal = await authenticate(ctx, request, {}, server);
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
          requestBody: { required: true, content: json(CompletionRequest) },
          responses: {
            200: {
              description:
                'The completion; with `stream: true`, `chat.completion.chunk` events as server-sent events ending in `data: [DONE]`',
              content: { ...json(ChatCompletion), 'text/event-stream': { schema: { type: 'string' } } },
            },
            ...completionErrors,
          },
        },
      },
    )
    .get(
      '/models',
      async ({ request, server }) => {
        try {
          const principal = await authenticate(ctx, request, {}, server);
          return Response.json(await listCompatModels(ctx.router, viewerOf(ctx.database.db, principal)));
        } catch (err) {
          return openaiErrorResponse(err);
        }
      },
      {
        response: { 200: CompatModelList, ...errorResponses([400, 401, 403], OpenAIErrorResponse) },
        detail: { summary: 'Models, in the OpenAI list format', tags },
      },
    );
};
