import { Elysia } from 'elysia';
import type { AppContext } from './context';
import { registerUuidFormat } from './lib/uuid-format';
import { adminModelsModule } from './modules/admin-models';
import { auditModule } from './modules/audit';
import { authModule } from './modules/auth';
import { oidcModule } from './modules/auth/oidc';
import { benchmarkModule } from './modules/benchmark';
import { bodyGuard, type DeclaredRoutes } from './modules/body-guard';
import { chatModule } from './modules/chat';
import { connectionsModule } from './modules/connections';
import { conversationsModule } from './modules/conversations';
import { docsModule } from './modules/docs';
import { documentsModule } from './modules/documents';
import { errorHandler } from './modules/error-handler';
import { adminFeedbackModule, feedbackModule } from './modules/feedback';
import { foldersModule } from './modules/folders';
import { groupsModule } from './modules/groups';
import { healthModule } from './modules/health';
import { keysModule } from './modules/keys';
import { mcpOAuthModule } from './modules/mcp-oauth';
import { mcpServerModule } from './modules/mcp-server';
import { mcpServersModule } from './modules/mcp-servers';
import { messagesModule } from './modules/messages';
import { metricsModule } from './modules/metrics';
import { modelsModule } from './modules/models';
import { openaiCompatModule } from './modules/openai-compat';
import { originGuard } from './modules/origin-guard';
import { pluginsModule } from './modules/plugins';
import { preferencesModule } from './modules/preferences';
import { presetsModule } from './modules/presets';
import { settingsModule } from './modules/settings';
import { sharedPageModule, sharesModule } from './modules/shares';
import { adminUsageModule, usageModule } from './modules/usage';
import { usersModule } from './modules/users';
import { webModule } from './modules/web';
import { wsModule } from './modules/ws';

/** Conversations with their shares, folders and message branches, as one plugin: each `.use` deepens the app's type. */
const conversationModules = (ctx: AppContext) =>
  new Elysia({ name: 'conversations' })
    .use(conversationsModule(ctx))
    .use(sharedPageModule(ctx))
    .use(sharesModule(ctx))
    .use(foldersModule(ctx))
    .use(messagesModule(ctx));

const toolModules = (ctx: AppContext) => new Elysia({ name: 'tools' }).use(pluginsModule(ctx)).use(mcpOAuthModule(ctx));

export function createApp(ctx: AppContext) {
  registerUuidFormat();
  // Elysia's normalize rewrites input to fit its schema before checking it (unknown fields dropped,
  // a body of 42 turned into {}); without it a request is validated as sent, as the document says.
  const app = new Elysia({ normalize: false, serve: { maxRequestBodySize: ctx.config.maxUploadBytes + 64 * 1024 } })
    .use(errorHandler)
    .use(metricsModule(ctx))
    .use(originGuard(ctx.config.origins, ctx.config.trustedHeader?.email))
    .use(bodyGuard(ctx.config.maxUploadBytes, (): DeclaredRoutes => app.routes))
    .use(healthModule(ctx))
    .use(docsModule())
    .use(webModule())
    .use(authModule(ctx))
    .use(oidcModule(ctx))
    .use(keysModule(ctx))
    .use(conversationModules(ctx))
    .use(feedbackModule(ctx))
    .use(presetsModule(ctx))
    .use(preferencesModule(ctx))
    .use(documentsModule(ctx))
    .use(openaiCompatModule(ctx))
    .use(modelsModule(ctx))
    .use(toolModules(ctx))
    .use(chatModule(ctx))
    .use(mcpServerModule(ctx))
    .use(benchmarkModule(ctx))
    .use(auditModule(ctx))
    .use(connectionsModule(ctx))
    .use(mcpServersModule(ctx))
    .use(adminModelsModule(ctx))
    .use(groupsModule(ctx))
    .use(usersModule(ctx))
    .use(settingsModule(ctx))
    .use(adminFeedbackModule(ctx))
    .use(usageModule(ctx))
    .use(adminUsageModule(ctx))
    .use(wsModule(ctx));
  return app;
}

export type App = ReturnType<typeof createApp>;
