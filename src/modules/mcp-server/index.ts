import { Elysia } from 'elysia';
import type { AppContext } from '../../context';
import { unauthorized } from '../../lib/errors';
import { authenticate } from '../auth/guard';
import { chatOnce, turnDeps } from '../chat/service';
import type { McpServerDeps } from './service';

const VERSION = '0.1.0';

function serverDeps(ctx: AppContext): McpServerDeps {
  const turns = turnDeps(ctx);
  const retrieve = ctx.plugins.services.retrieve;
  if (!retrieve) throw new Error('The MCP server needs document retrieval');
  return {
    db: ctx.database.db,
    retrieve,
    ask: async (principal, question) => {
      const result = await chatOnce(turns, principal, { message: question, plugins: ['rag_lookup'] });
      return { conversationId: result.conversationId, content: result.message.content, citations: result.message.citations };
    },
  };
}

/**
 * `/mcp`: the caller's documents as an MCP server (Streamable HTTP, stateless, JSON answers), for
 * API keys only. Each request gets its own server bound to the key's owner, so nothing of one
 * caller outlives its request and any replica can answer. It speaks JSON-RPC, not REST, so it is
 * left out of the OpenAPI document.
 */
export const mcpServerModule = (ctx: AppContext) => {
  const deps = serverDeps(ctx);
  const handle = async (request: Request, body: unknown): Promise<Response> => {
    const principal = await authenticate(ctx, request);
    if (!principal.apiKeyId) throw unauthorized('/mcp takes an API key (Authorization: Bearer)');
    // The SDK's server half loads with the first call: most servers are never asked over MCP.
    const [{ confabMcpServer }, { WebStandardStreamableHTTPServerTransport }] = await Promise.all([
      import('./tools'),
      import('@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'),
    ]);
    const server = confabMcpServer(deps, principal, VERSION);
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await server.connect(transport);
    try {
      return await transport.handleRequest(request, body === undefined ? {} : { parsedBody: body });
    } finally {
      await server.close();
    }
  };
  const hide = { detail: { hide: true } };
  return new Elysia({ name: 'mcp-server' })
    .post('/mcp', ({ request, body }) => handle(request, body), hide)
    .get('/mcp', ({ request }) => handle(request, undefined), hide)
    .delete('/mcp', ({ request }) => handle(request, undefined), hide);
};
