import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { TSchema } from '@sinclair/typebox';
import { AppError } from '../lib/errors';
import { log } from '../lib/logger';
import type { Plugin, PluginContext, PluginResult } from '../plugins/types';
import { type CallOptions, McpConnection, type McpServerSpec } from './connection';
import { capText, resultText } from './tool-result';

export interface McpLimits {
  toolTimeoutMs: number;
  resultMaxChars: number;
  userConcurrency: number;
}

/** What a tool call shows in the UI: where it ran, what it was given and what came back. */
export interface McpCallData {
  server: string;
  tool: string;
  arguments: Record<string, unknown>;
  result: string;
  truncated: boolean;
}

const BUSY_RETRY_MS = 1000;
/** The part of a result kept with the answer for the UI; the model read the whole (capped) text. */
const RECORDED_CHARS = 2000;

/** The broadcast channel on which replicas hear that the registered servers changed. */
export const MCP_SERVERS_CHANNEL = 'mcp-servers';

/** Whether a plugin name is an MCP tool's (`mcp:<server>:<tool>`), offered now or not. */
export const isMcpToolName = (name: string): boolean => name.startsWith('mcp:');

/** The name a model calls a tool by: providers allow only `[A-Za-z0-9_-]{1,64}`. */
export function wireName(server: string, tool: string): string {
  return `mcp__${server}__${tool}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
}

/** A tool description's first sentence: servers write them for models, often at length. */
function firstSentence(text: string | undefined): string | undefined {
  const first = text
    ?.trim()
    .split(/(?<=[.!?])\s|\n/)[0]
    ?.trim();
  return first ? first.replace(/[.!?]$/, '') : undefined;
}

function objectArgs(args: unknown): Record<string, unknown> {
  if (args === null || typeof args !== 'object' || Array.isArray(args))
    throw new AppError('invalid_plugin_args', { message: 'MCP tool arguments must be a JSON object.' });
  return args as Record<string, unknown>;
}

/**
 * The MCP servers admins registered, as plugins named `mcp:<server>:<tool>`. Holds one
 * connection per enabled server and rebuilds the plugin list whenever a server's tools change.
 */
export class McpHub {
  private connections = new Map<string, McpConnection>();
  private running = new Map<string, number>();
  private list: Plugin[] = [];

  constructor(
    private readonly load: () => Promise<McpServerSpec[]>,
    private readonly limits: McpLimits,
  ) {}

  /** The tools offered now, as plugins. */
  plugins(): readonly Plugin[] {
    return this.list;
  }

  /** Reads the servers again; a changed or removed server's connection is closed. */
  async reload(opts: { warm: boolean } = { warm: true }): Promise<void> {
    const specs = (await this.load()).filter((s) => s.enabled);
    const next = new Map<string, McpConnection>();
    for (const spec of specs) {
      const current = this.connections.get(spec.id);
      if (current && JSON.stringify(current.spec) === JSON.stringify(spec)) next.set(spec.id, current);
      else next.set(spec.id, new McpConnection(spec, () => this.rebuild()));
    }
    for (const [id, conn] of this.connections) if (next.get(id) !== conn) void conn.close();
    this.connections = next;
    this.rebuild();
    if (opts.warm) await this.warm();
  }

  /**
   * Connects the servers that are not connected and whose backoff has passed; failures only count.
   * With `waitForRetries: false` (a turn about to start) a server that failed before is retried in
   * the background, so a server that is down costs a turn nothing but its absent tools.
   */
  async warm(opts: { waitForRetries: boolean } = { waitForRetries: true }): Promise<void> {
    const waiting = [...this.connections.values()].filter((c) => !c.connected && c.reachable);
    const awaited = opts.waitForRetries ? waiting : waiting.filter((c) => !c.failing);
    for (const c of waiting) if (!awaited.includes(c)) void c.ready().catch(() => {});
    await Promise.all(awaited.map((c) => c.ready().catch(() => {})));
  }

  /** The connection for a server id, for the admin's test. */
  connection(id: string): McpConnection | undefined {
    return this.connections.get(id);
  }

  private rebuild(): void {
    this.list = [...this.connections.values()].flatMap((conn) =>
      conn.tools.filter((t) => !conn.spec.allowedTools || conn.spec.allowedTools.includes(t.name)).map((t) => this.plugin(conn, t)),
    );
  }

  private plugin(conn: McpConnection, tool: Tool): Plugin<Record<string, unknown>, McpCallData> {
    const server = conn.spec.name;
    return {
      name: `mcp:${server}:${tool.name}`,
      toolName: wireName(server, tool.name),
      description: `${tool.description ?? tool.title ?? tool.name} (tool of the MCP server ${server})`,
      summary: `${tool.title ?? firstSentence(tool.description) ?? tool.name} (from ${server})`,
      parameters: tool.inputSchema as unknown as TSchema,
      capabilities: ['network'],
      timeoutMs: this.limits.toolTimeoutMs,
      toolOnly: true,
      validate: objectArgs,
      available: () => (conn.reachable ? { ok: true } : { ok: false, reason: `the MCP server ${server} is unreachable` }),
      run: (args, ctx) => this.call(conn, tool.name, args, ctx),
      recorded: (data) => {
        const kept = capText(data.result, RECORDED_CHARS);
        return { ...data, result: kept.text, truncated: data.truncated || kept.truncated };
      },
    };
  }

  private async call(
    conn: McpConnection,
    tool: string,
    args: Record<string, unknown>,
    ctx: PluginContext,
  ): Promise<PluginResult<McpCallData>> {
    const busy = this.running.get(ctx.userId) ?? 0;
    if (busy >= this.limits.userConcurrency)
      throw new AppError('mcp_busy', { details: { retryAfterMs: BUSY_RETRY_MS }, headers: { 'retry-after': '1' } });
    this.running.set(ctx.userId, busy + 1);
    try {
      const opts: CallOptions = { signal: ctx.signal, timeoutMs: Math.max(1, ctx.deadlineMs - Date.now()) };
      const result = await conn.call(tool, args, opts);
      const { text, truncated } = capText(resultText(result), this.limits.resultMaxChars);
      if (result.isError) {
        const said = capText(text, 500).text;
        throw new AppError('mcp_tool_error', { message: `${tool} on ${conn.spec.name} reported an error: ${said}` });
      }
      return { text, data: { server: conn.spec.name, tool, arguments: args, result: text, truncated } };
    } finally {
      const left = (this.running.get(ctx.userId) ?? 1) - 1;
      if (left > 0) this.running.set(ctx.userId, left);
      else this.running.delete(ctx.userId);
    }
  }

  async close(): Promise<void> {
    const all = [...this.connections.values()];
    this.connections.clear();
    this.list = [];
    await Promise.all(all.map((c) => c.close().catch((error) => log.warn('mcp close failed', { error }))));
  }
}
