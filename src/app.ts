import { Elysia } from 'elysia';
import type { AppContext } from './context';
import { errorBody } from './lib/errors';
import { authModule } from './modules/auth';
import { conversationsModule } from './modules/conversations';
import { docsModule } from './modules/docs';
import { errorHandler } from './modules/error-handler';
import { healthModule } from './modules/health';
import { keysModule } from './modules/keys';

/** JSON bodies are small; only uploads may approach MAX_UPLOAD_MB. */
const JSON_BODY_LIMIT = 1024 * 1024;

function bodyTooLarge(ctx: AppContext, request: Request): Response | undefined {
  const length = Number(request.headers.get('content-length') ?? 0);
  if (!length) return undefined;
  const isUpload = request.method === 'POST' && new URL(request.url).pathname === '/api/documents';
  const limit = isUpload ? ctx.config.maxUploadBytes : JSON_BODY_LIMIT;
  if (length <= limit) return undefined;
  return Response.json(errorBody('payload_too_large', `Request body exceeds ${Math.floor(limit / 1024)} KiB`), {
    status: 413,
  });
}

export function createApp(ctx: AppContext) {
  return new Elysia({ serve: { maxRequestBodySize: ctx.config.maxUploadBytes + 64 * 1024 } })
    .use(errorHandler)
    .onRequest(({ request }) => bodyTooLarge(ctx, request))
    .use(healthModule(ctx))
    .use(docsModule())
    .use(authModule(ctx))
    .use(keysModule(ctx))
    .use(conversationsModule(ctx));
}

export type App = ReturnType<typeof createApp>;
