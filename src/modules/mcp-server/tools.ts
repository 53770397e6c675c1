import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { AppError } from '../../lib/errors';
import { log } from '../../lib/logger';
import type { Principal } from '../auth/guard';
import { AskArgs, GetChunkArgs, ListDocumentsArgs, SearchDocumentsArgs } from './model';
import { ask, getChunk, listOwnDocuments, type McpServerDeps, searchDocuments } from './service';

interface ToolDef {
  name: string;
  description: string;
  schema: TSchema;
  run(deps: McpServerDeps, principal: Principal, args: any): Promise<unknown>;
}

const TOOLS: ToolDef[] = [
  {
    name: 'search_documents',
    description:
      'Hybrid (semantic and keyword) search over the documents you uploaded to Confab. Returns passages with their document, page, character offsets and text, numbered for citation.',
    schema: SearchDocumentsArgs,
    run: async (deps, p, args) => ({ results: await searchDocuments(deps, p.user.id, args) }),
  },
  {
    name: 'list_documents',
    description: 'Lists the documents you uploaded to Confab, newest first, with their ingestion status.',
    schema: ListDocumentsArgs,
    run: async (deps, p) => ({ documents: await listOwnDocuments(deps, p.user.id) }),
  },
  {
    name: 'get_chunk',
    description: 'One passage of your documents by its chunkId (from search_documents), with its document, page and offsets.',
    schema: GetChunkArgs,
    run: (deps, p, args) => getChunk(deps, p.user.id, args),
  },
  {
    name: 'ask',
    description:
      'Asks Confab a question answered from your documents (a chat turn with document lookup, stored as a conversation). Returns the answer and the passages it cites.',
    schema: AskArgs,
    run: (deps, p, args) => ask(deps, p, args),
  },
];

const byName = new Map(TOOLS.map((t) => [t.name, t]));
const toolList: Tool[] = TOOLS.map((t) => ({
  name: t.name,
  description: t.description,
  inputSchema: JSON.parse(JSON.stringify(t.schema)),
}));

function checkedArgs(tool: ToolDef, raw: unknown): unknown {
  const value = Value.Default(tool.schema, structuredClone(raw ?? {}));
  if (Value.Check(tool.schema, value)) return value;
  const summary = [...Value.Errors(tool.schema, value)]
    .slice(0, 5)
    .map((e) => `${e.path || '/'}: ${e.message}`)
    .join('; ');
  throw new McpError(ErrorCode.InvalidParams, `Invalid arguments for ${tool.name}: ${summary}`);
}

/** A tool's failure as the caller's model should read it: the catalogue sentence, never internals. */
function failed(tool: string, err: unknown): CallToolResult {
  if (!(err instanceof AppError)) log.error('mcp tool failed', { tool, err });
  const text = err instanceof AppError ? `${err.code}: ${err.publicMessage}` : `${tool} failed`;
  return { isError: true, content: [{ type: 'text', text }] };
}

/** An MCP server answering one principal's requests; it holds nothing between requests. */
export function confabMcpServer(deps: McpServerDeps, principal: Principal, version: string): Server {
  const server = new Server({ name: 'confab', version }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: toolList }));
  server.setRequestHandler(CallToolRequestSchema, async (req): Promise<CallToolResult> => {
    const tool = byName.get(req.params.name);
    if (!tool) throw new McpError(ErrorCode.InvalidParams, `No tool named ${req.params.name}`);
    const args = checkedArgs(tool, req.params.arguments);
    try {
      const result = (await tool.run(deps, principal, args)) as Record<string, unknown>;
      return { content: [{ type: 'text', text: JSON.stringify(result) }], structuredContent: result };
    } catch (err) {
      return failed(tool.name, err);
    }
  });
  return server;
}
