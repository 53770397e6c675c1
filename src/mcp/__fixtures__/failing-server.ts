/**
 * A small MCP server (the SDK's, Streamable HTTP with sessions) whose tools misbehave on purpose:
 * `slow` waits until cancelled, `huge` answers 200,000 characters, `fail` reports an error, `crash`
 * ends the process mid-call, `grow` adds a tool and says so with `notifications/tools/list_changed`,
 * `stats` tells what it saw, and `echo` answers at once (for the benchmark's baseline). Prints its port on stdout; `PORT` pins one (a restart keeps its address).
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';

const object = (properties: Record<string, object> = {}) => ({ type: 'object' as const, properties });
const tools: Tool[] = [
  { name: 'slow', description: 'Waits until cancelled', inputSchema: object() },
  { name: 'huge', description: 'A very long answer', inputSchema: object() },
  { name: 'fail', description: 'Reports an error', inputSchema: object() },
  { name: 'crash', description: 'Ends the server mid-call', inputSchema: object() },
  { name: 'grow', description: 'Adds a tool', inputSchema: object() },
  { name: 'stats', description: 'What the server saw', inputSchema: object() },
  { name: 'echo', description: 'Echoes its message', inputSchema: object({ message: { type: 'string' } }) },
];
const seen: { cancelled: number; calls: number; auth: string | null } = { cancelled: 0, calls: 0, auth: null };
const servers = new Set<Server>();
const sessions = new Map<string, WebStandardStreamableHTTPServerTransport>();

function newServer(): Server {
  const server = new Server({ name: 'failing', version: '1.0.0' }, { capabilities: { tools: { listChanged: true } } });
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools }));
  server.setRequestHandler(CallToolRequestSchema, async (req, extra) => {
    seen.calls++;
    switch (req.params.name) {
      case 'slow':
        await new Promise<void>((resolve) => {
          extra.signal.addEventListener('abort', () => {
            seen.cancelled++;
            resolve();
          });
        });
        return { content: [{ type: 'text', text: 'cancelled' }] };
      case 'huge':
        return { content: [{ type: 'text', text: 'x'.repeat(200_000) }] };
      case 'fail':
        return { isError: true, content: [{ type: 'text', text: 'the disk is on fire' }] };
      case 'crash':
        setTimeout(() => process.exit(1), 10);
        return new Promise(() => {});
      case 'grow':
        if (!tools.some((t) => t.name === 'added')) tools.push({ name: 'added', description: 'Added at run time', inputSchema: object() });
        for (const s of servers) await s.sendToolListChanged().catch(() => {});
        return { content: [{ type: 'text', text: 'grown' }] };
      case 'added':
        return { content: [{ type: 'text', text: 'the added tool ran' }] };
      case 'echo':
        return { content: [{ type: 'text', text: `Echo: ${String(req.params.arguments?.message ?? '')}` }] };
      case 'stats':
        return { content: [{ type: 'text', text: JSON.stringify(seen) }] };
      default:
        return { isError: true, content: [{ type: 'text', text: `no tool ${req.params.name}` }] };
    }
  });
  return server;
}

const http = Bun.serve({
  hostname: '127.0.0.1',
  port: Number(process.env.PORT ?? 0),
  idleTimeout: 0,
  async fetch(request) {
    seen.auth = request.headers.get('authorization');
    const id = request.headers.get('mcp-session-id');
    const known = id ? sessions.get(id) : undefined;
    if (known) return known.handleRequest(request);
    if (id) return new Response('unknown session', { status: 404 });
    const server = newServer();
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => crypto.randomUUID(),
      onsessioninitialized: (sid) => void sessions.set(sid, transport),
    });
    servers.add(server);
    await server.connect(transport);
    return transport.handleRequest(request);
  },
});
console.log(http.port);
