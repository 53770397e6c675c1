import { Elysia, t } from 'elysia';
import type { AppContext } from '../../context';
import { errorResponses } from '../../lib/error-response';
import { AppError } from '../../lib/errors';
import { changeBy } from '../admin/change-by';
import { authGuard } from '../auth/guard';
import { overHttps } from '../auth/session-cookie';
import { Disconnected, McpAccountList, McpOAuthCallbackQuery, McpOAuthStart, McpOAuthStarted, McpServerParam } from './model';
import { CALLBACK_PATH, disconnect, finishConnect, listAccounts, type McpOAuthDeps, startConnect } from './service';

const tags = ['mcp'];
const Redirect = t.Void({ description: 'A redirect; `Location` says where' });

/** A browser the authorization server sent back goes to the UI; an API client gets the error. */
const wantsPage = (request: Request) => (request.headers.get('accept') ?? '').includes('text/html');

export const mcpOAuthModule = (ctx: AppContext) => {
  const deps: McpOAuthDeps = { db: ctx.database.db, secrets: ctx.secrets, hub: ctx.mcp };
  const origin = (request: Request) => {
    if (ctx.config.origins.publicOrigin) return ctx.config.origins.publicOrigin;
    const url = new URL(request.url);
    return `${overHttps(request) ? 'https' : url.protocol.slice(0, -1)}://${url.host}`;
  };
  return new Elysia({ prefix: '/api/mcp/oauth' })
    .use(authGuard(ctx))
    .get('', async ({ principal }) => ({ servers: await listAccounts(deps, principal.user.id) }), {
      response: { 200: McpAccountList, ...errorResponses([400, 401, 403]) },
      detail: { summary: 'The MCP servers you sign in to with your own account, and whether you connected each', tags },
    })
    .post('/start', ({ principal, body, request }) => startConnect(deps, principal.user.id, body.server, origin(request)), {
      body: McpOAuthStart,
      response: { 200: McpOAuthStarted, ...errorResponses([400, 401, 403, 404, 413, 415, 502]) },
      detail: {
        summary: 'Start connecting your account at an OAuth MCP server: answers the authorization URL to open',
        description: `OAuth 2.1 with PKCE through the MCP SDK: the authorization server is discovered from the MCP server, a client is registered dynamically unless the admin gave one, and the state is bound to you for 10 minutes. The authorization server sends the browser back to \`${CALLBACK_PATH}\`.`,
        tags,
      },
    })
    .get(
      '/callback',
      async ({ principal, query, request, server, set }) => {
        try {
          const spec = await finishConnect(deps, changeBy(principal, request, server), query);
          set.headers.location = `/settings?mcp_connected=${encodeURIComponent(spec.name)}`;
          set.status = 302;
        } catch (error) {
          if (!(error instanceof AppError) || !wantsPage(request)) throw error;
          set.headers.location = `/settings?mcp_error=${encodeURIComponent(error.code)}`;
          set.status = 302;
        }
      },
      {
        query: McpOAuthCallbackQuery,
        response: { 302: Redirect, ...errorResponses([400, 401, 403, 404, 502]) },
        detail: {
          summary: 'Where the authorization server sends the browser back: exchanges the code and stores your tokens, sealed',
          description:
            'The state must be one you started, unused and under 10 minutes old. A browser (Accept: text/html) is sent to `/settings?mcp_connected=<server>`, or to `/settings?mcp_error=<code>` when connecting failed; other clients get the error.',
          tags,
        },
      },
    )
    .delete(
      '/:server',
      async ({ principal, params, request, server }) => {
        await disconnect(deps, changeBy(principal, request, server), params.server);
        return { connected: false as const };
      },
      {
        params: McpServerParam,
        response: { 200: Disconnected, ...errorResponses([400, 401, 403, 404, 415]) },
        detail: { summary: 'Disconnect your account from an OAuth MCP server: Confab forgets your tokens', tags },
      },
    );
};
