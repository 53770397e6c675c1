import { Elysia, t } from 'elysia';
import type { AppContext } from '../../context';
import { errorResponses } from '../../lib/error-response';
import { MCP_SERVERS_CHANNEL } from '../../mcp/hub';
import { changeBy } from '../admin/change-by';
import { adminGuard } from '../admin/guard';
import { CreateMcpServer, McpServerId, McpServerTest, McpServerView, UpdateMcpServer } from './model';
import { createMcpServer, deleteMcpServer, listMcpServers, type McpServerDeps, testMcpServer, updateMcpServer } from './service';

const tags = ['admin'];

export const mcpServersModule = (ctx: AppContext) => {
  const deps: McpServerDeps = {
    db: ctx.database.db,
    secrets: ctx.secrets,
    hub: ctx.mcp,
    stdio: ctx.config.mcp.stdio,
    changed: async () => {
      await ctx.mcp.reload();
      await ctx.broadcast.publish(MCP_SERVERS_CHANNEL, 'changed');
    },
  };
  return new Elysia({ prefix: '/api/admin/mcp-servers' })
    .use(adminGuard(ctx))
    .get('', () => listMcpServers(deps), {
      response: { 200: t.Array(McpServerView), ...errorResponses([400, 401, 403]) },
      detail: { summary: 'Registered MCP servers and the tools each lists on this replica (admins only)', tags },
    })
    .post(
      '',
      async ({ body, principal, request, server, set }) => {
        const created = await createMcpServer(deps, changeBy(principal, request, server), body);
        set.status = 201;
        return created;
      },
      {
        body: CreateMcpServer,
        response: { 201: McpServerView, ...errorResponses([400, 401, 403, 409, 413, 415]) },
        detail: {
          summary: 'Register an MCP server; its tools are offered to users as `mcp:<name>:<tool>` (admins only; audited)',
          description: 'Headers and token are write-only: stored encrypted (AES-256-GCM), never returned or logged.',
          tags,
        },
      },
    )
    .patch(
      '/:id',
      ({ params, body, principal, request, server }) => updateMcpServer(deps, changeBy(principal, request, server), params.id, body),
      {
        params: McpServerId,
        body: UpdateMcpServer,
        response: { 200: McpServerView, ...errorResponses([400, 401, 403, 404, 409, 413, 415]) },
        detail: { summary: 'Change an MCP server: name, URL, headers, token, enabled, allowed tools (admins only; audited)', tags },
      },
    )
    .delete('/:id', ({ params, principal, request, server }) => deleteMcpServer(deps, changeBy(principal, request, server), params.id), {
      params: McpServerId,
      response: { 200: McpServerView, ...errorResponses([400, 401, 403, 404, 415]) },
      detail: { summary: 'Remove an MCP server; its tools are no longer offered (admins only; audited)', tags },
    })
    .post('/:id/test', ({ params }) => testMcpServer(deps, params.id), {
      params: McpServerId,
      response: { 200: McpServerTest, ...errorResponses([400, 401, 403, 404, 415]) },
      detail: { summary: 'Connect to an MCP server and list its tools: the latency, or why it could not (admins only)', tags },
    });
};
