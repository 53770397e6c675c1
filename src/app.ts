import { Elysia } from 'elysia';
import type { AppContext } from './context';
import { authModule } from './modules/auth';
import { bodyGuard } from './modules/body-guard';
import { conversationsModule } from './modules/conversations';
import { docsModule } from './modules/docs';
import { errorHandler } from './modules/error-handler';
import { healthModule } from './modules/health';
import { keysModule } from './modules/keys';

export function createApp(ctx: AppContext) {
  return new Elysia({ serve: { maxRequestBodySize: ctx.config.maxUploadBytes + 64 * 1024 } })
    .use(errorHandler)
    .use(bodyGuard(ctx.config.maxUploadBytes))
    .use(healthModule(ctx))
    .use(docsModule())
    .use(authModule(ctx))
    .use(keysModule(ctx))
    .use(conversationsModule(ctx));
}

export type App = ReturnType<typeof createApp>;
